import { logHypergeometricDensity } from './numerics/binomial-density';
import type { Arm, FisherResult } from './types';
import { assertArm } from './validate';

// Tables whose probability exceeds the observed one by less than this relative margin count
// as "as extreme", so rounding cannot drop a table tied with the observed one (as SciPy and R).
const RELATIVE_TIE = 1 + 1e-7;
// A tail sum stops once its terms fall below this share of the sum.
const NEGLIGIBLE = 1e-17;

/** The hypergeometric law of the control's customers given both margins. */
interface Margins {
  total: number;
  marked: number;
  draws: number;
  lowest: number;
  highest: number;
}

/** P(x + 1) / P(x) for the hypergeometric law. */
function stepUp(m: Margins, x: number): number {
  return ((m.marked - x) * (m.draws - x)) / ((x + 1) * (m.total - m.marked - m.draws + x + 1));
}

/** The most likely count: the last x whose probability is not below its predecessor's. */
function modeOf(m: Margins): number {
  const guess = Math.floor(((m.draws + 1) * (m.marked + 1)) / (m.total + 2));
  let mode = Math.min(m.highest, Math.max(m.lowest, guess));
  // The floating-point guess can be one off when the products exceed 2^53.
  while (mode < m.highest && stepUp(m, mode) > 1) mode++;
  while (mode > m.lowest && stepUp(m, mode - 1) < 1) mode--;
  return mode;
}

/**
 * Sum of probabilities from `start` outward (direction −1: down to the lowest count,
 * +1: up to the highest), by the ratio recursion from the exactly computed first term.
 */
function tailSum(m: Margins, start: number, direction: 1 | -1, logFirst: number): number {
  let term = 1;
  let sum = 1;
  let x = start;
  while (direction === 1 ? x < m.highest : x > m.lowest) {
    term *= direction === 1 ? stepUp(m, x) : 1 / stepUp(m, x - 1);
    x += direction;
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  return Math.exp(logFirst) * sum;
}

/**
 * Fisher's exact test (R. A. Fisher 1935, "The logic of inductive inference"), two-sided,
 * on the 2×2 table [[c.s, c.n − c.s], [t.s, t.n − t.s]]:
 * p = Σ P(table) over the tables with the same margins whose hypergeometric probability is
 * at most (1 + 1e-7) times the observed table's (equals SciPy `fisher_exact` and R
 * `fisher.test`). Each probability is computed by Loader's saddle-point method and each tail
 * is summed outward from its first table, so counts up to 10^9 take milliseconds and
 * p-values far below 1e-300 underflow only when they are smaller than a double can hold.
 *
 * A table whose margins allow only one arrangement (an arm without trials, nobody or
 * everybody converted) has p = 1.
 */
export function fisherExactTest(control: Arm, treatment: Arm): FisherResult {
  assertArm(control, 'control');
  assertArm(treatment, 'treatment');

  const total = control.trials + treatment.trials;
  const marked = control.successes + treatment.successes;
  const draws = control.trials;
  const m: Margins = {
    total,
    marked,
    draws,
    lowest: Math.max(0, draws + marked - total),
    highest: Math.min(draws, marked),
  };
  if (m.lowest === m.highest) return { pValue: 1 };

  const logDensity = (x: number): number => logHypergeometricDensity(x, total, marked, draws);
  const threshold = logDensity(control.successes) + Math.log(RELATIVE_TIE);
  const mode = modeOf(m);
  if (logDensity(mode) <= threshold) return { pValue: 1 };

  let pValue = 0;

  // Below the mode probabilities rise: find the last count still at or under the threshold.
  if (logDensity(m.lowest) <= threshold) {
    let low = m.lowest;
    let high = mode;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (logDensity(middle) <= threshold) low = middle;
      else high = middle;
    }
    pValue += tailSum(m, low, -1, logDensity(low));
  }

  // Above the mode probabilities fall: find the first count at or under the threshold.
  if (mode < m.highest && logDensity(m.highest) <= threshold) {
    let low = mode;
    let high = m.highest;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (logDensity(middle) <= threshold) high = middle;
      else low = middle;
    }
    pValue += tailSum(m, high, 1, logDensity(high));
  }

  return { pValue: Math.min(1, pValue) };
}
