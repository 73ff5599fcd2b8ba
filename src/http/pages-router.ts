import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { simpleParser } from 'mailparser';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { AdminPassword } from '../accounts/admin';
import { listCampaigns } from '../campaigns/store';
import type { Context } from '../context';
import { calculate } from '../reports/calculator';
import { campaignReport } from '../reports/report';
import { addCampaignPages, VERDICT_WORDS } from './campaign-pages';
import type { Mailer } from '../sending/mailer';
import { OutboxMailer } from '../sending/outbox-mailer';
import { renderPage } from './pages';
import {
  checkFormToken,
  endSession,
  pageLocals,
  requireSignIn,
  sessions,
  startSession,
} from './session';

const ASSETS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../assets');

export interface PagesOptions {
  admin: AdminPassword;
  mailer: Mailer;
  maxImportBytes: number;
  onQueued: () => void;
  /** Sign-in attempts per IP per 15 minutes. */
  signInLimit?: number;
}

const page = (res: Response, name: string, data: Record<string, unknown> = {}, status = 200) => {
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .send(renderPage(name, { ...pageLocals(res), ...data }));
};

/** Only a path inside the plugin: a `next` from the query never sends anyone elsewhere. */
function safeNext(req: Request, next: unknown): string {
  const base = req.baseUrl;
  if (
    typeof next === 'string' &&
    next.startsWith(`${base}/`) &&
    !next.startsWith('//') &&
    !/[\\\r\n]/.test(next)
  ) {
    return next;
  }
  return `${base}/campaigns`;
}

const calculatorQuery = z.object({
  name: z.union([z.string(), z.array(z.string())]).optional(),
  leads: z.union([z.string(), z.array(z.string())]).optional(),
  customers: z.union([z.string(), z.array(z.string())]).optional(),
  confidence: z.enum(['0.9', '0.95', '0.99']).default('0.95'),
  mde: z.string().optional(),
});

/** The time of the campaign's latest email, hit or conversion. */
function lastActivityOf(ctx: Context, campaignId: number): string | undefined {
  const at = ctx.sqlite
    .prepare(
      `SELECT max(t) FROM (
         SELECT max(sent_at) AS t FROM messages WHERE campaign_id = ?
         UNION ALL SELECT max(occurred_at) FROM events WHERE campaign_id = ?
         UNION ALL SELECT max(occurred_at) FROM conversions WHERE campaign_id = ?)`,
    )
    .pluck()
    .get(campaignId, campaignId, campaignId) as number | null;
  return at === null ? undefined : new Date(at).toISOString();
}

