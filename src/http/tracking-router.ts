import express, { Router } from 'express';
import type { Context } from '../context';
import { describeUnsubscribe, unsubscribeByMessage } from '../tracking/unsubscribe';
import { renderPage } from './pages';

const GONE = {
  title: 'This link does not work',
  message: 'The link may be incomplete. Use the unsubscribe link in the email itself.',
};

/** Public routes reached from emails: no sign-in, nothing revealed for an unknown message. */
export function trackingRouter(ctx: Context): Router {
  const router = Router();
  // The one-click body is form-encoded and tiny; read it only to keep the socket clean.
  const oneClickBody = express.urlencoded({ extended: false, limit: '1kb' });

  router.get('/u/:messageId', (req, res) => {
    const view = describeUnsubscribe(ctx, req.params.messageId);
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
    if (!view) {
      res.status(404).type('html').send(renderPage('unsubscribe', GONE));
      return;
    }
    res.type('html').send(
      view.alreadyUnsubscribed
        ? renderPage('unsubscribe', {
            title: 'You are unsubscribed',
            message: 'You will not receive these emails any more.',
          })
        : renderPage('unsubscribe', { title: 'Unsubscribe', confirm: true, ...view }),
    );
  });

  // RFC 8058 one-click: mail clients POST here with no cookie and no form token, so the
  // action must be harmless to repeat, and it is.
  router.post('/u/:messageId', oneClickBody, (req, res) => {
    const done = unsubscribeByMessage(ctx, req.params.messageId);
    res.set('Cache-Control', 'no-store');
    if (!done) {
      res.status(404).type('html').send(renderPage('unsubscribe', GONE));
      return;
    }
    res.type('html').send(
      renderPage('unsubscribe', {
        title: 'You are unsubscribed',
        message: 'You will not receive these emails any more.',
      }),
    );
  });

  return router;
}
