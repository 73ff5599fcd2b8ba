import express, { Router, type Request, type RequestHandler } from 'express';
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
    if (!req.url.startsWith('/t/c/') || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next();
      return;
    }
    const match = CLICK_PATH.exec(req.url);
    const target = match && hits.clickTarget(decodePart(match[1]!), decodePart(match[2]!));
    if (!target) {
      res.status(404).set(NO_STORE).type('html').send(linkGone);
      return;
    }
    if (req.method === 'GET') hits.recordClick(target, hitOf(req));
    res.writeHead(302, redirectHeaders(target.destination)).end();
  };
}

/** /t/c/<message id>/<link key>, with an optional query string that is ignored. */
const CLICK_PATH = /^\/t\/c\/([^/?#]{1,100})\/([^/?#]{1,200})\/?(?:\?.*)?$/;

function decodePart(part: string): string {
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

  router.get('/o/:messageId.gif', (req, res) => {
    if (req.method === 'GET') hits.recordOpen(req.params.messageId, hitOf(req));
    res.status(200).set(NO_STORE).type('gif').send(PIXEL);
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
