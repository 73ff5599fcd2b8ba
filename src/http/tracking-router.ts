import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Context } from '../context';
import type { HitRecorder } from '../tracking/hits';
import { describeUnsubscribe, unsubscribeByMessage } from '../tracking/unsubscribe';
import { renderPage } from './pages';

/** A transparent 1×1 GIF. */
export const PIXEL = Buffer.from(
  'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
  'base64',
);

const NO_STORE = {
  'Cache-Control': 'no-store, no-cache, must-revalidate, private',
  Pragma: 'no-cache',
  Expires: '0',
};

/** The pixel's answer, the same for every message, known or not. */
const pixelHeaders = [
  'Content-Type',
  'image/gif',
  'Content-Length',
  String(PIXEL.length),
  ...Object.entries(NO_STORE).flat(),
];

/**
 * A redirect is never cached by default, so no-store alone keeps proxies from replaying it;
 * the referrer stays behind so that the destination cannot see the message id.
 */
const redirectHeaders = (location: string) => [
  'Location',
  location,
  'Cache-Control',
  'no-store',
  'Referrer-Policy',
  'no-referrer',
  'Content-Length',
  '0',
];

const NOT_ALLOWED = JSON.stringify({
  error: { code: 'method_not_allowed', message: 'Tracking links answer GET and HEAD only.' },
});
const notAllowedHeaders = [
  'Allow',
  'GET, HEAD',
  'Content-Type',
  'application/json; charset=utf-8',
  'Content-Length',
  String(Buffer.byteLength(NOT_ALLOWED)),
  'Cache-Control',
  'no-store',
];

/**
 * Tracking links are only followed and loaded. Any other method is answered here, before it
 * can reach the host app's routes, and alike for every id: nothing is looked up.
 */
const refuseMethod = (res: Response) => res.writeHead(405, notAllowedHeaders).end(NOT_ALLOWED);

const isReadMethod = (method: string) => method === 'GET' || method === 'HEAD';

const hitOf = (req: Request) => ({ userAgent: req.get('user-agent'), ip: req.ip });

const GONE = {
  title: 'This link does not work',
  message: 'The link may be incomplete. Use the unsubscribe link in the email itself.',
};

/**
 * The click route, ahead of Express's routing: the hottest path of the product answers from
 * a plain match on the path, one indexed lookup and a 302 to the address stored with the
 * campaign, never to one taken from the request. HEAD is answered alike but not counted:
 * link checkers use it.
 */
export function clickRoute(hits: HitRecorder): RequestHandler {
  const linkGone = renderPage('notice', {
    title: 'This link does not work',
    message:
      'The link may be incomplete. Copy the whole address from the email, or click it there.',
  });
  return (req, res, next) => {
    if (!req.url.startsWith('/t/c/')) {
      next();
      return;
    }
    if (!isReadMethod(req.method)) {
      refuseMethod(res);
      return;
    }
    const match = CLICK_PATH.exec(req.url);
    const target = match && hits.clickTarget(decodePart(match[1]!), decodePart(match[2]!));
    if (!target) {
      res.status(404).set(NO_STORE).type('html').send(linkGone);
      return;
    }
    // The headers are checked as they are written, so a click is counted only once its answer
    // is certain to go out.
    res.writeHead(302, redirectHeaders(target.destination));
    if (req.method === 'GET') hits.recordClick(target, hitOf(req));
    res.end();
  };
}

/** /t/c/<message id>/<link key>, with an optional query string that is ignored. */
const CLICK_PATH = /^\/t\/c\/([^/?#]{1,100})\/([^/?#]{1,200})\/?(?:\?.*)?$/;

/** /<message id>.gif below /t/o, with an optional query string that is ignored. */
const OPEN_PATH = /^\/([^/?#]+)\.gif(?:\?.*)?$/;

/** A path segment decoded; one with a broken %-escape names nothing, and is read as empty. */
export function decodePart(part: string): string {
  if (!part.includes('%')) return part;
  try {
    return decodeURIComponent(part);
  } catch {
    return '';
  }
}

/** Public routes reached from emails: no sign-in, nothing revealed for an unknown message. */
export function trackingRouter(ctx: Context, hits: HitRecorder): Router {
  const router = Router();

  // Matched by hand, like the click route: a parameter Express decodes would turn a badly
  // encoded id into an error, where the pixel must answer the same GIF whatever it is sent.
  router.use('/o', (req, res, next) => {
    if (!isReadMethod(req.method)) {
      refuseMethod(res);
      return;
    }
    const match = OPEN_PATH.exec(req.url);
    if (!match) {
      next();
      return;
    }
    if (req.method === 'GET') hits.recordOpen(decodePart(match[1]!), hitOf(req));
    res.writeHead(200, pixelHeaders).end(PIXEL);
  });

  // The one-click body is form-encoded and tiny; read it only to keep the socket clean.
  const oneClickBody = express.urlencoded({ extended: false, limit: '1kb' });

  router.get('/u/:messageId', (req, res) => {
    const view = describeUnsubscribe(ctx, req.params.messageId);
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
    if (!view) {
      res.status(404).type('html').send(renderPage('notice', GONE));
      return;
    }
    res.type('html').send(
      view.alreadyUnsubscribed
        ? renderPage('notice', {
            title: 'You are unsubscribed',
            message: 'You will not receive these emails any more.',
          })
        : renderPage('notice', { title: 'Unsubscribe', confirm: true, ...view }),
    );
  });

  // RFC 8058 one-click: mail clients POST here with no cookie and no form token, so the
  // action must be harmless to repeat, and it is.
  router.post('/u/:messageId', oneClickBody, (req, res) => {
    const done = unsubscribeByMessage(ctx, req.params.messageId);
    res.set('Cache-Control', 'no-store');
    if (!done) {
      res.status(404).type('html').send(renderPage('notice', GONE));
      return;
    }
    res.type('html').send(
      renderPage('notice', {
        title: 'You are unsubscribed',
        message: 'You will not receive these emails any more.',
      }),
    );
  });

  return router;
}
