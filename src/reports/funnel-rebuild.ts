import type { Context } from '../context';

// The aggregations of the backfill at the end of migrations/0005_funnel_triggers.sql, each
// restricted to one campaign, plus the holdout's customers that the conversion trigger of
// migrations/0010_holdout.sql counts, and bounces as migrations/0011 counts them (only of
// messages never delivered). The triggers keep the same figures row by row: a new figure in a
// trigger needs its aggregation here too.

/** A bounce of a message delivered later does not count: the message was delivered. */
const NOT_BOUNCED_IF_DELIVERED = `NOT (e.type = 'bounced' AND EXISTS (
   SELECT 1 FROM events d WHERE d.message_id = e.message_id AND d.type = 'delivered'))`;

const FUNNEL_COUNTS = `
INSERT INTO funnel_counts (campaign_id, variant_id, phase, metric, value)
SELECT campaign_id, coalesce(variant_id, 0), phase, 'enrolled', count(*) FROM enrollments
 WHERE campaign_id = @campaignId
 GROUP BY campaign_id, coalesce(variant_id, 0), phase
UNION ALL
SELECT campaign_id, 0, 'list', 'prospects', count(*) FROM campaign_prospects
 WHERE campaign_id = @campaignId
 GROUP BY campaign_id
UNION ALL
SELECT campaign_id, variant_id, phase, 'status:' || status, count(*) FROM messages
 WHERE campaign_id = @campaignId
 GROUP BY campaign_id, variant_id, phase, status
UNION ALL
SELECT campaign_id, variant_id, phase, 'leads', count(*) FROM messages
 WHERE campaign_id = @campaignId AND status = 'sent'
 GROUP BY campaign_id, variant_id, phase
UNION ALL
SELECT e.campaign_id, e.variant_id, m.phase, e.type || '_raw', count(DISTINCT e.message_id)
  FROM events e JOIN messages m ON m.id = e.message_id
 WHERE e.campaign_id = @campaignId AND e.type IN ('delivered', 'bounced', 'opened', 'clicked')
   AND ${NOT_BOUNCED_IF_DELIVERED}
 GROUP BY e.campaign_id, e.variant_id, m.phase, e.type
UNION ALL
SELECT e.campaign_id, e.variant_id, m.phase, e.type || '_human', count(DISTINCT e.message_id)
  FROM events e JOIN messages m ON m.id = e.message_id
 WHERE e.campaign_id = @campaignId AND e.type IN ('delivered', 'bounced', 'opened', 'clicked')
   AND e.machine = 0 AND ${NOT_BOUNCED_IF_DELIVERED}
 GROUP BY e.campaign_id, e.variant_id, m.phase, e.type
UNION ALL
SELECT c.campaign_id, c.variant_id, c.phase, 'customers', count(*)
  FROM conversions c JOIN campaigns k ON k.id = c.campaign_id AND k.goal = c.goal
 WHERE c.campaign_id = @campaignId AND c.variant_id IS NOT NULL AND c.phase IS NOT NULL
 GROUP BY c.campaign_id, c.variant_id, c.phase
UNION ALL
SELECT c.campaign_id, c.variant_id, c.phase, 'value', sum(coalesce(c.value, 0))
  FROM conversions c JOIN campaigns k ON k.id = c.campaign_id AND k.goal = c.goal
 WHERE c.campaign_id = @campaignId AND c.variant_id IS NOT NULL AND c.phase IS NOT NULL
 GROUP BY c.campaign_id, c.variant_id, c.phase
UNION ALL
SELECT c.campaign_id, c.variant_id, c.phase, 'value_squares',
       sum(coalesce(c.value, 0) * coalesce(c.value, 0))
  FROM conversions c JOIN campaigns k ON k.id = c.campaign_id AND k.goal = c.goal
 WHERE c.campaign_id = @campaignId AND c.variant_id IS NOT NULL AND c.phase IS NOT NULL
 GROUP BY c.campaign_id, c.variant_id, c.phase
UNION ALL
SELECT c.campaign_id, 0, 'holdout', 'customers', count(*)
  FROM conversions c
  JOIN campaigns k ON k.id = c.campaign_id AND k.goal = c.goal
  JOIN enrollments e ON e.campaign_id = c.campaign_id AND e.prospect_id = c.prospect_id
       AND e.phase = 'holdout'
 WHERE c.campaign_id = @campaignId
 GROUP BY c.campaign_id`;

const DAILY_LEADS = `
INSERT INTO daily_leads (campaign_id, variant_id, phase, day, leads)
SELECT campaign_id, variant_id, phase,
       strftime('%Y-%m-%d', coalesce(sent_at, 0) / 1000, 'unixepoch'), count(*)
  FROM messages WHERE campaign_id = @campaignId AND status = 'sent'
 GROUP BY 1, 2, 3, 4`;

const CHANNEL_COUNTS = `
INSERT INTO channel_counts (campaign_id, variant_id, phase, channel, leads, customers)
SELECT m.campaign_id, m.variant_id, m.phase, coalesce(p.source, '(none)'), count(*), count(c.id)
  FROM messages m
  JOIN prospects p ON p.id = m.prospect_id
  JOIN campaigns k ON k.id = m.campaign_id
  LEFT JOIN conversions c ON c.campaign_id = m.campaign_id AND c.prospect_id = m.prospect_id
       AND c.goal = k.goal AND c.phase IS NOT NULL
 WHERE m.campaign_id = @campaignId AND m.status = 'sent'
 GROUP BY 1, 2, 3, 4`;

/** Rows written per table. */
export interface FunnelRebuild {
  funnelCounts: number;
  dailyLeads: number;
  channelCounts: number;
}

/**
 * Counts a campaign's funnel afresh from its rows: what the triggers would have kept had every
 * row been written as it is now. Needed after rows are deleted (a prospect erased), which the
 * triggers do not follow. One transaction, nested in the caller's when there is one; the
 * conversions keep the phase they were credited when they came in.
 */
export function rebuildFunnelCounts(ctx: Context, campaignId: number): FunnelRebuild {
  const { sqlite } = ctx;
  return sqlite
    .transaction((): FunnelRebuild => {
      for (const table of ['funnel_counts', 'daily_leads', 'channel_counts']) {
        sqlite.prepare(`DELETE FROM ${table} WHERE campaign_id = ?`).run(campaignId);
      }

      return {
        funnelCounts: sqlite.prepare(FUNNEL_COUNTS).run({ campaignId }).changes,
        dailyLeads: sqlite.prepare(DAILY_LEADS).run({ campaignId }).changes,
        channelCounts: sqlite.prepare(CHANNEL_COUNTS).run({ campaignId }).changes,
      };
    })
    .immediate();
}
