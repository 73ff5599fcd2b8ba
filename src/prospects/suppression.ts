import { hash } from 'node:crypto';
import type { Context } from '../context';

/** Why a prospect is no longer emailed. */
export type SuppressionStatus = 'unsubscribed' | 'bounced' | 'complained';

/**
 * Stops all email to a prospect, in every campaign: marks the prospect and cancels every
 * message still waiting in the queue for them. Safe to call again; a stronger reason
 * (a spam complaint) is not overwritten by a weaker one later.
 */
export function suppressProspect(
  ctx: Context,
  prospectId: number,
  status: SuppressionStatus,
): { cancelled: number } {
  return ctx.sqlite
    .transaction(() => {
      ctx.sqlite
        .prepare(
          `UPDATE prospects SET status = ? WHERE id = ? AND status != 'complained'
           AND (status = 'active' OR ? = 'complained')`,
        )
        .run(status, prospectId, status);
      const cancelled = ctx.sqlite
        .prepare(
          `UPDATE messages SET status = 'cancelled', error = ?
          WHERE prospect_id = ? AND status = 'queued'`,
        )
        .run(`prospect ${status}`, prospectId).changes;
      ctx.logger.info({ prospectId, status, cancelled }, 'prospect suppressed');
      return { cancelled };
    })
    .immediate();
}

/** How an erased prospect's suppression names the address: SHA-256 of the lowercased email. */
export function addressHash(email: string): string {
  return hash('sha256', email, 'hex');
}

/** The suppression an erased prospect left for a (normalised) address, if any. */
export function suppressionLeftFor(ctx: Context): (email: string) => string | undefined {
  const any = ctx.sqlite.prepare('SELECT 1 FROM suppressed_addresses LIMIT 1').get();
  // Most installations never erase a suppressed prospect: their imports skip the hashing.
  if (!any) return () => undefined;
  const find = ctx.sqlite
    .prepare('SELECT status FROM suppressed_addresses WHERE email_hash = ?')
    .pluck();
  return (email) => find.get(addressHash(email)) as string | undefined;
}
