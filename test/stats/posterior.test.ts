import { describe, expect, it } from 'vitest';

import { expectedLoss, probabilityToBeBest, StatsInputError, type Arm } from '../../src/stats';
import {
  denseGridReference,
  exactProbabilityBBeatsA,
  jstatReference,
  type BetaParameters,
} from './helpers/posterior-reference';

const UNIFORM = { alpha: 1, beta: 1 };
const JEFFREYS = { alpha: 0.5, beta: 0.5 };

function posteriorsOf(arms: Arm[], prior = UNIFORM): BetaParameters[] {
  return arms.map((arm) => ({
    a: prior.alpha + arm.successes,
    b: prior.beta + arm.trials - arm.successes,
  }));
}

function expectWithin(got: number[], expected: number[], tolerance: number): void {
  expect(got).toHaveLength(expected.length);
  got.forEach((value, index) => {
    expect(Math.abs(value - (expected[index] ?? Number.NaN))).toBeLessThanOrEqual(tolerance);
  });
}

describe('probabilityToBeBest', () => {
  it('gives the same numbers on every call', () => {
    const arms = [
      { trials: 5000, successes: 260 },
      { trials: 5100, successes: 290 },
      { trials: 4900, successes: 240 },
    ];
    expect(probabilityToBeBest(arms)).toEqual(probabilityToBeBest(arms));
  });

  it('sums to 1', () => {
    const arms = [12, 15, 9, 14, 20, 11, 13, 16].map((s) => ({ trials: 400, successes: s }));
    const total = probabilityToBeBest(arms).reduce((sum, p) => sum + p, 0);
    expect(total).toBeCloseTo(1, 12);
  });

  it('splits evenly between identical arms', () => {
    const arm = { trials: 1000, successes: 50 };
    expectWithin(probabilityToBeBest([arm, arm, arm, arm]), [0.25, 0.25, 0.25, 0.25], 1e-12);
  });

  it('gives a single arm probability 1', () => {
    expect(probabilityToBeBest([{ trials: 10, successes: 3 }])).toEqual([1]);
  });

  it('matches the closed form for a uniform prior against one success in one lead', () => {
    // P(X₂ > X₁) for X₁ ~ U(0, 1), X₂ ~ Beta(2, 1) is ∫ 2x · x dx = 2/3.
    const arms = [
      { trials: 0, successes: 0 },
      { trials: 1, successes: 1 },
    ];
    expectWithin(probabilityToBeBest(arms), [1 / 3, 2 / 3], 1e-12);
  });

  it.each([
    [
      'typical campaign',
      [
        { trials: 4000, successes: 200 },
        { trials: 4000, successes: 228 },
      ],
    ],
    [
      'a tenth of a percent with a million leads',
      [
        { trials: 1e6, successes: 1000 },
        { trials: 1e6, successes: 1040 },
      ],
    ],
    [
      'very different sample sizes',
      [
        { trials: 200, successes: 2 },
        { trials: 2e6, successes: 21_000 },
      ],
    ],
    [
      'zero customers against a few',
      [
        { trials: 5000, successes: 0 },
        { trials: 5000, successes: 3 },
      ],
    ],
  ])('matches Evan Miller’s exact series for two arms: %s', (_, arms) => {
    const [a, b] = posteriorsOf(arms);
    const exact = exactProbabilityBBeatsA(a ?? { a: 1, b: 1 }, b ?? { a: 1, b: 1 });
    expectWithin(probabilityToBeBest(arms), [1 - exact, exact], 1e-9);
  });

  it('matches a slow jstat integration for small arms under a Jeffreys prior', () => {
    const arms = [
      { trials: 12, successes: 0 },
      { trials: 40, successes: 1 },
      { trials: 7, successes: 2 },
      { trials: 57, successes: 5 },
    ];
    const reference = jstatReference(posteriorsOf(arms, JEFFREYS));
    expectWithin(probabilityToBeBest(arms, JEFFREYS), reference.best, 1e-5);
  });

  it('matches a dense-grid integration for eight arms with a million leads at 0.1 %', () => {
    const arms = [0, 12, 25, 31, 44, 50, 63, 70].map((extra) => ({
      trials: 1e6,
      successes: 1000 + extra,
    }));
    const reference = denseGridReference(posteriorsOf(arms));
    expectWithin(probabilityToBeBest(arms), reference.best, 1e-5);
  });

  it('stays finite and ordered with a billion leads per arm', () => {
    const arms = [
      { trials: 1e9, successes: 1_000_000 },
      { trials: 1e9, successes: 1_001_000 },
    ];
    const [a, b] = posteriorsOf(arms);
    // The normal approximation is excellent at this size: P ≈ Φ(Δ / sd).
    const sd = Math.sqrt(((a?.a ?? 0) + (b?.a ?? 0)) / 1e18);
    const z = 1000 / 1e9 / sd;
    const best = probabilityToBeBest(arms);
    expect(best[1]).toBeGreaterThan(best[0] ?? 1);
    expect(best[1]).toBeCloseTo(0.5 * (1 + erf(z / Math.SQRT2)), 3);
  });

  it('rejects an improper prior', () => {
    const arms = [
      { trials: 20, successes: 0 },
      { trials: 20, successes: 2 },
    ];
    expect(() => probabilityToBeBest(arms, { alpha: 0, beta: 0 })).toThrow(StatsInputError);
  });

  it('rejects an empty list of arms', () => {
    expect(() => probabilityToBeBest([])).toThrow(StatsInputError);
  });
});

