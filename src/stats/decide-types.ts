import type { BetaPrior, Interval, SrmResult } from './types';

/** One variant's counts as the report aggregates them. */
export interface VariantResult {
  key: string;
  name: string;
  /** Exactly one variant of a campaign is the control. */
  control: boolean;
  /** Share of test prospects the variant should receive (relative to the other weights). */
  weight: number;
  /** Test-phase prospects assigned to the variant. */
  enrolled: number;
  /** Enrolled prospects the variant's email was sent to. */
  leads: number;
  /** Leads who became customers. */
  customers: number;
  /** Leads whose conversion window has not closed yet (default 0). */
  leadsInOpenWindow?: number;
}

export type DecisionMethod = 'sequential' | 'bayesian';

export interface DecisionPolicy {
  /** Confidence level, typically 0.90, 0.95 or 0.99; alpha is 1 − confidence. */
  confidence: number;
  /** Smallest absolute change in rate worth detecting, e.g. 0.01 for one point. */
  minimumDetectableEffect: number;
  /** 'sequential' (default): always-valid p-values; 'bayesian': posterior figures. */
  method?: DecisionMethod;
  /** Leads each arm needs before a no-difference or Bayesian verdict. Default: the
   * sampleSizePerArm at the control's observed rate, the mde and alpha = 1 − confidence,
   * re-estimated at every look (low while the control has no customers yet, then settling
   * as its rate does). */
  minimumLeadsPerArm?: number;
  /** Power used for the default minimumLeadsPerArm, default 0.8. */
  power?: number;
  /** Bayesian: largest expected loss (absolute rate) accepted for a winner, default mde / 10. */
  expectedLossThreshold?: number;
  /** Bayesian: probability to be best a winner needs, default 0.95. */
  probabilityToBeBestThreshold?: number;
  /** Bayesian: prior on every rate, default Beta(1, 1). */
  prior?: BetaPrior;
}

/** A difference in rate between a variant and the arm it is compared with. */
export interface Uplift {
  /** p_variant − p_compared, in rate units (0.013 = 1.3 points). */
  absolute: number;
  /** absolute / p_compared; null when the compared rate is 0. */
  relative: number | null;
  /** Newcombe interval at the policy's confidence (fixed-horizon). */
  interval: Interval;
  /** Confidence sequence from the sequential test: valid however often it is looked at. */
  alwaysValidInterval: Interval;
  /** alwaysValidInterval divided by p_compared; null when that rate is 0. */
  relativeInterval: Interval | null;
}

/** Figures the report shows for one variant; the control has no uplift or p-values. */
export interface VariantFigures {
  key: string;
  name: string;
  control: boolean;
  leads: number;
  customers: number;
  /** customers / leads (0 when there are no leads). */
  rate: number;
  /** Wilson interval of the rate at the policy's confidence. */
  rateInterval: Interval;
  /** Against the control; null for the control itself. */
  uplift: Uplift | null;
  /** Always-valid p-value against the control at this look; null for the control. */
  pValue: number | null;
  /** pValue after Holm's adjustment over all variants; null for the control. */
  adjustedPValue: number | null;
  probabilityToBeBest: number;
  expectedLoss: number;
  /** More leads this arm needs to reach minimumLeadsPerArm (0 when reached). */
  leadsNeeded: number;
}

export interface WinnerSummary {
  key: string;
  name: string;
  /** True when the control beat every variant. */
  control: boolean;
  rate: number;
  /** The arm the winner was compared with: the control, or for a winning control the
   * variant with the highest rate. */
  comparedWith: { key: string; name: string; rate: number };
  uplift: Uplift;
  /** Holm-adjusted always-valid p-value of that comparison. */
  adjustedPValue: number;
  probabilityToBeBest: number;
  expectedLoss: number;
}

export type VerdictKind = 'invalid' | 'collecting' | 'winner' | 'no-difference' | 'inconclusive';

interface DecisionBase {
  method: DecisionMethod;
  /** One plain sentence for the marketer. */
  sentence: string;
  /** One entry per input variant, in input order. */
  variants: VariantFigures[];
  /** Sample ratio mismatch test of enrolled counts against the weights. */
  sampleRatio: SrmResult;
  minimumLeadsPerArm: number;
}

export type Decision =
  | (DecisionBase & { kind: 'invalid'; reason: 'sample-ratio-mismatch' })
  | (DecisionBase & {
      kind: 'collecting';
      reason: 'too-few-leads' | 'conversion-window-open';
      /** Share of leads whose conversion window is still open. */
      openWindowShare: number;
    })
  | (DecisionBase & { kind: 'winner'; winner: WinnerSummary })
  | (DecisionBase & { kind: 'no-difference' })
  | (DecisionBase & { kind: 'inconclusive' });
