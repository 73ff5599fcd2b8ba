// A campaign's funnel per variant: what the report page shows and the statistics read.
import { listVariants, requireCampaign } from '../campaigns/store';
import type { Context } from '../context';
import type { Sqlite } from '../db';
import type { MessagePhase, Reach } from './funnel-queries';

export type { Reach } from './funnel-queries';

/**
 * Which emails the results count: the test (the randomized experiment, and the default), the
 * remainder of the list that a rollout reaches, or both.
 */
export type ResultsPhase = 'test' | 'remainder' | 'all';

export interface VariantResultsOptions {
  /** Default 'test': only the test phase is a fair comparison between variants. */
  phase?: ResultsPhase;
}

/** The customers won on one day, by the day their conversion happened. */
export interface DailyConversions {
  /** The UTC calendar day, YYYY-MM-DD. */
  day: string;
  /** Leads who became customers on that day. */
  customers: number;
  /** Sum of those customers' conversion values (a conversion without a value adds 0). */
  value: number;
}

/** The funnel figures, for one variant or summed over the campaign. */
export interface FunnelFigures {
  /** Prospects enrolled in the counted phase(s) and assigned to the variant. */
  enrolled: number;
  /**
   * Emails sent (messages with status 'sent'): the randomized unit, and the denominator of
   * the lead-to-customer ratio. Queued, failed or cancelled messages are not leads.
   */
  leads: number;
  /** Messages the provider reported delivered (at least one 'delivered' event). */
  delivered: number;
  /**
   * Messages the provider reported bounced and never delivered: a bounce followed by a delivery
   * (a block lifted, a retry that went through) counts as delivered only.
   */
  bounced: number;
  /** Messages opened: raw counts privacy proxies and scanners too, human only people. */
  opened: Reach;
  /** Messages with a tracked link clicked: raw, and by a person (human). */
  clicked: Reach;
  /**
   * Leads with a conversion for the campaign's goal: the numerator of the lead-to-customer
   * ratio. A conversion counts for the variant whose email the prospect was sent.
   */
  customers: number;
  /** Sum of the customers' conversion values (a conversion without a value adds 0). */
  conversionValue: number;
  /**
   * Sum of the squared conversion values: with conversionValue and leads it gives the
   * variance of value per lead (non-customers at 0), which Welch's t-test needs.
   */
  conversionValueSquares: number;
  /** Days with at least one conversion, ascending. */
  conversionsByDay: DailyConversions[];
}

/** One variant's identity and funnel. */
export interface VariantFunnel extends FunnelFigures {
  variantId: number;
  key: string;
  name: string;
  /** Whether this variant is the one the others are compared with. */
  control: boolean;
  /** Share of the test the variant should receive, relative to the other weights. */
  weight: number;
}

export interface VariantResults {
  campaignId: number;
  /** The conversion goal that makes a lead a customer. */
  goal: string;
  phase: ResultsPhase;
  /** Every variant of the campaign, in position order, including those with no leads. */
  variants: VariantFunnel[];
  /** The figures summed over all variants, conversion days merged. */
  totals: FunnelFigures;
}

const PHASES: Record<ResultsPhase, MessagePhase[]> = {
  test: ['test'],
  remainder: ['remainder'],
  all: ['test', 'remainder'],
};

interface CountRow {
  variantId: number;
  metric: string;
  value: number;
}

interface DayRow {
  variantId: number;
  day: string;
  customers: number;
  value: number;
}

/** The funnel counts, as the database's triggers keep them, for the phases asked for. */
function readCounts(
  sqlite: Sqlite,
  campaignId: number,
  phases: MessagePhase[],
): Map<number, Map<string, number>> {
  const rows = sqlite
    .prepare(
      `SELECT variant_id AS variantId, metric, total(value) AS value FROM funnel_counts
        WHERE campaign_id = ? AND phase IN (SELECT value FROM json_each(?))
        GROUP BY variant_id, metric`,
    )
    .all(campaignId, JSON.stringify(phases)) as CountRow[];
  const byVariant = new Map<number, Map<string, number>>();
  for (const row of rows) {
    let metrics = byVariant.get(row.variantId);
    if (!metrics) byVariant.set(row.variantId, (metrics = new Map()));
    metrics.set(row.metric, row.value);
  }
  return byVariant;
}

