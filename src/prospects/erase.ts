import type { Context } from '../context';
import { AppError } from '../errors';
import { rebuildFunnelCounts } from '../reports/funnel-rebuild';
import { normaliseEmail } from './records';
import { addressHash } from './suppression';

/** The tables a prospect leaves rows in, in the order they are emptied (children first). */
export const ERASED_TABLES = [
  'webhook_events',
  'events',
  'conversions',
  'conversion_receipts',
  'messages',
  'enrollments',
  'campaign_prospects',
  'prospects',
] as const;

export type ErasedTable = (typeof ERASED_TABLES)[number];

export interface Erasure {
  email: string;
  /**
   * The prospect's status before the erasure, null when there was no prospect row. Anything
   * but active was a suppression (an unsubscribe, a bounce), kept as a hash of the address.
   */
  status: string | null;
  /** Whether the suppression was kept, so that a later import of the address emails nobody. */
  suppressionKept: boolean;
  removed: Record<ErasedTable, number>;
  /** Campaigns whose funnel counts were rebuilt without the prospect. */
  campaigns: number[];
  /** The prospect's emails, for a mailer that keeps copies of what it sent (the outbox). */
  messages: { id: string; campaignId: number }[];
}

// Each delete names its rows explicitly, rather than leaving them to ON DELETE CASCADE, so that
// what was removed can be counted table by table.
const DELETES: Record<ErasedTable, string> = {
  // SendGrid's events carry the address in their payload, also when leadsplit knew no message.
  webhook_events: `DELETE FROM webhook_events
    WHERE message_id IN (SELECT id FROM messages WHERE prospect_id = @prospectId)
       OR (CASE WHEN json_valid(payload) THEN lower(trim(json_extract(payload, '$.email')))
           END) = @email`,
  events: `DELETE FROM events
    WHERE message_id IN (SELECT id FROM messages WHERE prospect_id = @prospectId)`,
  conversions: `DELETE FROM conversions WHERE prospect_id = @prospectId`,
  conversion_receipts: `DELETE FROM conversion_receipts WHERE prospect_id = @prospectId`,
  messages: `DELETE FROM messages WHERE prospect_id = @prospectId`,
  enrollments: `DELETE FROM enrollments WHERE prospect_id = @prospectId`,
  campaign_prospects: `DELETE FROM campaign_prospects WHERE prospect_id = @prospectId`,
  prospects: `DELETE FROM prospects WHERE id = @prospectId`,
};

/**
 * Removes every row about one prospect, for a privacy request: the prospect, its place on
 * campaign lists, enrollments, emails, their events and webhook deliveries, conversions and
 * conversion receipts. The funnel counts of the campaigns it was in are then rebuilt, since
 * their triggers do not follow deletes. A suppressed prospect leaves a hash of its address
 * behind, so the suppression outlives the row. All in one transaction. Throws a 404 AppError when
 * nothing is known about the email.
 */
export function eraseProspect(ctx: Context, rawEmail: string): Erasure {
  const { sqlite } = ctx;
  const email = normaliseEmail(rawEmail);

  const erasure = sqlite
    .transaction((): Erasure => {
      const prospect = sqlite
        .prepare('SELECT id, status FROM prospects WHERE email = ?')
        .get(email) as { id: number; status: string } | undefined;
      // -1 matches no row: an unknown address may still be in webhook payloads.
      const prospectId = prospect?.id ?? -1;
      const campaigns = sqlite
        .prepare(
          `SELECT campaign_id FROM campaign_prospects WHERE prospect_id = @prospectId
           UNION SELECT campaign_id FROM enrollments WHERE prospect_id = @prospectId
           UNION SELECT campaign_id FROM messages WHERE prospect_id = @prospectId
           UNION SELECT campaign_id FROM conversions WHERE prospect_id = @prospectId
           ORDER BY 1`,
        )
        .pluck()
        .all({ prospectId }) as number[];
      const messages = sqlite
        .prepare(
          'SELECT id, campaign_id AS campaignId FROM messages WHERE prospect_id = ? ORDER BY id',
        )
        .all(prospectId) as Erasure['messages'];

      const removed = {} as Record<ErasedTable, number>;
      for (const table of ERASED_TABLES) {
        removed[table] = sqlite.prepare(DELETES[table]).run({ prospectId, email }).changes;
      }
      if (!prospect && removed.webhook_events === 0) {
        throw new AppError(
          404,
          'not_found',
          `No prospect has the email ${email}; nothing was erased.`,
        );
      }

      // The one thing kept: that this address must not be emailed, without the address.
      const suppressionKept = prospect !== undefined && prospect.status !== 'active';
      if (suppressionKept) {
        sqlite
          .prepare(
            `INSERT INTO suppressed_addresses (email_hash, status, created_at) VALUES (?, ?, ?)
             ON CONFLICT (email_hash) DO UPDATE SET status = excluded.status`,
          )
          .run(addressHash(email), prospect.status, ctx.clock().getTime());
      }

      for (const campaignId of campaigns) rebuildFunnelCounts(ctx, campaignId);
      return {
        email,
        status: prospect?.status ?? null,
        suppressionKept,
        removed,
        campaigns,
        messages,
      };
    })
    .immediate();

  // The address itself stays out of the log: the point is to forget it.
  ctx.logger.info({ campaignIds: erasure.campaigns, removed: erasure.removed }, 'prospect erased');
  return erasure;
}
