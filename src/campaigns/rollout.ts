import type { Context } from '../context';
import { conflict } from '../errors';
import { campaignReport } from '../reports/report';
import { newMessageIds } from './launch';
import { moveCampaign } from './lifecycle';
import { getCampaign, listVariants, requireCampaign, type CampaignView } from './store';

export interface RolloutResult {
  campaign: CampaignView;
  /** The key of the variant the remainder receives. */
  variant: string;
  /** Emails queued for the remainder. */
  queued: number;
}

/**
 * Sends one variant to the remainder of the list: the variant named, or the verdict's winner.
 * The remainder's enrollments take the variant and one message each is queued; a prospect who
 * unsubscribed or bounced meanwhile is left out. A campaign still testing is decided first.
 */
export function rolloutCampaign(
  ctx: Context,
  campaignId: number,
  variantKey?: string,
): RolloutResult {
  const result = ctx.sqlite
    .transaction(() => {
      const campaign = requireCampaign(ctx, campaignId);
      if (campaign.status !== 'testing' && campaign.status !== 'decided') {
        throw conflict(
          'illegal_transition',
          `Campaign ${campaignId} is ${campaign.status}; ` +
            'only a campaign testing or decided can roll out.',
          { status: campaign.status },
        );
      }
      const verdict = variantKey ? undefined : campaignReport(ctx, campaignId).verdict;
      const key = variantKey ?? (verdict?.kind === 'winner' ? verdict.winner.key : undefined);
      if (!key) {
        throw conflict(
          'no_winner',
          'No variant has won yet. Wait for the verdict, or name the variant to send: ' +
            '{"variant": "b"}.',
        );
      }
      const variant = listVariants(ctx, campaignId).find((v) => v.key === key);
      if (!variant)
        throw conflict('unknown_variant', `Campaign ${campaignId} has no variant "${key}".`);

      if (campaign.status === 'testing') moveCampaign(ctx, campaignId, 'decided');
      moveCampaign(ctx, campaignId, 'rolling_out');
      const now = ctx.clock().getTime();
      ctx.sqlite
        .prepare('UPDATE campaigns SET rollout_variant_id = ? WHERE id = ?')
        .run(variant.id, campaignId);
      const remainder = ctx.sqlite
        .prepare(
          `SELECT e.prospect_id FROM enrollments e JOIN prospects p ON p.id = e.prospect_id
            WHERE e.campaign_id = ? AND e.phase = 'remainder' AND p.status = 'active'`,
        )
        .pluck()
        .all(campaignId) as number[];
      // The variant is set on the enrollments before any message is queued: the funnel counts
      // rely on that order.
      ctx.sqlite
        .prepare(
          `UPDATE enrollments SET variant_id = ? WHERE campaign_id = ? AND phase = 'remainder'`,
        )
        .run(variant.id, campaignId);
      const insert = ctx.sqlite.prepare(
        `INSERT INTO messages (id, campaign_id, variant_id, prospect_id, phase, status, queued_at)
         VALUES (?, ?, ?, ?, 'remainder', 'queued', ?) ON CONFLICT DO NOTHING`,
      );
      const ids = newMessageIds(remainder.length);
      let queued = 0;
      remainder.forEach((prospectId, i) => {
        queued += insert.run(ids[i], campaignId, variant.id, prospectId, now).changes;
      });
      if (queued === 0) moveCampaign(ctx, campaignId, 'completed');
      return { variant: key, queued };
    })
    .immediate();

  ctx.logger.info({ campaignId, ...result }, 'rollout queued');
  return { campaign: getCampaign(ctx, campaignId), ...result };
}

/** Completes a rolling-out campaign once none of its emails is waiting or on its way. */
export function completeRolloutIfSent(ctx: Context, campaignId: number): boolean {
  return ctx.sqlite
    .transaction(() => {
      const campaign = requireCampaign(ctx, campaignId);
      if (campaign.status !== 'rolling_out') return false;
      const waiting = ctx.sqlite
        .prepare(
          `SELECT EXISTS (SELECT 1 FROM messages
          WHERE campaign_id = ? AND phase = 'remainder' AND status IN ('queued', 'sending'))`,
        )
        .pluck()
        .get(campaignId);
      if (waiting) return false;
      moveCampaign(ctx, campaignId, 'completed');
      const sent = ctx.sqlite
        .prepare(
          `SELECT count(*) FROM messages
          WHERE campaign_id = ? AND phase = 'remainder' AND status = 'sent'`,
        )
        .pluck()
        .get(campaignId) as number;
      ctx.notify({
        event: 'rollout_completed',
        campaignId,
        campaignName: campaign.name,
        message:
          `${campaign.name}: the rollout is complete; ` +
          `${sent.toLocaleString('en')} emails went to the rest of the list.`,
        detail: { sent },
      });
      return true;
    })
    .immediate();
}
