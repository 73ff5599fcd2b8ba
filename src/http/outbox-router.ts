import { Router } from 'express';
import { z } from 'zod';
import { OutboxMailer } from '../sending/outbox-mailer';
import { requireApiKey } from './auth';
import type { ApiOptions } from './api-router';
import { parseInput } from './errors';
import type { Mailer } from '../sending/mailer';

const messageParams = z.object({
  campaignId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  messageId: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'is not a message id'),
});
const campaignParams = messageParams.pick({ campaignId: true });

/** What the outbox mailer wrote, for scripts: a list per campaign and each message as written. */
export function outboxRouter(options: ApiOptions & { mailer: Mailer }): Router {
  const router = Router();
  router.use(requireApiKey(options.apiKey));

  router.use((_req, res, next) => {
    if (options.mailer instanceof OutboxMailer) next();
    else {
      res.status(404).json({
        error: { code: 'no_outbox', message: 'Emails go through a provider, not the outbox.' },
      });
    }
  });
  const outbox = options.mailer as OutboxMailer;

  router.get('/:campaignId', async (req, res) => {
    const { campaignId } = parseInput(campaignParams, req.params);
    res.json({ messages: await outbox.list(campaignId) });
  });

  router.get('/:campaignId/:messageId.eml', async (req, res) => {
    const { campaignId, messageId } = parseInput(messageParams, req.params);
    const file = await outbox.read(campaignId, messageId);
    if (!file) {
      res.status(404).json({ error: { code: 'not_found', message: 'No such message.' } });
      return;
    }
    res.type('message/rfc822').send(file);
  });

  return router;
}
