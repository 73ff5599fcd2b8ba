import { StatsInputError } from './errors';
import { assertClosedUnit } from './validate';

/**
 * Holm's step-down adjustment (S. Holm 1979, "A simple sequentially rejective multiple test
 * procedure"): sort the m p-values ascending, multiply the i-th smallest by m − i + 1, take
 * running maxima and cap at 1; results come back in the input order (equals statsmodels
 * `multipletests(method='holm')` and R `p.adjust(p, 'holm')`). An empty list gives an empty
 * list.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  if (!Array.isArray(pValues)) throw new StatsInputError('pValues must be an array');
  pValues.forEach((p, index) => assertClosedUnit(p, `pValues[${index}]`));

  const count = pValues.length;
  const order = pValues
    .map((_, index) => index)
    .sort((i, j) => (pValues[i] ?? 0) - (pValues[j] ?? 0));
  const adjusted = new Array<number>(count).fill(0);
  let runningMax = 0;
  order.forEach((index, rank) => {
    runningMax = Math.max(runningMax, (count - rank) * (pValues[index] ?? 0));
    adjusted[index] = Math.min(1, runningMax);
  });
  return adjusted;
}
