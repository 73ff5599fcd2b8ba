import { StatsInputError } from './errors';
import { studentTTwoSided } from './numerics/beta';
import type { SampleSummary, WelchResult } from './types';
import { assertCount, assertFinite } from './validate';

function assertSummary(summary: SampleSummary, name: string): void {
  if (typeof summary !== 'object' || summary === null) {
    throw new StatsInputError(`${name} must be an object with n, mean and variance`);
  }
  assertCount(summary.n, `${name}.n`);
  assertFinite(summary.mean, `${name}.mean`);
  assertFinite(summary.variance, `${name}.variance`);
  if (summary.variance < 0) {
    throw new StatsInputError(`${name}.variance must not be negative, got ${summary.variance}`);
  }
}

/**
 * Welch's unequal-variance t-test from summary statistics (B. L. Welch 1947):
 * t = (m_b − m_a) / √(v_a/n_a + v_b/n_b), df by Welch–Satterthwaite
 * (v_a/n_a + v_b/n_b)² / ((v_a/n_a)²/(n_a − 1) + (v_b/n_b)²/(n_b − 1)), p = P(|T_df| ≥ |t|)
 * (equals SciPy `ttest_ind_from_stats(equal_var=False)`). t > 0 when b's mean is higher.
 *
 * Defined where SciPy returns NaN: a group with fewer than two observations has no variance
 * estimate, and two groups with zero variance and equal means show no difference; both give
 * t = 0, p = 1 and df = 1 (SciPy's own stand-in when df is undefined). Zero variance in both
 * groups with different means is a certain difference: t = ±Infinity, p = 0, df = 1.
 */
export function welchTTest(a: SampleSummary, b: SampleSummary): WelchResult {
  assertSummary(a, 'a');
  assertSummary(b, 'b');

  if (a.n < 2 || b.n < 2) return { t: 0, df: 1, pValue: 1 };
  const shareA = a.variance / a.n;
  const shareB = b.variance / b.n;
  const spread = shareA + shareB;
  const difference = b.mean - a.mean;
  if (spread === 0) {
    if (difference === 0) return { t: 0, df: 1, pValue: 1 };
    return { t: difference > 0 ? Infinity : -Infinity, df: 1, pValue: 0 };
  }

  const t = difference / Math.sqrt(spread);
  const df = (spread * spread) / ((shareA * shareA) / (a.n - 1) + (shareB * shareB) / (b.n - 1));
  return { t, df, pValue: studentTTwoSided(t, df) };
}
