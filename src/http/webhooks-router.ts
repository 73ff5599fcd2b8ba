import express, { Router } from 'express';
import type { Context } from '../context';
import { AppError, badRequest } from '../errors';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  sendgridSignatureCheck,
  signatureProblemMessages,
} from '../tracking/sendgrid-signature';
import { parseSendgridEventBatch, recordSendgridEvents } from '../tracking/sendgrid-webhook';
import { errorHandler, hostParsedBody } from './errors';

export interface WebhooksOptions {
  /** SendGrid's verification key (Mail Settings, signed event webhook); unsigned when absent. */
  sendgridWebhookPublicKey?: string;
}

/** Mail providers' event webhooks, mounted under /webhooks. */
export function webhooksRouter(ctx: Context, options: WebhooksOptions): Router {
  const router = Router();
  // Raw bytes, not parsed JSON: the signature covers the body exactly as sent.
  const rawJson = express.raw({ type: 'application/json', limit: '5mb' });
  const checkSignature = options.sendgridWebhookPublicKey
    ? sendgridSignatureCheck(options.sendgridWebhookPublicKey)
    : undefined;
  if (!checkSignature) {
    // TODO: refuse unsigned events in production once every deployment sets the key; until
    // then anyone who knows a message id can post a bounce or an unsubscribe for it.
    ctx.logger.warn('the SendGrid event webhook takes unsigned events: set its public key');
  }
  const hostParsed = hostParsedBody(ctx, '/webhooks/sendgrid', 'its signature cannot be checked');

  router.post('/sendgrid', rawJson, (req, res) => {
    if (!Buffer.isBuffer(req.body)) {
      // A JSON body the raw reader left alone was read before it came.
      if (req.is('application/json')) throw hostParsed();
      if (req.get('content-type') && !req.is('application/json')) {
        throw new AppError(415, 'unsupported_media_type', 'Send the events as application/json.');
      }
      throw badRequest('The body must be a JSON array of events.');
    }

    if (checkSignature) {
      const problem = checkSignature(
        {
          payload: req.body,
          signature: req.get(SIGNATURE_HEADER),
          timestamp: req.get(TIMESTAMP_HEADER),
        },
        ctx.clock(),
      );
      if (problem) {
        ctx.logger.warn({ problem, ip: req.ip }, 'sendgrid webhook signature refused');
        throw new AppError(401, 'invalid_signature', signatureProblemMessages[problem]);
      }
    }

    const events = parseSendgridEventBatch(req.body);
    res.json(recordSendgridEvents(ctx, events));
  });

  router.use(errorHandler(ctx.logger));
  return router;
}
