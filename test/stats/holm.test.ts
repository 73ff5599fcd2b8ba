import { describe, expect, it } from 'vitest';

import { holmAdjust, StatsInputError } from '../../src/stats';

describe('holmAdjust', () => {
  it('multiplies the i-th smallest p-value by m − i + 1 and keeps the input order', () => {
    expect(holmAdjust([0.04, 0.01, 0.03])).toEqual([0.06, 0.03, 0.06]);
  });

  it('never lets an adjusted p-value fall below a smaller raw one', () => {
    const adjusted = holmAdjust([0.001, 0.011, 0.012, 0.5]);
    for (let i = 1; i < adjusted.length; i++) {
      expect(adjusted[i]).toBeGreaterThanOrEqual(adjusted[i - 1] ?? 0);
    }
  });

  it('caps adjusted p-values at 1', () => {
    expect(holmAdjust([0.6, 0.7])).toEqual([1, 1]);
  });

  it('leaves a single p-value alone and an empty list empty', () => {
    expect(holmAdjust([0.03])).toEqual([0.03]);
    expect(holmAdjust([])).toEqual([]);
  });

  it('rejects values that are not probabilities', () => {
    expect(() => holmAdjust([0.2, 1.2])).toThrow(StatsInputError);
    expect(() => holmAdjust([Number.NaN])).toThrow(StatsInputError);
  });
});
