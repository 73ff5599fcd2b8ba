/** One variant's counts: trials are leads, successes are the leads who became customers. */
export interface Arm {
  trials: number;
  successes: number;
}

/** A closed interval [lower, upper]. */
export interface Interval {
  lower: number;
  upper: number;
}

/** A Beta(alpha, beta) prior on a conversion rate; Beta(1, 1) is uniform. */
export interface BetaPrior {
  alpha: number;
  beta: number;
}

export interface ZTestResult {
  z: number;
  pValue: number;
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
}

export interface FisherResult {
  pValue: number;
}

export interface SrmResult {
  statistic: number;
  pValue: number;
}

/** Summary statistics of one group for Welch's t-test (variance is the sample variance). */
export interface SampleSummary {
  n: number;
  mean: number;
  variance: number;
}

export interface WelchResult {
  t: number;
  df: number;
  pValue: number;
}

export interface SampleSizeInput {
  /** Conversion rate of the control, in [0, 1]. */
  baseline: number;
  /** Absolute change in rate to detect; baseline + mde must stay in [0, 1]. */
  mde: number;
  /** Two-sided significance level, default 0.05. */
  alpha?: number;
  /** Probability of detecting the change when it is real, default 0.8. */
  power?: number;
}

export interface SequentialOptions {
  /** Significance level of the always-valid test, default 0.05. */
  alpha?: number;
  /** Variance of the normal mixing distribution over the effect; overrides mde. */
  tau2?: number;
  /** Absolute effect the campaign wants to detect; sets tau2 = mde². Default 0.01. */
  mde?: number;
}

export interface SequentialResult {
  /** Always-valid p-value at this look (not the running minimum over looks). */
  pValue: number;
  /** pValue < alpha. */
  significant: boolean;
  /** Confidence sequence for p_treatment − p_control at level 1 − alpha. */
  interval: Interval;
}
