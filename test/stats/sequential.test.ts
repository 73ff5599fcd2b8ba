import { describe, expect, it } from 'vitest';

import { sequentialTest, StatsInputError, twoProportionZTest, type Arm } from '../../src/stats';
import { createRandom, sampleBinomial } from './helpers/random';

/** ln Λ of the mixture SPRT for θ = θ0, written out from Johari, Pekelis & Walsh (2017). */
function logLikelihoodRatio(control: Arm, treatment: Arm, tau2: number, theta0 = 0): number {
  const pc = control.successes / control.trials;
  const pt = treatment.successes / treatment.trials;
  const v = (pc * (1 - pc)) / control.trials + (pt * (1 - pt)) / treatment.trials;
  const gap = pt - pc - theta0;
  return 0.5 * Math.log(v / (v + tau2)) + (tau2 * gap * gap) / (2 * v * (v + tau2));
}

describe('sequentialTest', () => {
  const control = { trials: 10_000, successes: 500 };
  const treatment = { trials: 10_000, successes: 590 };

  it('returns 1 / Λ of the mixture likelihood ratio as its p-value', () => {
    const result = sequentialTest(control, treatment, { mde: 0.01 });
    expect(result.pValue).toBeCloseTo(Math.exp(-logLikelihoodRatio(control, treatment, 1e-4)), 14);
    expect(result.significant).toBe(result.pValue < 0.05);
  });

  it('keeps a p-value near 1e-30 in log space rather than rounding it', () => {
    const strong = { trials: 10_000, successes: 950 };
    const logRatio = logLikelihoodRatio(control, strong, 1e-4);
    expect(logRatio).toBeGreaterThan(60);
    const { pValue } = sequentialTest(control, strong, { mde: 0.01 });
    expect(pValue).toBeGreaterThan(0);
    expect(Math.log(pValue)).toBeCloseTo(-logRatio, 9);
  });

  it('puts the interval ends exactly where the test of θ = θ0 turns significant', () => {
    const alpha = 0.05;
    const { interval } = sequentialTest(control, treatment, { mde: 0.01, alpha });
    for (const end of [interval.lower, interval.upper]) {
      expect(logLikelihoodRatio(control, treatment, 1e-4, end)).toBeCloseTo(Math.log(1 / alpha), 9);
    }
  });

  it('excludes 0 from the interval exactly when the result is significant', () => {
    for (const successes of [520, 560, 600, 640]) {
      const result = sequentialTest(control, { trials: 10_000, successes }, { mde: 0.01 });
      const excludesZero = result.interval.lower > 0 || result.interval.upper < 0;
      expect(excludesZero).toBe(result.significant);
    }
  });

  it('defaults to an mde of one percentage point, and tau2 overrides the mde', () => {
    expect(sequentialTest(control, treatment)).toEqual(
      sequentialTest(control, treatment, { mde: 0.01 }),
    );
    expect(sequentialTest(control, treatment, { tau2: 4e-4, mde: 0.5 })).toEqual(
      sequentialTest(control, treatment, { mde: 0.02 }),
    );
  });

  it('is more cautious than the fixed-horizon z-test on the same data', () => {
    const sequential = sequentialTest(control, treatment);
    expect(sequential.pValue).toBeGreaterThan(twoProportionZTest(control, treatment).pValue);
  });

  it('answers p = 1 and the interval [−1, 1] when an arm has no leads', () => {
    expect(sequentialTest({ trials: 0, successes: 0 }, treatment)).toEqual({
      pValue: 1,
      significant: false,
      interval: { lower: -1, upper: 1 },
    });
  });

  it('stays undecided, with a wide interval, when nobody has converted yet', () => {
    const result = sequentialTest({ trials: 50, successes: 0 }, { trials: 50, successes: 0 });
    expect(result.pValue).toBe(1);
    expect(result.interval.lower).toBeLessThan(-0.01);
    expect(result.interval.upper).toBeGreaterThan(0.01);
    expect(result.interval.lower).toBeCloseTo(-result.interval.upper, 14);
  });

  it('is not certain after one lead per arm even when the rates are 0 and 1', () => {
    const result = sequentialTest({ trials: 1, successes: 0 }, { trials: 1, successes: 1 });
    expect(result.significant).toBe(false);
    expect(Number.isFinite(result.interval.lower)).toBe(true);
  });

  it.each([
    ['alpha 1', { alpha: 1 }],
    ['a negative tau2', { tau2: -1 }],
    ['an mde of 0', { mde: 0 }],
    ['an mde above 1', { mde: 2 }],
  ])('rejects %s', (_, options) => {
    expect(() => sequentialTest(control, treatment, options)).toThrow(StatsInputError);
  });
});

/**
 * Simulated campaigns revealed over equal looks. Returns the share where the test was ever
 * significant (in the right direction when there is a real effect) at any look.
 */
function simulate(options: {
  seed: number;
  campaigns: number;
  leadsPerArm: number;
  looks: number;
  controlRate: number;
  treatmentRate: number;
}): { sequential: number; fixedHorizon: number } {
  const random = createRandom(options.seed);
  const batch = options.leadsPerArm / options.looks;
  const direction = Math.sign(options.treatmentRate - options.controlRate);
  let sequentialHits = 0;
  let fixedHits = 0;
  for (let campaign = 0; campaign < options.campaigns; campaign++) {
    const control = { trials: 0, successes: 0 };
    const treatment = { trials: 0, successes: 0 };
    let sequentialFound = false;
    let fixedFound = false;
    for (let look = 0; look < options.looks; look++) {
      control.trials += batch;
      control.successes += sampleBinomial(random, batch, options.controlRate);
      treatment.trials += batch;
      treatment.successes += sampleBinomial(random, batch, options.treatmentRate);
      const right = (difference: number): boolean =>
        direction === 0 || Math.sign(difference) === direction;
      const sequential = sequentialTest(control, treatment, { alpha: 0.05, mde: 0.01 });
      if (sequential.significant && right(sequential.interval.lower + sequential.interval.upper)) {
        sequentialFound = true;
      }
      const fixed = twoProportionZTest(control, treatment);
      if (fixed.pValue < 0.05 && right(fixed.z)) fixedFound = true;
    }
    if (sequentialFound) sequentialHits += 1;
    if (fixedFound) fixedHits += 1;
  }
  return {
    sequential: sequentialHits / options.campaigns,
    fixedHorizon: fixedHits / options.campaigns,
  };
}

describe('sequentialTest under daily peeking (seeded simulation, mde 0.01 as the default)', () => {
  const campaigns = 2000;
  // Three standard errors of a proportion of 0.05 estimated from 2,000 campaigns.
  const margin = 3 * Math.sqrt((0.05 * 0.95) / campaigns);

  it('keeps false winners at alpha over 50 looks at A/A tests, unlike the z-test', () => {
    const shares = simulate({
      seed: 20240611,
      campaigns,
      leadsPerArm: 20_000,
      looks: 50,
      controlRate: 0.05,
      treatmentRate: 0.05,
    });
    expect(shares.sequential).toBeLessThanOrEqual(0.05 + margin);
    expect(shares.fixedHorizon).toBeGreaterThan(0.15);
  });

  it('finds a lift from 5 % to 6.5 % in at least 80 % of campaigns by the last look', () => {
    const shares = simulate({
      seed: 7,
      campaigns,
      leadsPerArm: 20_000,
      looks: 50,
      controlRate: 0.05,
      treatmentRate: 0.065,
    });
    expect(shares.sequential).toBeGreaterThanOrEqual(0.8);
  });
});
