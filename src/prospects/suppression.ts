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
