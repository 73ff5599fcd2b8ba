import { describe, expect, it } from 'vitest';

import { chiSquareTest, srmTest, StatsInputError } from '../../src/stats';

describe('chiSquareTest', () => {
  it('finds no difference between arms with equal rates', () => {
    const result = chiSquareTest([
      { trials: 1000, successes: 50 },
      { trials: 2000, successes: 100 },
      { trials: 500, successes: 25 },
    ]);
    expect(result).toEqual({ statistic: 0, df: 2, pValue: 1 });
  });

  it('flags clearly different rates', () => {
    const result = chiSquareTest([
      { trials: 1000, successes: 50 },
      { trials: 1000, successes: 90 },
    ]);
    expect(result.df).toBe(1);
    expect(result.pValue).toBeLessThan(0.001);
  });

  it('leaves out arms without leads', () => {
    const arms = [
      { trials: 300, successes: 0 },
      { trials: 310, successes: 9 },
    ];
    expect(chiSquareTest([...arms, { trials: 0, successes: 0 }])).toEqual(chiSquareTest(arms));
  });

  it('answers statistic 0 and p = 1 when nobody converted anywhere', () => {
    const arms = [100, 120, 90].map((trials) => ({ trials, successes: 0 }));
    expect(chiSquareTest(arms)).toEqual({ statistic: 0, df: 2, pValue: 1 });
  });

  it('answers statistic 0 and p = 1 when everybody converted', () => {
    expect(
      chiSquareTest([
        { trials: 5, successes: 5 },
        { trials: 7, successes: 7 },
      ]).pValue,
    ).toBe(1);
  });

  it('has zero degrees of freedom for a single arm', () => {
    expect(chiSquareTest([{ trials: 250, successes: 20 }])).toEqual({
      statistic: 0,
      df: 0,
      pValue: 1,
    });
  });

  it('is unchanged when every count is scaled to the billions, apart from the scale', () => {
    // X² grows linearly with the sample size when the proportions stay the same.
    const small = chiSquareTest([
      { trials: 1000, successes: 37 },
      { trials: 1000, successes: 41 },
    ]);
    const large = chiSquareTest([
      { trials: 1e9, successes: 37e6 },
      { trials: 1e9, successes: 41e6 },
    ]);
    expect(large.statistic / small.statistic).toBeCloseTo(1e6, 6);
  });

  it('rejects an empty list of arms', () => {
    expect(() => chiSquareTest([])).toThrow(StatsInputError);
  });
});

describe('srmTest', () => {
  it('accepts a split that matches the weights up to chance', () => {
    expect(srmTest([5020, 4980], [1, 1]).pValue).toBeGreaterThan(0.5);
  });

  it('flags a split that is off by a few percent on a large sample', () => {
    expect(srmTest([52_000, 48_000], [50, 50]).pValue).toBeLessThan(1e-30);
  });

  it('reads weights as shares, whatever their scale', () => {
    expect(srmTest([2000, 1000, 1000], [2, 1, 1])).toEqual(
      srmTest([2000, 1000, 1000], [0.5, 0.25, 0.25]),
    );
  });

  it('answers statistic 0 and p = 1 before anyone is assigned', () => {
    expect(srmTest([0, 0, 0], [1, 1, 2])).toEqual({ statistic: 0, pValue: 1 });
  });

  it('answers statistic 0 and p = 1 for a single group', () => {
    expect(srmTest([1234], [1])).toEqual({ statistic: 0, pValue: 1 });
  });

  it.each([
    ['a zero weight', () => srmTest([1000, 0], [1, 0])],
    ['a negative weight', () => srmTest([10, 10], [1, -1])],
    ['fewer weights than counts', () => srmTest([10, 10], [1])],
    ['a fractional count', () => srmTest([10.5, 10], [1, 1])],
    ['no groups', () => srmTest([], [])],
  ])('rejects %s', (_, run) => {
    expect(run).toThrow(StatsInputError);
  });
});
