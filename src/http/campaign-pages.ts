import express, { type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { createCampaignInput } from '../campaigns/input';
import { launchCampaign } from '../campaigns/launch';
import { rolloutCampaign } from '../campaigns/rollout';
import { createCampaign, getCampaign } from '../campaigns/store';
import type { Context } from '../context';
import { AppError } from '../errors';
import { parseProspectCsv } from '../prospects/csv';
import { importProspects, type ImportSummary } from '../prospects/import';
import { campaignReport } from '../reports/report';
import { reportCsv } from '../reports/report-csv';
import { adviseSampleSize } from '../reports/sample-size-advice';
import { trends } from '../reports/trends';
import { previewVariant } from '../sending/preview';
import { listEmailTemplates } from '../sending/template-source';
import { cumulativeChart, funnelChart, ratioChart } from './charts';
import { withUploadedFile } from './multipart';
import { parseInput } from './errors';
import { checkFormToken } from './session';

type Page = (res: Response, name: string, data?: Record<string, unknown>, status?: number) => void;

export const VERDICT_WORDS: Record<string, string> = {
  winner: 'Winner',
  'no-difference': 'No difference',
  inconclusive: 'Inconclusive',
  collecting: 'Collecting',
  invalid: 'Invalid split',
};

const idParam = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

const MAX_LINKS = 3;

interface FormVariant {
  key: string;
  name: string;
  subject: string;
  preheader: string;
  template: string;
  weight: string;
  control: boolean;
}

/** The new-campaign form as it was sent, so a re-rendered form keeps what was typed. */
function readForm(body: Record<string, string | undefined>) {
  const count = Math.min(8, Math.max(2, Number(body.variantCount) || 2));
  const control = Number(body.control ?? 0);
  const variants: FormVariant[] = Array.from({ length: count }, (_, i) => ({
    key: body[`v${i}_key`] ?? '',
    name: body[`v${i}_name`] ?? '',
    subject: body[`v${i}_subject`] ?? '',
    preheader: body[`v${i}_preheader`] ?? '',
    template: body[`v${i}_template`] ?? 'announcement',
    weight: body[`v${i}_weight`] ?? '1',
    control: i === control,
  }));
  const links = Array.from({ length: MAX_LINKS }, (_, i) => ({
    key: body[`l${i}_key`] ?? '',
    url: body[`l${i}_url`] ?? '',
  }));
  const form = {
    name: body.name ?? '',
    goal: body.goal ?? 'purchase',
    testFraction: body.testFraction ?? '20',
    confidence: body.confidence ?? '0.95',
    minimumDetectableEffect: body.minimumDetectableEffect ?? '1',
    expectedRate: body.expectedRate ?? '5',
    expectedListSize: body.expectedListSize ?? '',
  };
  return { form, variants, links };
}

function blankVariant(i: number): FormVariant {
  const letter = String.fromCharCode(97 + i);
  return {
    key: letter,
    name: `Variant ${letter.toUpperCase()}`,
    subject: '',
    preheader: '',
    template: 'announcement',
    weight: '1',
    control: i === 0,
  };
}

function adviceOf(form: ReturnType<typeof readForm>['form'], variants: number) {
  return adviseSampleSize({
    baseline: Number(form.expectedRate) / 100,
    mde: Number(form.minimumDetectableEffect) / 100,
    confidence: Number(form.confidence),
    variants,
    testFraction: Math.min(1, Math.max(0.01, Number(form.testFraction) / 100)),
    listSize: form.expectedListSize === '' ? undefined : Number(form.expectedListSize),
  });
}

export interface CampaignPagesOptions {
  signedIn: RequestHandler;
  page: Page;
  maxImportBytes: number;
  onQueued: () => void;
}

/** The pages of campaigns: the new-campaign form, each campaign's report, and trends. */
export function addCampaignPages(router: Router, ctx: Context, options: CampaignPagesOptions) {
  const { signedIn, page } = options;
  const form = express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 300 });
  const checkForm = checkFormToken(ctx);
  const templates = listEmailTemplates();

  const renderForm = (res: Response, data: ReturnType<typeof readForm>, errors: string[] = []) =>
    page(
      res,
      'new-campaign',
      {
        title: 'New campaign',
        ...data,
        templates,
        errors,
        advice: adviceOf(data.form, data.variants.length),
        canAdd: data.variants.length < 8,
        canRemove: data.variants.length > 2,
      },
      errors.length > 0 ? 400 : 200,
    );

  router.get('/campaigns/new', signedIn, (_req, res) => {
    const data = readForm({});
    data.variants = [blankVariant(0), blankVariant(1)];
    renderForm(res, data);
  });

  router.post('/campaigns/new', signedIn, form, checkForm, (req, res) => {
    const body = req.body as Record<string, string | undefined>;
    const data = readForm(body);
    const action = body.action ?? 'create';
    if (action === 'add' && data.variants.length < 8) {
      data.variants.push(blankVariant(data.variants.length));
      renderForm(res, data);
      return;
    }
    if (action.startsWith('remove:') && data.variants.length > 2) {
      data.variants.splice(Number(action.slice(7)), 1);
      if (!data.variants.some((v) => v.control)) data.variants[0]!.control = true;
      renderForm(res, data);
      return;
    }
    if (action !== 'create') {
      renderForm(res, data);
      return;
    }

    const parsed = createCampaignInput.safeParse({
      name: data.form.name,
      goal: data.form.goal,
      testFraction: Number(data.form.testFraction) / 100,
      confidence: Number(data.form.confidence),
      minimumDetectableEffect: Number(data.form.minimumDetectableEffect) / 100,
      variants: data.variants.map((v) => ({
        key: v.key,
        name: v.name,
        subject: v.subject,
        preheader: v.preheader || undefined,
        template: v.template,
        weight: Number(v.weight),
        control: v.control,
      })),
      links: data.links.filter((l) => l.key || l.url),
    });
    if (!parsed.success) {
      renderForm(
        res,
        data,
        parsed.error.issues.map((i) => `${i.path.join(' ')}: ${i.message}`),
      );
      return;
    }
    try {
      const campaign = createCampaign(ctx, parsed.data);
      res.redirect(303, `${req.baseUrl}/campaigns/${campaign.id}`);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      renderForm(res, data, [error.message]);
    }
  });

  const showCampaign = (
    res: Response,
    id: number,
    extra: { imported?: ImportSummary; notice?: { kind: string; text: string } } = {},
    status = 200,
  ) => {
    const campaign = getCampaign(ctx, id);
    const report = campaignReport(ctx, id);
    const perVariant = report.verdict.minimumLeadsPerArm;
    const needed = Math.ceil((perVariant * campaign.variants.length) / campaign.testFraction);
    page(
      res,
      'campaign',
      {
        title: campaign.name,
        report: { ...report, campaign: { ...report.campaign, prospects: campaign.prospects } },
        variants: campaign.variants,
        isDraft: campaign.status === 'draft',
        canRollout:
          report.verdict.kind === 'winner' &&
          (campaign.status === 'testing' || campaign.status === 'decided') &&
          campaign.remainder > 0,
        verdictWord: VERDICT_WORDS[report.verdict.kind] ?? report.verdict.kind,
        hasMachine: report.variants.some(
          (v) => v.opened.raw !== v.opened.human || v.clicked.raw !== v.clicked.human,
        ),
        charts: {
          ratio: ratioChart(report),
          cumulative: cumulativeChart(report),
          funnel: funnelChart(report),
        },
        sizeWarning:
          campaign.status === 'draft' && campaign.prospects > 0 && campaign.prospects < needed
            ? `The list has ${campaign.prospects.toLocaleString('en')} prospects; ` +
              'detecting a lift of ' +
              `${(campaign.minimumDetectableEffect * 100).toFixed(1)} points needs about ` +
              `${needed.toLocaleString('en')} at this test fraction.`
            : undefined,
        ...extra,
      },
      status,
    );
  };

  router.get('/campaigns/:id', signedIn, (req, res) => {
    const params = idParam.safeParse(req.params);
    if (!params.success) {
      page(res, 'not-found', { title: 'Not found' }, 404);
      return;
    }
    showCampaign(res, params.data.id);
  });

  router.post('/campaigns/:id/prospects', signedIn, checkForm, async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    getCampaign(ctx, id);
    try {
      const upload = await withUploadedFile(req, options.maxImportBytes, (file) =>
        parseProspectCsv(file, options.maxImportBytes),
      );
      const imported = importProspects(ctx, id, upload);
      if (imported.enrolled?.test) options.onQueued();
      showCampaign(res, id, { imported });
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      showCampaign(res, id, { notice: { kind: 'bad', text: error.message } }, error.status);
    }
  });

  router.post('/campaigns/:id/launch', signedIn, form, checkForm, (req, res) => {
    const { id } = parseInput(idParam, req.params);
    try {
      launchCampaign(ctx, id);
      options.onQueued();
      res.redirect(303, `${req.baseUrl}/campaigns/${id}`);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      showCampaign(res, id, { notice: { kind: 'bad', text: error.message } }, error.status);
    }
  });

  router.post('/campaigns/:id/rollout', signedIn, form, checkForm, (req, res) => {
    const { id } = parseInput(idParam, req.params);
    try {
      rolloutCampaign(ctx, id);
      options.onQueued();
      res.redirect(303, `${req.baseUrl}/campaigns/${id}`);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      showCampaign(res, id, { notice: { kind: 'bad', text: error.message } }, error.status);
    }
  });

  router.get('/campaigns/:id/report.csv', signedIn, (req, res) => {
    const { id } = parseInput(idParam, req.params);
    res
      .type('text/csv')
      .attachment(`campaign-${id}-report.csv`)
      .send(reportCsv(campaignReport(ctx, id)));
  });

  router.get('/campaigns/:id/variants/:key/preview', signedIn, (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const preview = previewVariant(ctx, id, String(req.params.key));
    res
      .type('html')
      .set(
        'Content-Security-Policy',
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
      )
      .send(preview.html);
  });

  router.get('/sample-size', signedIn, (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    res.json(
      adviseSampleSize({
        baseline: Number(q.baseline) / 100,
        mde: Number(q.mde) / 100,
        confidence: [0.9, 0.95, 0.99].includes(Number(q.confidence)) ? Number(q.confidence) : 0.95,
        variants: Math.min(8, Math.max(2, Number(q.variants) || 2)),
        testFraction: Math.min(1, Math.max(0.01, Number(q.testFraction) / 100 || 0.2)),
        listSize: Number(q.listSize) > 0 ? Number(q.listSize) : undefined,
      }),
    );
  });

  router.get('/trends', signedIn, (_req, res) => {
    const data = trends(ctx);
    page(res, 'trends', {
      title: 'Trends',
      views:
        data.months.length > 0 && data.months[0]!.periods.length > 0
          ? [
              { title: 'By month', series: data.months },
              { title: 'By quarter', series: data.quarters },
            ]
          : [],
    });
  });
}
