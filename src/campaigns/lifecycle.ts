import type { Context } from '../context';
import { conflict } from '../errors';
import { requireCampaign, type CampaignStatus } from './store';

/**
 * Every move a campaign can make. A campaign is launched into testing, decided, rolled out to
 * the rest of its list and completed; it can be paused (its queue stops) and resumed, and
 * cancelled at any point before it is completed.
 */
const MOVES: Record<CampaignStatus, CampaignStatus[]> = {
  draft: ['testing', 'cancelled'],
  testing: ['decided', 'paused', 'cancelled'],
  decided: ['rolling_out', 'completed', 'paused', 'cancelled'],
  rolling_out: ['completed', 'paused', 'cancelled'],
  paused: ['testing', 'decided', 'rolling_out', 'cancelled'],
  completed: [],
  cancelled: [],
};

export function canMove(from: CampaignStatus, to: CampaignStatus): boolean {
  return MOVES[from].includes(to);
}

/**
 * Moves a campaign to `to`, inside the caller's transaction when there is one. An illegal move
 * answers 409 with the current state. `expect` guards against a race: the move only happens
 * from that state.
 */
export function moveCampaign(
  ctx: Context,
  campaignId: number,
  to: CampaignStatus,
  options: { from?: CampaignStatus[] } = {},
): CampaignStatus {
  const campaign = requireCampaign(ctx, campaignId);
  if (!canMove(campaign.status, to) || (options.from && !options.from.includes(campaign.status))) {
    throw conflict(
      'illegal_transition',
      `Campaign ${campaignId} is ${campaign.status}; it cannot become ${to}.`,
      { status: campaign.status, to },
    );
  }
  const now = ctx.clock().getTime();
  ctx.sqlite
    .prepare(`UPDATE campaigns SET status = ?, paused_from = ?, updated_at = ? WHERE id = ?`)
    .run(to, to === 'paused' ? campaign.status : null, now, campaignId);
  ctx.logger.info({ campaignId, from: campaign.status, to }, 'campaign moved');
  return campaign.status;
}

/** Pauses a running campaign: its queued emails wait until it is resumed. */
export function pauseCampaign(ctx: Context, campaignId: number): void {
  ctx.sqlite.transaction(() => moveCampaign(ctx, campaignId, 'paused')).immediate();
}

/** Resumes a paused campaign where it was. */
export function resumeCampaign(ctx: Context, campaignId: number): void {
  ctx.sqlite
    .transaction(() => {
      const row = ctx.sqlite
        .prepare('SELECT status, paused_from AS pausedFrom FROM campaigns WHERE id = ?')
        .get(campaignId) as
        { status: CampaignStatus; pausedFrom: CampaignStatus | null } | undefined;
      if (row?.status !== 'paused' || !row.pausedFrom) {
        requireCampaign(ctx, campaignId);
        throw conflict('illegal_transition', `Campaign ${campaignId} is not paused.`, {
          status: row?.status,
        });
      }
      moveCampaign(ctx, campaignId, row.pausedFrom);
    })
    .immediate();
}

/** Cancels a campaign: nothing more is sent; what was measured stays readable. */
export function cancelCampaign(ctx: Context, campaignId: number): void {
  ctx.sqlite
    .transaction(() => {
      moveCampaign(ctx, campaignId, 'cancelled');
      ctx.sqlite
        .prepare(
          `UPDATE messages SET status = 'cancelled', error = 'campaign cancelled'
          WHERE campaign_id = ? AND status = 'queued'`,
        )
        .run(campaignId);
    })
    .immediate();
}
