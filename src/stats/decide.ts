import { srmTest } from './contingency';
import type {
  Decision,
  DecisionMethod,
  DecisionPolicy,
  Uplift,
  VariantFigures,
  VariantResult,
  WinnerSummary,
} from './decide-types';
import { StatsInputError } from './errors';
import { holmAdjust } from './holm';
import { comparePosteriors } from './posterior';
import { newcombeDiffInterval, wilsonInterval } from './proportions';
import { sampleSizePerArm } from './sample-size';
import { sequentialTest } from './sequential';
import type { Arm, BetaPrior } from './types';
import { assertCount, assertOpenUnit, assertPositive, assertPrior } from './validate';
import {
  inconclusiveSentence,
  invalidSentence,
  noDifferenceSentence,
  openWindowSentence,
  tooFewLeadsSentence,
  winnerSentence,
} from './verdict-text';

/** An SRM p-value below this means the assignment is broken, not unlucky. */
const SRM_THRESHOLD = 0.001;
/** The verdict waits while more than this share of leads may still convert. */
const OPEN_WINDOW_LIMIT = 0.5;

interface Settings {
  method: DecisionMethod;
  confidence: number;
  alpha: number;
  mde: number;
  power: number;
  lossThreshold: number;
  bestThreshold: number;
  prior: BetaPrior;
  minimumLeadsPerArm: number | undefined;
}

function resolvePolicy(policy: DecisionPolicy): Settings {
  if (typeof policy !== 'object' || policy === null) {
    throw new StatsInputError('policy must be an object');
  }
  assertOpenUnit(policy.confidence, 'policy.confidence');
  assertPositive(policy.minimumDetectableEffect, 'policy.minimumDetectableEffect');
  if (policy.minimumDetectableEffect > 0.5) {
    throw new StatsInputError('policy.minimumDetectableEffect is absolute and at most 0.5');
  }
  const method = policy.method ?? 'sequential';
  if (method !== 'sequential' && method !== 'bayesian') {
    throw new StatsInputError(`policy.method must be 'sequential' or 'bayesian'`);
  }
  if (policy.minimumLeadsPerArm !== undefined) {
    assertCount(policy.minimumLeadsPerArm, 'policy.minimumLeadsPerArm');
  }
  const settings: Settings = {
    method,
    confidence: policy.confidence,
    alpha: 1 - policy.confidence,
    mde: policy.minimumDetectableEffect,
    power: policy.power ?? 0.8,
    lossThreshold: policy.expectedLossThreshold ?? policy.minimumDetectableEffect / 10,
    bestThreshold: policy.probabilityToBeBestThreshold ?? 0.95,
    prior: policy.prior ?? { alpha: 1, beta: 1 },
    minimumLeadsPerArm: policy.minimumLeadsPerArm,
  };
  assertOpenUnit(settings.power, 'policy.power');
  assertPositive(settings.lossThreshold, 'policy.expectedLossThreshold');
  assertOpenUnit(settings.bestThreshold, 'policy.probabilityToBeBestThreshold');
  assertPrior(settings.prior);
  return settings;
}

/** Checks every variant and returns the control's index. */
function validateResults(results: readonly VariantResult[]): number {
  if (!Array.isArray(results) || results.length < 2) {
    throw new StatsInputError('results must list at least two variants');
  }
  const keys = new Set<string>();
  results.forEach((r, index) => {
    const name = `results[${index}]`;
    if (typeof r !== 'object' || r === null) throw new StatsInputError(`${name} must be an object`);
    if (typeof r.key !== 'string' || r.key === '' || keys.has(r.key)) {
      throw new StatsInputError(`${name}.key must be a unique non-empty string`);
    }
    keys.add(r.key);
    if (typeof r.name !== 'string') throw new StatsInputError(`${name}.name must be a string`);
    assertPositive(r.weight, `${name}.weight`);
    assertCount(r.enrolled, `${name}.enrolled`);
    assertCount(r.leads, `${name}.leads`);
    assertCount(r.customers, `${name}.customers`);
    assertCount(r.leadsInOpenWindow ?? 0, `${name}.leadsInOpenWindow`);
    if (r.leads > r.enrolled) throw new StatsInputError(`${name}.leads exceeds enrolled`);
    if (r.customers > r.leads) throw new StatsInputError(`${name}.customers exceeds leads`);
    if ((r.leadsInOpenWindow ?? 0) > r.leads) {
      throw new StatsInputError(`${name}.leadsInOpenWindow exceeds leads`);
    }
  });
  const controls = results.filter((r) => r.control === true).length;
  if (controls !== 1) throw new StatsInputError(`exactly one variant must be the control`);
  return results.findIndex((r) => r.control);
}

function rateOf(arm: Arm): number {
  return arm.trials === 0 ? 0 : arm.successes / arm.trials;
}

