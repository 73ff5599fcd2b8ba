import { StatsInputError } from './errors';
import { normalCdf, normalQuantile } from './numerics/normal';
import { brentRoot } from './numerics/zeroin';
import type { SampleSizeInput } from './types';
import { assertClosedUnit, assertFinite, assertOpenUnit } from './validate';

// uniroot()'s defaults in R's power.prop.test: search [1, 1e7], tolerance eps^(1/4).
const SEARCH_LOWER = 1;
const SEARCH_UPPER = 1e7;
const TOLERANCE = 2 ** -13;
const MAX_ITERATIONS = 1000;

/**
 * Leads per arm for a two-sided two-proportion test to detect baseline → baseline + mde:
 * the n solving Φ((√n |p₂ − p₁| − z_{1−α/2} √((p₁ + p₂)(1 − (p₁ + p₂)/2))) / √(p₁q₁ + p₂q₂))
 * = power, found by Brent's method on [1, 1e7] (extended upward if needed) exactly as R's
 * `power.prop.test(p1 = baseline, p2 = baseline + mde, sig.level = alpha, power = power)`
 * with its default `strict = FALSE`, which ignores rejections in the opposite tail; the
 * answer is `ceiling()` of that n. Solving numerically rather than using the closed form
 * reproduces R's result even when n is within R's tolerance of an integer.
 *
 * An mde of 0 can never be detected, so the answer is Infinity. When one lead per arm
 * already reaches the power (huge effects), the answer is 1.
 */
export function sampleSizePerArm({
  baseline,
  mde,
  alpha = 0.05,
  power = 0.8,
}: SampleSizeInput): number {
  assertClosedUnit(baseline, 'baseline');
  assertFinite(mde, 'mde');
  assertOpenUnit(alpha, 'alpha');
  assertOpenUnit(power, 'power');
  const target = baseline + mde;
  if (target < 0 || target > 1) {
    throw new StatsInputError(`baseline + mde must lie between 0 and 1, got ${target}`);
  }

  if (mde === 0) return Infinity;

  const p1 = baseline;
  const p2 = target;
  const effect = Math.abs(p1 - p2);
  const critical = -normalQuantile(alpha / 2);
  const nullSpread = Math.sqrt((p1 + p2) * (1 - (p1 + p2) / 2));
  const spread = Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  if (spread === 0) {
    // Both rates are 0 or 1, so the power jumps from 0 to 1 where √n·|Δ| passes z·√(2p̄q̄).
    return Math.max(1, Math.ceil(((critical * nullSpread) / effect) ** 2));
  }
  const shortfall = (n: number): number =>
    normalCdf((Math.sqrt(n) * effect - critical * nullSpread) / spread) - power;

  const fLower = shortfall(SEARCH_LOWER);
  if (fLower >= 0) return 1;

  // As R's uniroot(extendInt = "upX"): widen the upper end by doubling steps until the
  // power is reached.
  let upper = SEARCH_UPPER;
  let fUpper = shortfall(upper);
  let step = 0.01 * upper;
  for (let iteration = 0; fUpper < 0 && iteration < MAX_ITERATIONS; iteration++) {
    upper += step;
    fUpper = shortfall(upper);
    step *= 2;
  }

  const { root } = brentRoot(
    shortfall,
    SEARCH_LOWER,
    upper,
    fLower,
    fUpper,
    TOLERANCE,
    MAX_ITERATIONS,
  );
  return Math.ceil(root);
}
