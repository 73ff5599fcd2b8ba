import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { createCampaignInput, updateCampaignInput } from '../campaigns/input';
import { launchCampaign } from '../campaigns/launch';
import { cancelCampaign, pauseCampaign, resumeCampaign } from '../campaigns/lifecycle';
import { rolloutCampaign } from '../campaigns/rollout';
import { createCampaign, getCampaign, listCampaigns, updateCampaign } from '../campaigns/store';
import type { Context } from '../context';
import type { ApiKeyCheck } from '../credentials';
import { AppError } from '../errors';
import { parseProspectCsv } from '../prospects/csv';
import { importProspects } from '../prospects/import';
import { parseProspectJson } from '../prospects/json';
import { campaignReport } from '../reports/report';
import { reportCsv } from '../reports/report-csv';
import { previewVariant } from '../sending/preview';
import { resolveUnknownMessages } from '../sending/queue';
import { requireApiKey } from './auth';
import { parseInput } from './errors';

export interface ApiOptions {
  apiKey: ApiKeyCheck;
  /** Called after something was queued, so the send worker looks at once. */
  onQueued: () => void;
  /** The largest prospect upload taken, in bytes. */
  maxImportBytes: number;
}

const campaignId = z.object({
  id: z.coerce
    .number({ message: 'must be a campaign id' })
    .int('must be a campaign id')
    .positive('must be a campaign id')
    .max(Number.MAX_SAFE_INTEGER, 'must be a campaign id'),
});

const previewQuery = z
  .object({
    email: z.string().trim().max(254).optional(),
    format: z.enum(['html', 'json']).default('html'),
  })
  .strict();

const rolloutInput = z.object({ variant: z.string().trim().min(1).max(32).optional() }).strict();

const reportQuery = z.object({ method: z.enum(['sequential', 'bayesian']).optional() }).strict();

const resolveUnknownInput = z
  .object({
    action: z.enum(['resend', 'sent'], { message: 'must be "resend" or "sent"' }),
  })
  .strict();

const idOf = (req: Request) => parseInput(campaignId, req.params).id;

export function apiRouter(ctx: Context, options: ApiOptions): Router {
  const router = Router();
  const json = express.json({ limit: '1mb', strict: false });
  const importJson = express.json({ limit: options.maxImportBytes, strict: false });

  router.use(requireApiKey(options.apiKey));

  router.get('/campaigns', (_req, res) => {
    res.json({ campaigns: listCampaigns(ctx) });
  });

  router.post('/campaigns', json, (req, res) => {
    const input = parseInput(createCampaignInput, req.body);
    const campaign = createCampaign(ctx, input);
    res.status(201).location(`${req.baseUrl}/campaigns/${campaign.id}`).json(campaign);
  });

  router.get('/campaigns/:id', (req, res) => {
    res.json(getCampaign(ctx, idOf(req)));
  });

  router.patch('/campaigns/:id', json, (req, res) => {
    const id = idOf(req);
    const input = parseInput(updateCampaignInput, req.body);
    res.json(updateCampaign(ctx, id, input));
  });

  router.post('/campaigns/:id/prospects', async (req, res, next) => {
    const id = idOf(req);
    getCampaign(ctx, id);

    let upload;
    if (req.is('text/csv')) {
      upload = await parseProspectCsv(req, options.maxImportBytes);
    } else if (req.is('application/json')) {
      await new Promise<void>((resolve, reject) =>
        importJson(req, res, (error?: unknown) => (error ? reject(error) : resolve())),
      );
      upload = parseProspectJson(req.body);
    } else {
      next(
        new AppError(
          415,
          'unsupported_media_type',
          'Send prospects as text/csv (with a header row) or as application/json.',
        ),
      );
      return;
    }

    const summary = importProspects(ctx, id, upload);
    if (summary.enrolled?.test) options.onQueued();
    res.json(summary);
  });

  router.post('/campaigns/:id/launch', (req, res) => {
    const result = launchCampaign(ctx, idOf(req));
    options.onQueued();
    res.json(result);
  });

  router.post('/campaigns/:id/rollout', json, (req, res) => {
    const id = idOf(req);
    const { variant } = parseInput(rolloutInput, req.body ?? {});
    const result = rolloutCampaign(ctx, id, variant);
    options.onQueued();
    res.json(result);
  });

  for (const [action, move] of [
    ['pause', pauseCampaign],
    ['resume', resumeCampaign],
    ['cancel', cancelCampaign],
  ] as const) {
    router.post(`/campaigns/:id/${action}`, (req, res) => {
      const id = idOf(req);
      move(ctx, id);
      if (action === 'resume') options.onQueued();
      res.json(getCampaign(ctx, id));
    });
  }

  router.get('/campaigns/:id/report', (req, res) => {
    const id = idOf(req);
    const { method } = parseInput(reportQuery, req.query);
    res.json(campaignReport(ctx, id, { method }));
  });

  router.get('/campaigns/:id/report.csv', (req, res) => {
    const id = idOf(req);
    const { method } = parseInput(reportQuery, req.query);
    res
      .type('text/csv')
      .attachment(`campaign-${id}-report.csv`)
      .send(reportCsv(campaignReport(ctx, id, { method })));
  });

  router.get('/campaigns/:id/variants/:key/preview', (req, res) => {
    const id = idOf(req);
    const query = parseInput(previewQuery, req.query);
    const preview = previewVariant(ctx, id, String(req.params.key), query.email);
    if (query.format === 'json') res.json(preview);
    else res.type('html').set('Content-Security-Policy', "script-src 'none'").send(preview.html);
  });

  router.post('/campaigns/:id/unknown-messages', json, (req, res) => {
    const id = idOf(req);
    const { action } = parseInput(resolveUnknownInput, req.body);
    getCampaign(ctx, id);
    const result = resolveUnknownMessages(ctx, id, action);
    if (action === 'resend') options.onQueued();
    res.json(result);
  });

  return router;
}
