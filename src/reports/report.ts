import { getCampaign, type CampaignView } from '../campaigns/store';
import type { Context } from '../context';
import {
  decide,
  newcombeDiffInterval,
  welchTTest,
  wilsonInterval,
  type Decision,
  type DecisionMethod,
  type Interval,
  type VariantFigures,
} from '../stats';
import { variantResults, type VariantFunnel } from './variant-results';

/** Below this many leads in a channel and variant, its ratios are shown with a caution. */
export const SMALL_SEGMENT_LEADS = 100;

export interface ReportVariant extends Omit<VariantFunnel, 'conversionValueSquares'> {
  /** Lead-to-customer ratio, its interval, uplift and tests, as the verdict computed them. */
  figures: VariantFigures;
  /** Value per lead (non-customers count as 0), when conversions carry values. */
  revenuePerLead: number | null;
  /** Welch's t-test of value per lead against the control. */
  revenueTest: { t: number; pValue: number } | null;
  /** Customers per human clicker: secondary, not randomized (clickers choose themselves). */
  clickToCustomer: number | null;
}

/** A channel is the prospect's source as it was when the email was sent. */
export interface ChannelRow {
  source: string;
  variants: {
    key: string;
    leads: number;
    customers: number;
    rate: number | null;
    interval: Interval;
  }[];
  /** Some variant has fewer than SMALL_SEGMENT_LEADS leads here: read with care. */
  small: boolean;
}

export interface CumulativePoint {
  day: string;
  /** Per variant key: leads sent and customers won up to the end of the day, and their ratio. */
  variants: Record<string, { leads: number; customers: number; ratio: number | null }>;
}

/** What the campaign adds: emailed leads against prospects held out of every email. */
export interface HoldoutEffect {
  emailed: { leads: number; customers: number; rate: number | null };
  heldOut: { prospects: number; customers: number; rate: number | null };
  /** Emailed rate minus held-out rate, with its Newcombe interval. */
  lift: number | null;
  interval: Interval;
}

export interface CampaignReport {
  generatedAt: string;
  campaign: Pick<
    CampaignView,
    | 'id'
    | 'name'
    | 'goal'
    | 'status'
    | 'testFraction'
    | 'confidence'
    | 'minimumDetectableEffect'
    | 'attributionWindowDays'
    | 'launchedAt'
    | 'remainder'
    | 'messages'
    | 'decision'
  >;
  verdict: Decision;
  variants: ReportVariant[];
  totals: { enrolled: number; leads: number; customers: number; conversionValue: number };
  sampleRatio: { statistic: number; pValue: number; mismatch: boolean };
  cumulative: CumulativePoint[];
  channels: ChannelRow[];
  hasValues: boolean;
  /** Null for a campaign without a holdout. */
  holdout: HoldoutEffect | null;
}

/**
 * Leads whose conversion window is still open, per variant: those sent on or after the day
 * the window reaches back to. Counted by day from daily_leads, so the edge is a whole day.
 */
