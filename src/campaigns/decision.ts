import type { Context } from '../context';
import { campaignReport } from '../reports/report';
import { moveCampaign } from './lifecycle';
import { rolloutCampaign } from './rollout';
import { requireCampaign } from './store';

export type NoWinnerRule = 'control' | 'best' | 'hold';

export interface CampaignDecision {
  /** winner: the test found one; control, best or hold: the no-winner rule chose. */
  rule: 'winner' | NoWinnerRule;
  /** The variant for the remainder; null when the rule holds for the marketer. */
  variant: string | null;
  reason: string;
  decidedAt: string;
}

export type DecisionStep =
  { done: true; decision?: CampaignDecision } | { done: false; nextAt: number };

const HOUR = 3_600_000;

/**
 * Looks at a testing campaign and decides it when the evidence is final (a winner, or no
 * difference on enough leads) or its test window has ended; otherwise answers when to look
 * again. With autoRollout the decided variant goes to the remainder at once.
 */
export function decideWhenDue(
  ctx: Context,
  campaignId: number,
  checkEveryMs: number,
): DecisionStep {
  const campaign = requireCampaign(ctx, campaignId);
  if (campaign.status !== 'testing') return { done: true };
  const now = ctx.clock().getTime();
  const deadline = (campaign.launchedAt ?? now) + campaign.testDurationHours * HOUR;
  const { verdict } = campaignReport(ctx, campaignId);

  let decision: Omit<CampaignDecision, 'decidedAt'> | undefined;
  if (verdict.kind === 'winner') {
    decision = { rule: 'winner', variant: verdict.winner.key, reason: verdict.sentence };
  } else if (verdict.kind === 'no-difference' || now >= deadline) {
    const rule = campaign.noWinnerRule as NoWinnerRule;
    const why =
      verdict.kind === 'no-difference'
        ? 'The test showed no difference worth the name'
        : `The test window of ${campaign.testDurationHours} hours ended without a winner`;
    const control = verdict.variants.find((v) => v.control) ?? verdict.variants[0]!;
    const best = [...verdict.variants].sort(
      (a, b) => b.probabilityToBeBest - a.probabilityToBeBest,
    )[0]!;
    decision =
      rule === 'control'
        ? { rule, variant: control.key, reason: `${why}, so the rule sends the control.` }
        : rule === 'best'
          ? {
              rule,
              variant: best.key,
              reason:
                `${why}, so the rule sends the variant most likely best ` +
                `(${(best.probabilityToBeBest * 100).toFixed(0)} % chance to be best).`,
            }
          : { rule, variant: null, reason: `${why}; the rule holds the rollout for you.` };
  }
  if (!decision) return { done: false, nextAt: Math.min(now + checkEveryMs, deadline) };

  const decided: CampaignDecision = { ...decision, decidedAt: new Date(now).toISOString() };
  ctx.sqlite
    .transaction(() => {
      moveCampaign(ctx, campaignId, 'decided', { from: ['testing'] });
      ctx.sqlite
        .prepare('UPDATE campaigns SET decision = ? WHERE id = ?')
        .run(JSON.stringify(decided), campaignId);
    })
    .immediate();
  ctx.logger.info({ campaignId, ...decided }, 'campaign decided');
  ctx.notify({
    event: 'verdict',
    campaignId,
    campaignName: campaign.name,
    message: `${campaign.name}: ${verdict.sentence} ${decided.reason}`,
    detail: { decision: decided, verdict: verdict.kind },
  });

  if (campaign.autoRollout && decided.variant) rolloutCampaign(ctx, campaignId, decided.variant);
  return { done: true, decision: decided };
}