/** Customers and value per variant and UTC day: conversions carry the phase of their email. */
function readDays(
  sqlite: Sqlite,
  campaignId: number,
  goal: string,
  phases: MessagePhase[],
): DayRow[] {
  return sqlite
    .prepare(
      `SELECT variant_id AS variantId, date(occurred_at / 1000, 'unixepoch') AS day,
              count(*) AS customers, total(value) AS value
         FROM conversions
        WHERE campaign_id = ? AND phase IN (SELECT value FROM json_each(?)) AND goal = ?
        GROUP BY variant_id, day
        ORDER BY variant_id, day`,
    )
    .all(campaignId, JSON.stringify(phases), goal) as DayRow[];
}

function figuresOf(metrics: Map<string, number> | undefined, days: DayRow[]): FunnelFigures {
  const get = (metric: string) => metrics?.get(metric) ?? 0;
  const reach = (type: string): Reach => ({ raw: get(`${type}_raw`), human: get(`${type}_human`) });
  return {
    enrolled: get('enrolled'),
    leads: get('leads'),
    delivered: get('delivered_raw'),
    bounced: get('bounced_raw'),
    opened: reach('opened'),
    clicked: reach('clicked'),
    customers: get('customers'),
    conversionValue: get('value'),
    conversionValueSquares: get('value_squares'),
    conversionsByDay: days.map((d) => ({ day: d.day, customers: d.customers, value: d.value })),
  };
}

function sumFigures(variants: FunnelFigures[]): FunnelFigures {
  const sum = (pick: (f: FunnelFigures) => number) => variants.reduce((s, f) => s + pick(f), 0);
  const days = new Map<string, DailyConversions>();
  for (const entry of variants.flatMap((v) => v.conversionsByDay)) {
    const day = days.get(entry.day) ?? { day: entry.day, customers: 0, value: 0 };
    day.customers += entry.customers;
    day.value += entry.value;
    days.set(entry.day, day);
  }

  return {
    enrolled: sum((f) => f.enrolled),
    leads: sum((f) => f.leads),
    delivered: sum((f) => f.delivered),
    bounced: sum((f) => f.bounced),
    opened: { raw: sum((f) => f.opened.raw), human: sum((f) => f.opened.human) },
    clicked: { raw: sum((f) => f.clicked.raw), human: sum((f) => f.clicked.human) },
    customers: sum((f) => f.customers),
    conversionValue: sum((f) => f.conversionValue),
    conversionValueSquares: sum((f) => f.conversionValueSquares),
    conversionsByDay: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
  };
}

/**
 * The funnel of each variant of a campaign: enrolled, leads, delivered, bounced, opened,
 * clicked, customers and their value, counting only rows of this campaign and, unless asked
 * otherwise, only test-phase emails. Events count distinct messages, so a lead who clicks
 * twice is one click. Throws a 404 AppError for an unknown campaign.
 *
 * Every figure comes from one read transaction, so they agree with each other even while
 * tracking hits and the send queue keep writing.
 */
export function variantResults(
  ctx: Context,
  campaignId: number,
  options: VariantResultsOptions = {},
): VariantResults {
  const phase = options.phase ?? 'test';
  const { sqlite } = ctx;

  return sqlite.transaction((): VariantResults => {
    const campaign = requireCampaign(ctx, campaignId);
    const counts = readCounts(sqlite, campaignId, PHASES[phase]);
    const days = readDays(sqlite, campaignId, campaign.goal, PHASES[phase]);

    const variants = listVariants(ctx, campaignId).map((v): VariantFunnel => ({
      variantId: v.id,
      key: v.key,
      name: v.name,
      control: v.isControl,
      weight: v.weight,
      ...figuresOf(
        counts.get(v.id),
        days.filter((d) => d.variantId === v.id),
      ),
    }));
    return { campaignId, goal: campaign.goal, phase, variants, totals: sumFigures(variants) };
  })();
}