describe('expectedLoss', () => {
  it('matches the closed form for a uniform prior against one success in one lead', () => {
    // F₁ = x, F₂ = x²: E[max] = ∫ (1 − x³) dx = 3/4, E[X₁] = 1/2, E[X₂] = 2/3.
    const arms = [
      { trials: 0, successes: 0 },
      { trials: 1, successes: 1 },
    ];
    expectWithin(expectedLoss(arms), [1 / 4, 1 / 12], 1e-12);
  });

  it('is 0 for a single arm and equal for identical arms', () => {
    expect(expectedLoss([{ trials: 50, successes: 5 }])).toEqual([0]);
    const [first, second] = expectedLoss([
      { trials: 50, successes: 5 },
      { trials: 50, successes: 5 },
    ]);
    expect(first).toBeCloseTo(second ?? Number.NaN, 14);
    expect(first).toBeGreaterThan(0);
  });

  it('matches a slow jstat integration under a Jeffreys prior with no customers', () => {
    const arms = [
      { trials: 12, successes: 0 },
      { trials: 1172, successes: 2 },
      { trials: 7, successes: 2 },
    ];
    const reference = jstatReference(posteriorsOf(arms, JEFFREYS), 20_000);
    expectWithin(expectedLoss(arms, JEFFREYS), reference.loss, 1e-6);
  });

  it('matches a dense-grid integration for eight arms with a million leads at 0.1 %', () => {
    const arms = [0, 12, 25, 31, 44, 50, 63, 70].map((extra) => ({
      trials: 1e6,
      successes: 1000 + extra,
    }));
    const reference = denseGridReference(posteriorsOf(arms));
    expectWithin(expectedLoss(arms), reference.loss, 1e-8);
  });

  it('shrinks toward 0 for the clear leader as evidence grows', () => {
    const small = expectedLoss([
      { trials: 1000, successes: 50 },
      { trials: 1000, successes: 70 },
    ]);
    const large = expectedLoss([
      { trials: 100_000, successes: 5000 },
      { trials: 100_000, successes: 7000 },
    ]);
    expect(large[1]).toBeLessThan((small[1] ?? 0) / 100);
    expect(large[0]).toBeCloseTo(0.02, 3);
  });
});

/** Abramowitz & Stegun 7.1.26 is too coarse here; a series is exact enough for |x| < 3. */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
