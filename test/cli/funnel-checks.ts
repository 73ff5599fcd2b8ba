import type { Sqlite } from '../../src/db';
import type { FunnelFigures } from '../../src/reports/variant-results';

/** The funnel counts of a campaign, without the rows the triggers left at zero. */
export function funnelRows(sqlite: Sqlite, campaignId: number) {
  const all = (sql: string) => sqlite.prepare(sql).all(campaignId);
  return {
    funnel: all(`SELECT variant_id, phase, metric, value FROM funnel_counts
                  WHERE campaign_id = ? AND value != 0 ORDER BY 1, 2, 3`),
    daily: all(`SELECT variant_id, phase, day, leads FROM daily_leads
                 WHERE campaign_id = ? AND leads != 0 ORDER BY 1, 2, 3`),
    channels: all(`SELECT variant_id, phase, channel, leads, customers FROM channel_counts
                    WHERE campaign_id = ? AND (leads != 0 OR customers != 0) ORDER BY 1, 2, 3`),
  };
}

/**
 * What the figures become without one lead who was delivered, opened, and bought for `value`
 * on `day`.
 */
export function withoutLead(figures: FunnelFigures, value: number, day: string): FunnelFigures {
  return {
    ...figures,
    enrolled: figures.enrolled - 1,
    leads: figures.leads - 1,
    delivered: figures.delivered - 1,
    opened: { raw: figures.opened.raw - 1, human: figures.opened.human - 1 },
    customers: figures.customers - 1,
    conversionValue: figures.conversionValue - value,
    conversionValueSquares: figures.conversionValueSquares - value * value,
    conversionsByDay: figures.conversionsByDay
      .map((d) => (d.day === day ? { day, customers: d.customers - 1, value: d.value - value } : d))
      .filter((d) => d.customers > 0),
  };
}