/** How `arm` compares with `base`: the uplift figures and the always-valid p-value. */
function measure(base: Arm, arm: Arm, settings: Settings): { uplift: Uplift; pValue: number } {
  const baseRate = rateOf(base);
  const absolute = rateOf(arm) - baseRate;
  const sequential = sequentialTest(base, arm, { alpha: settings.alpha, mde: settings.mde });
  // TODO: the relative interval divides the absolute one by the observed control rate and so
  // ignores the control's own uncertainty; a ratio interval (Fieller, or log-ratio by the
  // delta method) would be exact but has no always-valid version in this module yet.
  const relativeInterval =
    baseRate > 0
      ? { lower: sequential.interval.lower / baseRate, upper: sequential.interval.upper / baseRate }
      : null;
  return {
    uplift: {
      absolute,
      relative: baseRate > 0 ? absolute / baseRate : null,
      interval: newcombeDiffInterval(base, arm, settings.confidence),
      alwaysValidInterval: sequential.interval,
      relativeInterval,
    },
    pValue: sequential.pValue,
  };
}

/** The default minimum: leads per arm to detect the mde at the control's observed rate. */
function defaultMinimumLeads(control: Arm, settings: Settings): number {
  const baseline = rateOf(control);
  // Detect a rise where there is room for one, otherwise a fall (the mde is at most 0.5).
  const mde = baseline + settings.mde <= 1 ? settings.mde : -settings.mde;
  return sampleSizePerArm({ baseline, mde, alpha: settings.alpha, power: settings.power });
}

function strongestChallenger(variants: readonly VariantFigures[]): number {
  let best = -1;
  variants.forEach((v, index) => {
    if (!v.control && (best < 0 || v.rate > (variants[best]?.rate ?? 0))) best = index;
  });
  return best;
}

function summarise(
  winnerIndex: number,
  comparedIndex: number,
  variants: readonly VariantFigures[],
  arms: readonly Arm[],
  settings: Settings,
): WinnerSummary {
  const winner = variants[winnerIndex];
  const compared = variants[comparedIndex];
  const winnerArm = arms[winnerIndex];
  const comparedArm = arms[comparedIndex];
  if (!winner || !compared || !winnerArm || !comparedArm) throw new Error('unknown variant');
  const challenger = winner.control ? compared : winner;
  return {
    key: winner.key,
    name: winner.name,
    control: winner.control,
    rate: winner.rate,
    comparedWith: { key: compared.key, name: compared.name, rate: compared.rate },
    uplift: measure(comparedArm, winnerArm, settings).uplift,
    // The comparison is symmetric, so the challenger's adjusted p-value is this pair's.
    adjustedPValue: challenger.adjustedPValue ?? 1,
    probabilityToBeBest: winner.probabilityToBeBest,
    expectedLoss: winner.expectedLoss,
  };
}

/** Winner by Holm-adjusted always-valid p-values: [winner index, compared index] or null. */
function sequentialWinner(
  variants: readonly VariantFigures[],
  controlIndex: number,
  alpha: number,
): [number, number] | null {
  const challengers = variants.map((v, index) => ({ v, index })).filter(({ v }) => !v.control);
  const significant = ({ v }: { v: VariantFigures }): boolean => (v.adjustedPValue ?? 1) < alpha;

  const better = challengers.filter((c) => significant(c) && (c.v.uplift?.absolute ?? 0) > 0);
  if (better.length > 0) {
    const top = better.reduce((best, c) => (c.v.rate > best.v.rate ? c : best));
    return [top.index, controlIndex];
  }
  const allWorse = challengers.every((c) => significant(c) && (c.v.uplift?.absolute ?? 0) < 0);
  if (allWorse) return [controlIndex, strongestChallenger(variants)];
  return null;
}

/** Winner by posterior: the arm most likely best, if likely and cheap enough. */
function bayesianWinner(
  variants: readonly VariantFigures[],
  controlIndex: number,
  settings: Settings,
): [number, number] | null {
  let top = 0;
  variants.forEach((v, index) => {
    if (v.probabilityToBeBest > (variants[top]?.probabilityToBeBest ?? 0)) top = index;
  });
  const leader = variants[top];
  if (!leader) return null;
  if (leader.probabilityToBeBest < settings.bestThreshold) return null;
  if (leader.expectedLoss >= settings.lossThreshold) return null;
  return [top, top === controlIndex ? strongestChallenger(variants) : controlIndex];
}

