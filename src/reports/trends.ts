import type { Context } from '../context';
import { wilsonInterval, type Interval } from '../stats';

export interface TrendPeriod {
  period: string;
  leads: number;
  customers: number;
  ratio: number | null;
  interval: Interval;
  /** The previous period's ratio, and whether this one fell below that period's range. */
  previousRatio: number | null;
  fell: boolean;
}

export interface TrendSeries {
  /** 'All channels', or one channel (a prospect's source). */
  label: string;
  periods: TrendPeriod[];
}

export interface Trends {
  months: TrendSeries[];
  quarters: TrendSeries[];
}

interface Row {
  month: string;
  channel: string;
  leads: number;
  customers: number;
}

type Counts = Map<string, { leads: number; customers: number }>;

const quarterOf = (month: string) =>
  `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5, 7)) / 3)}`;

function series(
  label: string,
  counts: Map<string, { leads: number; customers: number }>,
): TrendSeries {
  const periods: TrendPeriod[] = [];
  for (const period of [...counts.keys()].sort()) {
    const { leads, customers } = counts.get(period)!;
    const previous = periods.at(-1);
    const interval = wilsonInterval(customers, leads, 0.95);
    const ratio = leads > 0 ? customers / leads : null;
    periods.push({
      period,
      leads,
      customers,
      ratio,
      interval,
      previousRatio: previous?.ratio ?? null,
      // A fall worth marking: this period's whole range lies below the previous ratio.
      fell: previous?.ratio != null && ratio !== null && interval.upper < previous.ratio,
    });
  }
  return { label, periods };
}

function add(target: Counts, period: string, row: Row): void {
  const cell = target.get(period) ?? { leads: 0, customers: 0 };
  cell.leads += row.leads;
  cell.customers += row.customers;
  target.set(period, cell);
}

function group(rows: Row[], periodOf: (month: string) => string): TrendSeries[] {
  const all: Counts = new Map();
  const byChannel = new Map<string, Counts>();
  for (const row of rows) {
    const period = periodOf(row.month);
    add(all, period, row);
    let channel = byChannel.get(row.channel);
    if (!channel) byChannel.set(row.channel, (channel = new Map()));
    add(channel, period, row);
  }
  return [
    series('All channels', all),
    ...[...byChannel.keys()].sort().map((channel) => series(channel, byChannel.get(channel)!)),
  ];
}

/**
 * The lead-to-customer ratio across all campaigns, by the month (and quarter) the leads were
 * emailed, overall and per channel: each period's leads and how many of them became customers
 * of their campaign's goal.
 */
export function trends(ctx: Context): Trends {
  const rows = ctx.sqlite
    .prepare(
      `SELECT strftime('%Y-%m', m.sent_at / 1000, 'unixepoch') AS month,
              coalesce(p.source, '(none)') AS channel,
              count(*) AS leads, count(c.id) AS customers
         FROM messages m
         JOIN campaigns k ON k.id = m.campaign_id
         JOIN prospects p ON p.id = m.prospect_id
         LEFT JOIN conversions c ON c.campaign_id = m.campaign_id
              AND c.prospect_id = m.prospect_id AND c.goal = k.goal
        WHERE m.status = 'sent'
        GROUP BY month, channel`,
    )
    .all() as Row[];
  return { months: group(rows, (m) => m), quarters: group(rows, quarterOf) };
}
