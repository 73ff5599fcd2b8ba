import { stirlingError } from './gamma';

const LN_2PI = Math.log(2 * Math.PI);

/**
 * x ln(x / m) + m − x, the deviance term of Loader's saddle-point binomial density, computed
 * without cancellation when x is close to m by the series 2x Σ v^(2j+1) / (2j + 1) with
 * v = (x − m) / (x + m).
 */
function deviance(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    let v = (x - m) / (x + m);
    let sum = (x - m) * v;
    let power = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      power *= v;
      const next = sum + power / (2 * j + 1);
      if (next === sum) return next;
      sum = next;
    }
    return sum;
  }
  return x * Math.log(x / m) + m - x;
}

/**
 * ln P(X = x) for X ~ Binomial(n, p), q = 1 − p given separately, by C. Loader (2000), "Fast
 * and accurate computation of binomial probabilities". Unlike sums of log-factorials it keeps
 * about 1e-15 relative precision for n up to 10^9 and beyond.
 */
export function logBinomialDensity(x: number, n: number, p: number, q: number): number {
  if (p === 0) return x === 0 ? 0 : -Infinity;
  if (q === 0) return x === n ? 0 : -Infinity;
  if (x < 0 || x > n) return -Infinity;
  if (x === 0) {
    if (n === 0) return 0;
    return p < 0.1 ? -deviance(n, n * q) - n * p : n * Math.log(q);
  }
  if (x === n) {
    return q < 0.1 ? -deviance(n, n * p) - n * q : n * Math.log(p);
  }
  const main =
    stirlingError(n) -
    stirlingError(x) -
    stirlingError(n - x) -
    deviance(x, n * p) -
    deviance(n - x, n * q);
  // ln(x(n − x)/n) with n − x formed exactly: log1p(−x/n) would lose digits when x is
  // within a few counts of n in the billions.
  return main - 0.5 * (LN_2PI + Math.log(x) + Math.log((n - x) / n));
}

/**
 * ln P(X = x) for the hypergeometric X: successes among `draws` items taken without
 * replacement from `total` items of which `marked` are successes. Written as a ratio of
 * binomial densities at p = draws / total, which keeps Loader's precision.
 */
export function logHypergeometricDensity(
  x: number,
  total: number,
  marked: number,
  draws: number,
): number {
  const p = draws / total;
  const q = (total - draws) / total;
  return (
    logBinomialDensity(x, marked, p, q) +
    logBinomialDensity(draws - x, total - marked, p, q) -
    logBinomialDensity(draws, total, p, q)
  );
}