/**
 * The campaign's verdict from its per-variant counts, checked in this order:
 *
 * 1. `invalid` when the enrolled counts fail the sample ratio mismatch test against the
 *    weights (srmTest p < 0.001): assignment is broken and no comparison can be trusted.
 * 2. `collecting` (reason 'conversion-window-open') while more than half of all leads are
 *    still inside their conversion window: early rates undercount customers.
 * 3. `winner` when a variant beats the control with a Holm-adjusted always-valid p-value
 *    below 1 − confidence (sequentialTest at τ² = mde², Holm over all variants); among
 *    several, the highest rate wins. If instead every variant is significantly worse than
 *    the control, the control is the winner, compared with the strongest variant. Because
 *    the sequential p-value stays valid under continuous monitoring, a winner may be
 *    declared before minimumLeadsPerArm is reached. With method 'bayesian' the winner is
 *    the arm whose probabilityToBeBest reaches the threshold (default 0.95) with an
 *    expectedLoss below policy.expectedLossThreshold (default mde / 10) — and only once
 *    every arm has minimumLeadsPerArm leads, since posterior thresholds have no
 *    guarantee against peeking.
 * 4. `collecting` (reason 'too-few-leads') while any arm has fewer leads than
 *    minimumLeadsPerArm (default: sampleSizePerArm at the control's observed rate, the mde,
 *    alpha = 1 − confidence and power 0.8); each variant's leadsNeeded says how many more.
 * 5. `no-difference` when every variant's always-valid uplift interval lies within ± mde
 *    (bayesian: every arm's expected loss is below the threshold, so any choice is safe).
 * 6. `inconclusive` otherwise: enough leads, but neither a winner nor a proven tie; more
 *    leads will settle it, and with the sequential method looking again is safe.
 *
 * The function is memoryless: it judges today's counts. A caller tracking the campaign may
 * keep the first winner it reports (always-valid p-values allow stopping there).
 */
export function decide(results: readonly VariantResult[], policy: DecisionPolicy): Decision {
  const settings = resolvePolicy(policy);
  const controlIndex = validateResults(results);

  const arms = results.map((r) => ({ trials: r.leads, successes: r.customers }));
  const controlArm = arms[controlIndex] ?? { trials: 0, successes: 0 };
  const enrolled = results.map((r) => r.enrolled);
  const weights = results.map((r) => r.weight);
  const sampleRatio = srmTest(enrolled, weights);
  const posterior = comparePosteriors(arms, settings.prior);
  const minimumLeadsPerArm =
    settings.minimumLeadsPerArm ?? defaultMinimumLeads(controlArm, settings);

  const measured = arms.map((arm, index) =>
    index === controlIndex ? null : measure(controlArm, arm, settings),
  );
  const challengerIndices = arms.map((_, index) => index).filter((i) => i !== controlIndex);
  const adjusted = holmAdjust(challengerIndices.map((i) => measured[i]?.pValue ?? 1));
  const variants: VariantFigures[] = results.map((r, index) => {
    const arm = arms[index] ?? { trials: 0, successes: 0 };
    const rank = challengerIndices.indexOf(index);
    return {
      key: r.key,
      name: r.name,
      control: r.control,
      leads: r.leads,
      customers: r.customers,
      rate: rateOf(arm),
      rateInterval: wilsonInterval(r.customers, r.leads, settings.confidence),
      uplift: measured[index]?.uplift ?? null,
      pValue: measured[index]?.pValue ?? null,
      adjustedPValue: rank < 0 ? null : (adjusted[rank] ?? 1),
      probabilityToBeBest: posterior.probabilityToBeBest[index] ?? 0,
      expectedLoss: posterior.expectedLoss[index] ?? 0,
      leadsNeeded: Math.max(0, minimumLeadsPerArm - r.leads),
    };
  });
  const base = { method: settings.method, variants, sampleRatio, minimumLeadsPerArm };

  if (sampleRatio.pValue < SRM_THRESHOLD) {
    const sentence = invalidSentence(variants, enrolled, weights);
    return { ...base, kind: 'invalid', reason: 'sample-ratio-mismatch', sentence };
  }

  const leads = results.reduce((sum, r) => sum + r.leads, 0);
  const open = results.reduce((sum, r) => sum + (r.leadsInOpenWindow ?? 0), 0);
  const openWindowShare = leads === 0 ? 0 : open / leads;
  if (openWindowShare > OPEN_WINDOW_LIMIT) {
    const sentence = openWindowSentence(openWindowShare);
    return {
      ...base,
      kind: 'collecting',
      reason: 'conversion-window-open',
      openWindowShare,
      sentence,
    };
  }

  const enough = variants.every((v) => v.leadsNeeded === 0);
  const pair =
    settings.method === 'sequential'
      ? sequentialWinner(variants, controlIndex, settings.alpha)
      : enough
        ? bayesianWinner(variants, controlIndex, settings)
        : null;
  if (pair) {
    const winner = summarise(pair[0], pair[1], variants, arms, settings);
    return { ...base, kind: 'winner', winner, sentence: winnerSentence(winner, settings.method) };
  }

  if (!enough) {
    const sentence = tooFewLeadsSentence(variants, minimumLeadsPerArm, settings.mde);
    return { ...base, kind: 'collecting', reason: 'too-few-leads', openWindowShare, sentence };
  }

  const alike =
    settings.method === 'sequential'
      ? variants.every((v) => {
          const interval = v.uplift?.alwaysValidInterval;
          return !interval || (interval.lower >= -settings.mde && interval.upper <= settings.mde);
        })
      : variants.every((v) => v.expectedLoss < settings.lossThreshold);
  if (alike) {
    const sentence = noDifferenceSentence(
      variants,
      settings.method,
      settings.mde,
      settings.lossThreshold,
    );
    return { ...base, kind: 'no-difference', sentence };
  }

  return {
    ...base,
    kind: 'inconclusive',
    sentence: inconclusiveSentence(variants, settings.method),
  };
}