const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export function pagesRouter(ctx: Context, options: PagesOptions): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '200kb' });
  const signInLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: options.signInLimit ?? 20,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => {
      page(res, 'sign-in', { error: 'Too many attempts. Wait a few minutes and try again.' }, 429);
    },
  });

  router.use('/assets', express.static(ASSETS_DIR, { maxAge: '1h', fallthrough: false }));
  // Per route, not for the whole router: a host app's own routes beside the plugin must not
  // get leadsplit's cookies or its sign-in.
  const visitor = sessions(ctx);
  const signedIn: RequestHandler = (req, res, next) =>
    visitor(req, res, (error?: unknown) => (error ? next(error) : requireSignIn(req, res, next)));

  router.get('/', visitor, (req, res) => res.redirect(303, `${req.baseUrl}/campaigns`));

  router.get('/sign-in', visitor, (req, res) => {
    if (res.locals.signedIn) {
      res.redirect(303, safeNext(req, req.query.next));
      return;
    }
    page(res, 'sign-in', { next: safeNext(req, req.query.next) });
  });

  router.post('/sign-in', signInLimiter, visitor, form, checkFormToken(ctx), (req, res) => {
    const body = req.body as { password?: unknown; next?: unknown };
    const password = typeof body.password === 'string' ? body.password.slice(0, 200) : '';
    if (!options.admin.verify(password)) {
      ctx.logger.warn({ ip: req.ip }, 'sign-in refused');
      page(
        res,
        'sign-in',
        { error: 'That password is not right.', next: safeNext(req, body.next) },
        401,
      );
      return;
    }
    startSession(ctx, req, res);
    res.redirect(303, safeNext(req, body.next));
  });

  router.post('/sign-out', visitor, form, checkFormToken(ctx), (req, res) => {
    endSession(ctx, req, res);
    res.redirect(303, `${req.baseUrl}/sign-in`);
  });

  router.get('/calculator', visitor, (req, res) => {
    const query = calculatorQuery.safeParse(req.query);
    const q = query.success ? query.data : calculatorQuery.parse({});
    const names = list(q.name);
    const leads = list(q.leads);
    const customers = list(q.customers);
    // Three rows to fill by default; as many as were sent, up to eight.
    const rows = Math.min(8, Math.max(3, names.length, leads.length, customers.length));
    const formRows = Array.from({ length: rows }, (_, i) => ({
      name: names[i] ?? `Group ${String.fromCharCode(65 + i)}`,
      leads: leads[i] ?? '',
      customers: customers[i] ?? '',
    }));
    const data: Record<string, unknown> = {
      form: { groups: formRows, confidence: q.confidence, mde: q.mde ?? '1' },
    };

    const filled = formRows.filter((r) => r.leads !== '' || r.customers !== '');
    if (filled.length > 0) {
      const groups = filled.map((r) => ({
        name: r.name.trim().slice(0, 60) || 'Group',
        leads: Number(r.leads),
        customers: Number(r.customers),
      }));
      const bad = groups.find(
        (g) =>
          !Number.isInteger(g.leads) ||
          !Number.isInteger(g.customers) ||
          g.leads < 0 ||
          g.customers < 0 ||
          g.customers > g.leads ||
          g.leads > 1e9,
      );
      const mde = q.mde === undefined || q.mde === '' ? undefined : Number(q.mde) / 100;
      if (groups.length < 2) data.error = 'Fill in at least two groups.';
      else if (bad)
        data.error =
          `${bad.name}: leads and customers are whole numbers, ` +
          'with no more customers than leads.';
      else if (mde !== undefined && !(mde > 0 && mde < 1))
        data.error = 'The lift to detect is a number of percentage points between 0.1 and 50.';
      else data.result = calculate(groups, Number(q.confidence), mde);
    }
    page(res, 'calculator', data, data.error ? 400 : 200);
  });

  router.get('/campaigns', signedIn, (_req, res) => {
    const campaigns = listCampaigns(ctx).map((c) => {
      const report = c.status === 'draft' ? undefined : campaignReport(ctx, c.id);
      const lastActivity = lastActivityOf(ctx, c.id) ?? c.launchedAt ?? c.createdAt;
      return {
        ...c,
        leads: report?.totals.leads ?? 0,
        verdict: report ? report.verdict.kind : 'draft',
        verdictWord: report ? VERDICT_WORDS[report.verdict.kind] : 'Not launched',
        lastActivity,
        lastActivityText: lastActivity.slice(0, 16).replace('T', ' '),
      };
    });
    page(res, 'campaigns', { title: 'Campaigns', campaigns });
  });

  addCampaignPages(router, ctx, {
    signedIn,
    page,
    maxImportBytes: options.maxImportBytes,
    onQueued: options.onQueued,
  });

  const outbox = options.mailer instanceof OutboxMailer ? options.mailer : undefined;

  router.get('/outbox', signedIn, async (_req, res) => {
    if (!outbox) {
      page(res, 'outbox', { enabled: false });
      return;
    }
    const campaigns = await Promise.all(
      listCampaigns(ctx).map(async (c) => {
        const entries = (await outbox.list(c.id)).slice(0, 200);
        const messages = await Promise.all(
          entries.map(async (e) => {
            const file = await outbox.read(c.id, e.messageId);
            const parsed = file ? await simpleParser(file) : undefined;
            return {
              ...e,
              to: parsed?.to
                ? [parsed.to]
                    .flat()
                    .map((a) => a.text)
                    .join(', ')
                : '',
              subject: parsed?.subject ?? '',
            };
          }),
        );
        return { name: c.name, messages };
      }),
    );
    page(res, 'outbox', {
      enabled: true,
      campaigns: campaigns.filter((c) => c.messages.length > 0),
    });
  });

  const messageParams = z.object({
    campaignId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    messageId: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  });

  const readMessage = async (req: Request) => {
    const params = messageParams.safeParse(req.params);
    if (!params.success || !outbox) return undefined;
    const file = await outbox.read(params.data.campaignId, params.data.messageId);
    return file ? { ...params.data, file, parsed: await simpleParser(file) } : undefined;
  };

  router.get('/outbox/:campaignId/:messageId.eml', signedIn, async (req, res) => {
    const message = await readMessage(req);
    if (!message) page(res, 'not-found', { title: 'Not found' }, 404);
    else res.type('message/rfc822').send(message.file);
  });

  router.get('/outbox/:campaignId/:messageId/html', signedIn, async (req, res) => {
    const message = await readMessage(req);
    if (!message) {
      page(res, 'not-found', { title: 'Not found' }, 404);
      return;
    }
    // Shown inside a sandboxed frame, with no scripts and no requests out.
    res
      .type('html')
      .set(
        'Content-Security-Policy',
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
      )
      .send(typeof message.parsed.html === 'string' ? message.parsed.html : '');
  });

  router.get('/outbox/:campaignId/:messageId', signedIn, async (req, res) => {
    const message = await readMessage(req);
    if (!message) {
      page(res, 'not-found', { title: 'Not found' }, 404);
      return;
    }
    const { parsed } = message;
    page(res, 'outbox-message', {
      title: parsed.subject ?? '(no subject)',
      subject: parsed.subject ?? '(no subject)',
      from: parsed.from?.text ?? '',
      to: [parsed.to ?? []]
        .flat()
        .map((a) => a.text)
        .join(', '),
      listUnsubscribe: parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '',
      text: parsed.text ?? '',
      campaignId: message.campaignId,
      messageId: message.messageId,
    });
  });

  return router;
}
