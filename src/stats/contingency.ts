import { StatsInputError } from './errors';
import { chiSquareSurvival } from './numerics/gamma';
import type { Arm, ChiSquareResult, SrmResult } from './types';
import { assertArms, assertCount, assertPositive } from './validate';

/**
 * Pearson's (1900) chi-square test of independence on the k×2 table of customers and non-customers
 * per arm, without Yates' correction: X² = Σ (O − E)² / E, df = k − 1, p = P(χ²_df ≥ X²)
 * (equals SciPy `chi2_contingency(correction=False)`). The statistic is computed as
 * Σᵢ dᵢ² / (nᵢ S F) with dᵢ = sᵢN − nᵢS in exact integer arithmetic, so counts up to 10^9
 * lose nothing to cancellation.
 *
 * Arms without trials carry no information and are left out (k counts the others). When
 * fewer than two arms remain, or nobody or everybody converted, every arm has the same rate:
 * the statistic is 0 and p = 1 (df is k − 1, or 0 for a single arm).
 */
export function chiSquareTest(arms: readonly Arm[]): ChiSquareResult {
  assertArms(arms, 'arms');

  const filled = arms.filter((arm) => arm.trials > 0);
  const df = Math.max(0, filled.length - 1);
  const trials = filled.reduce((sum, arm) => sum + arm.trials, 0);
  const successes = filled.reduce((sum, arm) => sum + arm.successes, 0);
  const failures = trials - successes;
  if (df === 0 || successes === 0 || failures === 0) return { statistic: 0, df, pValue: 1 };

  const bigTrials = BigInt(trials);
  const bigSuccesses = BigInt(successes);
  let statistic = 0;
  for (const arm of filled) {
    const d = Number(BigInt(arm.successes) * bigTrials - BigInt(arm.trials) * bigSuccesses);
    statistic += (d / arm.trials) * (d / successes / failures);
  }
  return { statistic, df, pValue: chiSquareSurvival(statistic, df) };
}

/**
 * Sample ratio mismatch test: chi-square goodness of fit of the observed assignment counts
 * to the shares the weights ask for, X² = Σ (oᵢ − eᵢ)² / eᵢ with eᵢ = N wᵢ / Σw, df = k − 1
 * (equals SciPy `chisquare(observed, f_exp)`). A tiny p-value means the split is broken
 * (A. Fabijan et al. 2019, "Diagnosing sample ratio mismatch in online controlled
 * experiments").
 *
 * With nobody assigned yet, or a single group, nothing can be out of proportion:
 * statistic 0, p = 1. Weights must be positive (a variant that should receive nobody does
 * not belong in the test).
 */
export function srmTest(observed: readonly number[], weights: readonly number[]): SrmResult {
  if (!Array.isArray(observed) || observed.length === 0) {
    throw new StatsInputError('observed must be a non-empty array of counts');
  }
  if (!Array.isArray(weights) || weights.length !== observed.length) {
    throw new StatsInputError('weights must have one entry per observed count');
  }
  observed.forEach((count, index) => assertCount(count, `observed[${index}]`));
  weights.forEach((weight, index) => assertPositive(weight, `weights[${index}]`));

  const total = observed.reduce((sum, count) => sum + count, 0);
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  if (total === 0 || observed.length === 1) return { statistic: 0, pValue: 1 };

  let statistic = 0;
  observed.forEach((count, index) => {
    const expected = (total * (weights[index] ?? 0)) / weightSum;
    statistic += ((count - expected) * (count - expected)) / expected;
  });
  return { statistic, pValue: chiSquareSurvival(statistic, observed.length - 1) };
}
