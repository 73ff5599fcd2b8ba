import { describe, expect, it } from 'vitest';

import { StatsInputError, welchTTest } from '../../src/stats';

describe('welchTTest', () => {
  it('gives a positive t when the second group has the higher mean', () => {
    const result = welchTTest(
      { n: 400, mean: 2.1, variance: 30 },
      { n: 420, mean: 3.4, variance: 41 },
    );
    expect(result.t).toBeGreaterThan(0);
    expect(result.df).toBeGreaterThan(400);
    expect(result.df).toBeLessThan(820);
  });

  it('matches a reference computed with mpmath for millions of leads', () => {
    const result = welchTTest(
      { n: 2_000_000, mean: 10, variance: 300 },
      { n: 1_500_000, mean: 10.05, variance: 250 },
    );
    expect(result.t).toBeCloseTo(2.809757434745122, 12);
    expect(result.df / 3368582.7253929526).toBeCloseTo(1, 12);
    expect(result.pValue / 0.004957913651587511).toBeCloseTo(1, 9);
  });

  it('uses n − 1 degrees of freedom of the group that varies when the other does not', () => {
    expect(
      welchTTest({ n: 800, mean: 0, variance: 0 }, { n: 820, mean: 0.61, variance: 95.3 }).df,
    ).toBeCloseTo(819, 9);
  });

  it('reports no difference when neither group varies and the means agree', () => {
    expect(welchTTest({ n: 50, mean: 0, variance: 0 }, { n: 60, mean: 0, variance: 0 })).toEqual({
      t: 0,
      df: 1,
      pValue: 1,
    });
  });

  it('reports a certain difference when neither group varies and the means differ', () => {
    expect(welchTTest({ n: 50, mean: 5, variance: 0 }, { n: 60, mean: 4, variance: 0 })).toEqual({
      t: -Infinity,
      df: 1,
      pValue: 0,
    });
  });

  it('reports no difference when a group has fewer than two observations', () => {
    expect(welchTTest({ n: 1, mean: 9, variance: 0 }, { n: 60, mean: 4, variance: 2 })).toEqual({
      t: 0,
      df: 1,
      pValue: 1,
    });
  });

  it('rejects a negative variance', () => {
    expect(() =>
      welchTTest({ n: 5, mean: 1, variance: -1 }, { n: 5, mean: 1, variance: 1 }),
    ).toThrow(StatsInputError);
  });
});