function leadsInOpenWindow(
  ctx: Context,
  campaignId: number,
  windowDays: number,
): Map<number, number> {
  const cutoff = new Date(ctx.clock().getTime() - windowDays * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const rows = ctx.sqlite
    .prepare(
      `SELECT variant_id AS variantId, sum(leads) AS n FROM daily_leads
        WHERE campaign_id = ? AND phase = 'test' AND day >= ?
        GROUP BY variant_id`,
    )
    .all(campaignId, cutoff) as { variantId: number; n: number }[];
  return new Map(rows.map((r) => [r.variantId, r.n]));
}

function cumulativeSeries(
  ctx: Context,
  campaignId: number,
  variants: VariantFunnel[],
): CumulativePoint[] {
  const sent = ctx.sqlite
    .prepare(
      `SELECT variant_id AS variantId, day, leads AS n FROM daily_leads
        WHERE campaign_id = ? AND phase = 'test' AND leads > 0`,
    )
    .all(campaignId) as { variantId: number; day: string; n: number }[];
  const days = new Set(sent.map((r) => r.day));
  for (const v of variants) for (const d of v.conversionsByDay) days.add(d.day);

  const running = new Map(variants.map((v) => [v.variantId, { leads: 0, customers: 0 }]));
  const keyOf = new Map(variants.map((v) => [v.variantId, v.key]));
  return [...days].sort().map((day) => {
    for (const r of sent.filter((s) => s.day === day)) {
      const sum = running.get(r.variantId);
      if (sum) sum.leads += r.n;
    }
    for (const v of variants) {
      const won = v.conversionsByDay.find((d) => d.day === day)?.customers ?? 0;
      running.get(v.variantId)!.customers += won;
    }
    const point: CumulativePoint = { day, variants: {} };
    for (const [variantId, sum] of running) {
      point.variants[keyOf.get(variantId)!] = {
        ...sum,
        ratio: sum.leads > 0 ? Math.min(1, sum.customers / sum.leads) : null,
      };
    }
    return point;
  });
}

function channelBreakdown(
  ctx: Context,
  campaignId: number,
  variants: VariantFunnel[],
  confidence: number,
): ChannelRow[] {
  const rows = ctx.sqlite
    .prepare(
      `SELECT channel, variant_id AS variantId, leads, customers FROM channel_counts
        WHERE campaign_id = ? AND phase = 'test' AND leads > 0`,
    )
    .all(campaignId) as { channel: string; variantId: number; leads: number; customers: number }[];

  const sources = [...new Set(rows.map((r) => r.channel))].sort();
  return sources.map((source) => {
    const cells = variants.map((v) => {
      const row = rows.find((r) => r.channel === source && r.variantId === v.variantId);
      const leads = row?.leads ?? 0;
      const customers = row?.customers ?? 0;
      return {
        key: v.key,
        leads,
        customers,
        rate: leads > 0 ? customers / leads : null,
        interval: wilsonInterval(customers, leads, confidence),
      };
    });
    return { source, variants: cells, small: cells.some((c) => c.leads < SMALL_SEGMENT_LEADS) };
  });
}

function holdoutEffect(ctx: Context, campaignId: number, confidence: number): HoldoutEffect | null {
  const rows = ctx.sqlite
    .prepare(
      `SELECT phase, metric, total(value) AS value FROM funnel_counts
        WHERE campaign_id = ? AND metric IN ('leads', 'customers', 'enrolled')
        GROUP BY phase, metric`,
    )
    .all(campaignId) as { phase: string; metric: string; value: number }[];
  const sum = (phases: string[], metric: string) =>
    rows
      .filter((r) => phases.includes(r.phase) && r.metric === metric)
      .reduce((s, r) => s + r.value, 0);
  const prospects = sum(['holdout'], 'enrolled');
  if (prospects === 0) return null;
  const heldOut = { trials: prospects, successes: sum(['holdout'], 'customers') };
  const emailed = {
    trials: sum(['test', 'remainder'], 'leads'),
    successes: sum(['test', 'remainder'], 'customers'),
  };
  const rate = (arm: { trials: number; successes: number }) =>
    arm.trials > 0 ? arm.successes / arm.trials : null;
  const emailedRate = rate(emailed);
  const heldOutRate = rate(heldOut);
  return {
    emailed: { leads: emailed.trials, customers: emailed.successes, rate: emailedRate },
    heldOut: { prospects, customers: heldOut.successes, rate: heldOutRate },
    lift: emailedRate === null || heldOutRate === null ? null : emailedRate - heldOutRate,
    interval: newcombeDiffInterval(heldOut, emailed, confidence),
  };
}

/** Value per lead as {n, mean, variance}, non-customers counting as 0. */
function valuePerLead(v: VariantFunnel) {
  const n = v.leads;
  const mean = n > 0 ? v.conversionValue / n : 0;
  const variance = n > 1 ? Math.max(0, (v.conversionValueSquares - n * mean * mean) / (n - 1)) : 0;
  return { n, mean, variance };
}

/**
 * Everything the report shows, in one piece, so the page, the CSV and the API never disagree:
 * the funnel per variant, the verdict with every figure it rests on, the split check, the
 * cumulative ratio per day, and the breakdown by channel.
 */
export function campaignReport(
  ctx: Context,
  campaignId: number,
  options: { method?: DecisionMethod } = {},
): CampaignReport {
  return ctx.sqlite.transaction((): CampaignReport => {
    const campaign = getCampaign(ctx, campaignId);
    const results = variantResults(ctx, campaignId);
    const open = leadsInOpenWindow(ctx, campaignId, campaign.attributionWindowDays);

    const verdict = decide(
      results.variants.map((v) => ({
        key: v.key,
        name: v.name,
        control: v.control,
        weight: v.weight,
        enrolled: v.enrolled,
        leads: v.leads,
        customers: v.customers,
        leadsInOpenWindow: open.get(v.variantId) ?? 0,
      })),
      {
        confidence: campaign.confidence,
        minimumDetectableEffect: campaign.minimumDetectableEffect,
        method: options.method,
      },
    );

    const hasValues = results.variants.some((v) => v.conversionValue > 0);
    const control = results.variants.find((v) => v.control) ?? results.variants[0]!;
    const variants = results.variants.map((v, i): ReportVariant => {
      const { conversionValueSquares: _squares, ...funnel } = v;
      const revenueTest =
        hasValues && !v.control && v.leads > 1 && control.leads > 1
          ? welchTTest(valuePerLead(control), valuePerLead(v))
          : null;
      return {
        ...funnel,
        figures: verdict.variants[i]!,
        revenuePerLead: hasValues && v.leads > 0 ? v.conversionValue / v.leads : null,
        revenueTest: revenueTest && { t: revenueTest.t, pValue: revenueTest.pValue },
        clickToCustomer: v.clicked.human > 0 ? Math.min(1, v.customers / v.clicked.human) : null,
      };
    });

    return {
      generatedAt: ctx.clock().toISOString(),
      campaign: {
        id: campaign.id,
        name: campaign.name,
        goal: campaign.goal,
        status: campaign.status,
        testFraction: campaign.testFraction,
        confidence: campaign.confidence,
        minimumDetectableEffect: campaign.minimumDetectableEffect,
        attributionWindowDays: campaign.attributionWindowDays,
        launchedAt: campaign.launchedAt,
        remainder: campaign.remainder,
        messages: campaign.messages,
        decision: campaign.decision,
      },
      verdict,
      variants,
      totals: {
        enrolled: results.totals.enrolled,
        leads: results.totals.leads,
        customers: results.totals.customers,
        conversionValue: results.totals.conversionValue,
      },
      sampleRatio: { ...verdict.sampleRatio, mismatch: verdict.sampleRatio.pValue < 0.001 },
      cumulative: cumulativeSeries(ctx, campaignId, results.variants),
      channels: channelBreakdown(ctx, campaignId, results.variants, campaign.confidence),
      hasValues,
      holdout: holdoutEffect(ctx, campaignId, campaign.confidence),
    };
  })();
}
