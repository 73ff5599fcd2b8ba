import { describe, expect, it } from 'vitest';

import {
  decide,
  sampleSizePerArm,
  StatsInputError,
  type DecisionPolicy,
  type VariantResult,
} from '../../src/stats';
import { containsNaN } from './helpers/nan';

/** A variant whose every lead was enrolled and emailed, with closed conversion windows. */
function variant(
  key: string,
  leads: number,
  customers: number,
  extra: Partial<VariantResult> = {},
): VariantResult {
  return {
    key,
    name: `Variant ${key.toUpperCase()}`,
    control: key === 'a',
    weight: 1,
    enrolled: leads,
    leads,
    customers,
    ...extra,
  };
}

const policy: DecisionPolicy = { confidence: 0.95, minimumDetectableEffect: 0.01 };
const bayesian: DecisionPolicy = { ...policy, method: 'bayesian' };

describe('decide', () => {
  describe('invalid', () => {
    it('rejects the whole result when the split does not follow the weights', () => {
      const decision = decide([variant('a', 5300, 250), variant('b', 4700, 260)], policy);
      expect(decision.kind).toBe('invalid');
      if (decision.kind !== 'invalid') return;
      expect(decision.reason).toBe('sample-ratio-mismatch');
      expect(decision.sampleRatio.pValue).toBeLessThan(0.001);
      expect(decision.sentence).toContain('53.0 %');
      expect(decision.sentence).toContain('cannot be trusted');
    });

    it('accepts an uneven split that the weights ask for', () => {
      const decision = decide(
        [variant('a', 6000, 300, { weight: 3 }), variant('b', 2000, 100, { weight: 1 })],
        policy,
      );
      expect(decision.kind).not.toBe('invalid');
    });

    it('checks the split before anything else, even a clear winner', () => {
      const decision = decide([variant('a', 6000, 300), variant('b', 4000, 600)], policy);
      expect(decision.kind).toBe('invalid');
    });
  });

  describe('collecting', () => {
    it('waits while most leads are still inside their conversion window', () => {
      const open = { leadsInOpenWindow: 1500 };
      const decision = decide(
        [variant('a', 2000, 100, open), variant('b', 2000, 240, open)],
        policy,
      );
      expect(decision.kind).toBe('collecting');
      if (decision.kind !== 'collecting') return;
      expect(decision.reason).toBe('conversion-window-open');
      expect(decision.openWindowShare).toBeCloseTo(0.75, 12);
      expect(decision.sentence).toContain('75.0 %');
    });

    it('says how many more leads each arm needs when there are too few', () => {
      const decision = decide(
        [variant('a', 2000, 100), variant('b', 1500, 80, { enrolled: 2000 })],
        policy,
      );
      const minimum = sampleSizePerArm({ baseline: 0.05, mde: 0.01, alpha: 0.05, power: 0.8 });
      expect(decision.kind).toBe('collecting');
      if (decision.kind !== 'collecting') return;
      expect(decision.reason).toBe('too-few-leads');
      expect(decision.minimumLeadsPerArm).toBe(minimum);
      expect(decision.variants.map((v) => v.leadsNeeded)).toEqual([minimum - 2000, minimum - 1500]);
      expect(decision.sentence).toContain(minimum.toLocaleString('en-US'));
    });

    it('uses the minimum the policy sets instead of the computed one', () => {
      const decision = decide([variant('a', 2000, 100), variant('b', 2000, 110)], {
        ...policy,
        minimumLeadsPerArm: 2500,
      });
      expect(decision.minimumLeadsPerArm).toBe(2500);
      expect(decision.variants.map((v) => v.leadsNeeded)).toEqual([500, 500]);
    });
  });

  describe('winner', () => {
    it('declares a clear winner before the minimum leads, as the test is always valid', () => {
      const decision = decide([variant('a', 2000, 100), variant('b', 2000, 240)], policy);
      expect(decision.kind).toBe('winner');
      if (decision.kind !== 'winner') return;
      expect(decision.variants.every((v) => v.leads < decision.minimumLeadsPerArm)).toBe(true);
      expect(decision.winner.key).toBe('b');
      expect(decision.winner.control).toBe(false);
      expect(decision.winner.adjustedPValue).toBeLessThan(0.05);
      expect(decision.winner.uplift.absolute).toBeCloseTo(0.07, 12);
      expect(decision.winner.uplift.relative).toBeCloseTo(1.4, 12);
      expect(decision.winner.uplift.alwaysValidInterval.lower).toBeGreaterThan(0);
      expect(decision.sentence).toBe(
        'Variant B turns 12.0 % of leads into customers against 5.0 % for the control; ' +
          'this lead is very unlikely to be chance.',
      );
    });

    it('picks the highest rate among several significant variants', () => {
      const decision = decide(
        [variant('a', 30_000, 1500), variant('b', 30_000, 3300), variant('c', 30_000, 2700)],
        policy,
      );
      expect(decision.kind === 'winner' && decision.winner.key).toBe('b');
    });

    it('names the control when every variant does significantly worse', () => {
      const decision = decide(
        [variant('a', 30_000, 2400), variant('b', 30_000, 1200), variant('c', 30_000, 1500)],
        policy,
      );
      expect(decision.kind).toBe('winner');
      if (decision.kind !== 'winner') return;
      expect(decision.winner.control).toBe(true);
      expect(decision.winner.comparedWith.key).toBe('c');
      expect(decision.winner.uplift.absolute).toBeCloseTo(0.03, 12);
      expect(decision.sentence).toContain('The control turns 8.0 %');
    });

    it('does not declare a winner that Holm’s adjustment no longer supports', () => {
      // B alone would be significant; with seven variants the adjusted p-value is not.
      const control = variant('a', 10_000, 500);
      const b = variant('b', 10_000, 610);
      const alone = decide([control, b], { ...policy, minimumLeadsPerArm: 1 });
      const crowd = decide(
        [control, b, ...'cdefgh'.split('').map((key) => variant(key, 10_000, 500))],
        { ...policy, minimumLeadsPerArm: 1 },
      );
      const figures = crowd.variants.find((v) => v.key === 'b');
      expect(alone.kind).toBe('winner');
      expect(crowd.kind).not.toBe('winner');
      expect(figures?.adjustedPValue).toBeGreaterThan(figures?.pValue ?? 1);
    });

    it('declares a Bayesian winner from probability to be best and expected loss', () => {
      const decision = decide([variant('a', 20_000, 1000), variant('b', 20_000, 1200)], bayesian);
      expect(decision.kind).toBe('winner');
      if (decision.kind !== 'winner') return;
      expect(decision.method).toBe('bayesian');
      expect(decision.winner.probabilityToBeBest).toBeGreaterThan(0.95);
      expect(decision.winner.expectedLoss).toBeLessThan(0.001);
      expect(decision.sentence).toContain('chance it is the best version');
    });

    it('holds a Bayesian winner back until every arm has the minimum leads', () => {
      const decision = decide([variant('a', 20_000, 1000), variant('b', 20_000, 1200)], {
        ...bayesian,
        minimumLeadsPerArm: 50_000,
      });
      expect(decision.kind).toBe('collecting');
    });

    it('requires the expected loss to be below the policy threshold', () => {
      const decision = decide([variant('a', 20_000, 1000), variant('b', 20_000, 1200)], {
        ...bayesian,
        expectedLossThreshold: 1e-12,
      });
      expect(decision.kind).not.toBe('winner');
    });
  });

  describe('no-difference', () => {
    it('concludes no difference when every uplift interval lies within the mde', () => {
      const decision = decide([variant('a', 60_000, 3000), variant('b', 60_000, 3030)], policy);
      expect(decision.kind).toBe('no-difference');
      const interval = decision.variants[1]?.uplift?.alwaysValidInterval;
      expect(interval?.lower).toBeGreaterThan(-0.01);
      expect(interval?.upper).toBeLessThan(0.01);
      expect(decision.sentence).toContain('by more than 1 percentage point');
    });

    it('concludes no difference under the Bayesian method when any choice is cheap', () => {
      const decision = decide(
        [variant('a', 200_000, 10_000), variant('b', 200_000, 10_020)],
        bayesian,
      );
      expect(decision.kind).toBe('no-difference');
      expect(decision.variants.every((v) => v.expectedLoss < 0.001)).toBe(true);
    });
  });

  describe('inconclusive', () => {
    it('says so when there are enough leads but neither a winner nor a proven tie', () => {
      const decision = decide([variant('a', 9000, 450), variant('b', 9000, 504)], {
        ...policy,
        minimumLeadsPerArm: 5000,
      });
      expect(decision.kind).toBe('inconclusive');
      expect(decision.sentence).toContain('Variant B is at 5.6 % against 5.0 %');
    });
  });

  describe('figures', () => {
    const decision = decide(
      [variant('a', 4000, 200), variant('b', 4100, 230), variant('c', 3900, 180)],
      policy,
    );

    it('returns one entry per variant in input order, the control without comparisons', () => {
      expect(decision.variants.map((v) => v.key)).toEqual(['a', 'b', 'c']);
      const control = decision.variants[0];
      expect(control?.uplift).toBeNull();
      expect(control?.pValue).toBeNull();
      expect(control?.adjustedPValue).toBeNull();
    });

    it('gives each rate with its Wilson interval', () => {
      const b = decision.variants[1];
      expect(b?.rate).toBeCloseTo(230 / 4100, 14);
      expect(b?.rateInterval.lower).toBeLessThan(b?.rate ?? 0);
      expect(b?.rateInterval.upper).toBeGreaterThan(b?.rate ?? 1);
    });

    it('adjusts p-values upward and keeps probabilities to be best summing to 1', () => {
      for (const v of decision.variants.slice(1)) {
        expect(v.adjustedPValue).toBeGreaterThanOrEqual(v.pValue ?? 1);
      }
      const total = decision.variants.reduce((sum, v) => sum + v.probabilityToBeBest, 0);
      expect(total).toBeCloseTo(1, 12);
    });

    it('reports the Newcombe interval and the always-valid one, which is wider', () => {
      const uplift = decision.variants[1]?.uplift;
      expect(uplift?.interval.lower).toBeGreaterThan(uplift?.alwaysValidInterval.lower ?? 0);
      expect(uplift?.interval.upper).toBeLessThan(uplift?.alwaysValidInterval.upper ?? 0);
    });

    it('leaves relative uplift undefined when the control has no customers', () => {
      const zero = decide([variant('a', 100, 0), variant('b', 100, 3)], policy);
      expect(zero.variants[1]?.uplift?.relative).toBeNull();
      expect(zero.variants[1]?.uplift?.relativeInterval).toBeNull();
    });
  });

  describe('input', () => {
    it.each([
      ['two controls', [variant('a', 10, 1), variant('b', 10, 1, { control: true })]],
      ['no control', [variant('b', 10, 1), variant('c', 10, 1)]],
      ['a single variant', [variant('a', 10, 1)]],
      ['duplicate keys', [variant('a', 10, 1), variant('a', 10, 1, { control: false })]],
      ['more customers than leads', [variant('a', 10, 11), variant('b', 10, 1)]],
      ['more leads than enrolled', [variant('a', 10, 1, { enrolled: 9 }), variant('b', 10, 1)]],
      ['a zero weight', [variant('a', 10, 1, { weight: 0 }), variant('b', 10, 1)]],
      [
        'more open-window leads than leads',
        [variant('a', 10, 1, { leadsInOpenWindow: 11 }), variant('b', 10, 1)],
      ],
    ])('rejects %s', (_, results) => {
      expect(() => decide(results, policy)).toThrow(StatsInputError);
    });

    it.each([
      ['a confidence of 1', { ...policy, confidence: 1 }],
      ['an mde of 0', { ...policy, minimumDetectableEffect: 0 }],
      ['a fractional minimum', { ...policy, minimumLeadsPerArm: 10.5 }],
    ])('rejects a policy with %s', (_, bad) => {
      expect(() => decide([variant('a', 10, 1), variant('b', 10, 1)], bad)).toThrow(
        StatsInputError,
      );
    });

    it('answers for a campaign that has not sent anything yet', () => {
      const decision = decide([variant('a', 0, 0), variant('b', 0, 0)], policy);
      expect(decision.kind).toBe('collecting');
      expect(containsNaN(decision)).toBe(false);
      expect(decision.variants.map((v) => v.probabilityToBeBest)).toEqual([0.5, 0.5]);
    });
  });
});
