import { randomBytes } from 'node:crypto';
import type { Context } from '../context';
import { conflict } from '../errors';
import { bucketFor, placementRule } from './assignment';
import { moveCampaign } from './lifecycle';
import { scheduleDecision } from './scheduler';
import { getCampaign, listVariants, requireCampaign, type CampaignView } from './store';

export interface EnrollmentResult {
  test: number;
  remainder: number;
  /** Held out: never emailed, so the campaign's own effect can be measured. */
  holdout: number;
}

/** A message id: 128 random bits, base64url, the key of every tracking link of one email. */
export function newMessageIds(count: number): string[] {
  const bytes = randomBytes(16 * count);
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    ids[i] = bytes.subarray(16 * i, 16 * (i + 1)).toString('base64url');
  }
  return ids;
}

/**
 * Enrolls every prospect on the campaign's list that is not enrolled yet and is still
 * allowed to receive email, and queues one message per test-phase lead. Safe to call again:
 * enrolled prospects are skipped, and the bucket rule gives a prospect the same place every
 * time. Runs inside the caller's transaction when there is one.
 */
export function enrollPending(ctx: Context, campaignId: number): EnrollmentResult {
  const campaign = requireCampaign(ctx, campaignId);
  const place = placementRule(
    campaign.testFraction,
    listVariants(ctx, campaignId),
    campaign.holdoutFraction,
  );
  const now = ctx.clock().getTime();

  const pending = ctx.sqlite
    .prepare(
      `SELECT cp.prospect_id FROM campaign_prospects cp
         JOIN prospects p ON p.id = cp.prospect_id AND p.status = 'active'
         LEFT JOIN enrollments e
           ON e.campaign_id = cp.campaign_id AND e.prospect_id = cp.prospect_id
        WHERE cp.campaign_id = ? AND e.prospect_id IS NULL`,
    )
    .pluck()
    .all(campaignId) as number[];

  const insertEnrollment = ctx.sqlite.prepare(
    `INSERT INTO enrollments (campaign_id, prospect_id, bucket, phase, variant_id, enrolled_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insertMessage = ctx.sqlite.prepare(
    `INSERT INTO messages (id, campaign_id, variant_id, prospect_id, phase, status, queued_at)
     VALUES (?, ?, ?, ?, 'test', 'queued', ?)`,
  );

  const result: EnrollmentResult = { test: 0, remainder: 0, holdout: 0 };
  const ids = newMessageIds(pending.length);
  ctx.sqlite
    .transaction(() => {
      pending.forEach((prospectId, i) => {
        const bucket = bucketFor(campaign.salt, prospectId);
        const placement = place(bucket);
        if (placement.phase === 'test') {
          insertEnrollment.run(campaignId, prospectId, bucket, 'test', placement.variantId, now);
          insertMessage.run(ids[i], campaignId, placement.variantId, prospectId, now);
          result.test++;
        } else {
          insertEnrollment.run(campaignId, prospectId, bucket, placement.phase, null, now);
          result[placement.phase]++;
        }
      });
    })
    .immediate();

  if (pending.length > 0) ctx.logger.info({ campaignId, ...result }, 'prospects enrolled');
  return result;
}

export interface LaunchResult {
  campaign: CampaignView;
  /** What this call enrolled: zero for both on a campaign that was already launched. */
  enrolled: EnrollmentResult;
}

/**
 * Moves a draft campaign to testing and enrolls its list. Launching a campaign that is
 * already running changes nothing and answers its current state.
 */
export function launchCampaign(ctx: Context, campaignId: number): LaunchResult {
  const enrolled = ctx.sqlite
    .transaction((): EnrollmentResult => {
      const campaign = requireCampaign(ctx, campaignId);
      if (campaign.status === 'cancelled' || campaign.status === 'completed') {
        throw conflict(
          'campaign_closed',
          `Campaign ${campaignId} is ${campaign.status} and cannot be launched.`,
          { status: campaign.status },
        );
      }
      if (campaign.status !== 'draft') return { test: 0, remainder: 0, holdout: 0 };

      const result = enrollPending(ctx, campaignId);
      if (result.test === 0) {
        throw conflict(
          'no_leads',
          'No prospect on this campaign would receive a test email: import prospects first' +
            ' (or raise the test fraction).',
        );
      }
      moveCampaign(ctx, campaignId, 'testing', { from: ['draft'] });
      ctx.sqlite
        .prepare('UPDATE campaigns SET launched_at = ? WHERE id = ?')
        .run(ctx.clock().getTime(), campaignId);
      scheduleDecision(ctx, campaignId);
      return result;
    })
    .immediate();

  ctx.logger.info({ campaignId, ...enrolled }, 'campaign launched');
  return { campaign: getCampaign(ctx, campaignId), enrolled };
}
