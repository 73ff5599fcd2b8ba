import { describe, expect, it } from 'vitest';

import {
  chiSquareTest,
  newcombeDiffInterval,
  StatsInputError,
  twoProportionZTest,
  wilsonInterval,
} from '../../src/stats';

describe('wilsonInterval', () => {
  it('returns the whole range [0, 1] when there are no trials', () => {
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
  });

  it('starts exactly at 0 with zero successes and ends exactly at 1 with all successes', () => {
    expect(wilsonInterval(0, 500).lower).toBe(0);
    expect(wilsonInterval(500, 500).upper).toBe(1);
  });

  it('contains the observed rate and narrows as leads accumulate', () => {
    const small = wilsonInterval(5, 100);
    const large = wilsonInterval(500, 10_000);
    expect(small.lower).toBeLessThan(0.05);
    expect(small.upper).toBeGreaterThan(0.05);
    expect(large.upper - large.lower).toBeLessThan((small.upper - small.lower) / 5);
  });

  it('widens with the confidence level', () => {
    const at90 = wilsonInterval(30, 400, 0.9);
    const at99 = wilsonInterval(30, 400, 0.99);
    expect(at99.lower).toBeLessThan(at90.lower);
    expect(at99.upper).toBeGreaterThan(at90.upper);
  });

  it('keeps a positive lower bound for one customer among a billion leads', () => {
    const { lower, upper } = wilsonInterval(1, 1e9);
    expect(lower).toBeGreaterThan(0);
    expect(lower).toBeLessThan(1e-9);
    expect(upper).toBeGreaterThan(1e-9);
  });

  it.each([
    ['more successes than trials', () => wilsonInterval(6, 5)],
    ['negative counts', () => wilsonInterval(-1, 5)],
    ['fractional counts', () => wilsonInterval(1.5, 5)],
    ['infinite trials', () => wilsonInterval(1, Infinity)],
    ['a confidence of 1', () => wilsonInterval(1, 5, 1)],
    ['a confidence of 0', () => wilsonInterval(1, 5, 0)],
    ['a NaN confidence', () => wilsonInterval(1, 5, Number.NaN)],
  ])('rejects %s with a StatsInputError', (_, run) => {
    expect(run).toThrow(StatsInputError);
  });

  it('gives the error the code the HTTP layer maps to a 400', () => {
    try {
      wilsonInterval(6, 5);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StatsInputError);
      expect((error as StatsInputError).code).toBe('invalid_stats_input');
    }
  });
});

describe('newcombeDiffInterval', () => {
  it('contains the observed difference', () => {
    const interval = newcombeDiffInterval(
      { trials: 1000, successes: 50 },
      { trials: 1000, successes: 70 },
    );
    expect(interval.lower).toBeLessThan(0.02);
    expect(interval.upper).toBeGreaterThan(0.02);
  });

  it('flips sign when control and treatment swap', () => {
    const a = { trials: 300, successes: 12 };
    const b = { trials: 250, successes: 25 };
    const forward = newcombeDiffInterval(a, b);
    const backward = newcombeDiffInterval(b, a);
    expect(backward.lower).toBeCloseTo(-forward.upper, 14);
    expect(backward.upper).toBeCloseTo(-forward.lower, 14);
  });

  it('lets an arm without trials span its whole range', () => {
    const treatment = { trials: 100, successes: 10 };
    const wilson = wilsonInterval(10, 100);
    expect(newcombeDiffInterval({ trials: 0, successes: 0 }, treatment)).toEqual({
      lower: wilson.lower - 1,
      upper: wilson.upper,
    });
    expect(newcombeDiffInterval({ trials: 0, successes: 0 }, { trials: 0, successes: 0 })).toEqual({
      lower: -1,
      upper: 1,
    });
  });

  it('rejects an arm with more customers than leads', () => {
    expect(() =>
      newcombeDiffInterval({ trials: 5, successes: 6 }, { trials: 5, successes: 1 }),
    ).toThrow(StatsInputError);
  });
});

describe('twoProportionZTest', () => {
  it('gives a positive z when the treatment converts better', () => {
    const result = twoProportionZTest(
      { trials: 1000, successes: 50 },
      { trials: 1000, successes: 80 },
    );
    expect(result.z).toBeGreaterThan(0);
    expect(result.pValue).toBeLessThan(0.05);
  });

  it('keeps a p-value of 1e-33 instead of rounding it to 0', () => {
    // z and p computed with mpmath at 40 digits.
    const result = twoProportionZTest(
      { trials: 50_000, successes: 2500 },
      { trials: 50_000, successes: 3400 },
    );
    expect(result.z).toBeCloseTo(12.0787416384206, 12);
    expect(result.pValue / 1.367972037543359e-33).toBeCloseTo(1, 12);
  });

  it('equals the square root of the 2×2 chi-square statistic, with the same p-value', () => {
    const control = { trials: 4000, successes: 180 };
    const treatment = { trials: 3500, successes: 205 };
    const z = twoProportionZTest(control, treatment);
    const chi = chiSquareTest([control, treatment]);
    expect(z.z ** 2).toBeCloseTo(chi.statistic, 10);
    expect(z.pValue).toBeCloseTo(chi.pValue, 14);
  });

  it('reports no evidence when nobody converted in either arm', () => {
    expect(
      twoProportionZTest({ trials: 500, successes: 0 }, { trials: 480, successes: 0 }),
    ).toEqual({
      z: 0,
      pValue: 1,
    });
  });

  it('reports no evidence when an arm has no leads', () => {
    expect(twoProportionZTest({ trials: 0, successes: 0 }, { trials: 480, successes: 20 })).toEqual(
      {
        z: 0,
        pValue: 1,
      },
    );
  });

  it('handles a billion leads per arm', () => {
    const result = twoProportionZTest(
      { trials: 1e9, successes: 1e7 },
      { trials: 1e9, successes: 1e7 + 5000 },
    );
    expect(result.z).toBeGreaterThan(1);
    expect(result.pValue).toBeGreaterThan(0);
    expect(result.pValue).toBeLessThan(1);
  });
});
