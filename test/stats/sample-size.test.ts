import { describe, expect, it } from 'vitest';

import { sampleSizePerArm, StatsInputError } from '../../src/stats';
import { normalCdf, normalQuantile } from '../../src/stats/numerics/normal';

/** Power of the two-sided test at n per arm, as R's power.prop.test computes it. */
function power(n: number, p1: number, p2: number, alpha: number): number {
  const z = -normalQuantile(alpha / 2);
  const nullSpread = Math.sqrt((p1 + p2) * (1 - (p1 + p2) / 2));
  const spread = Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return normalCdf((Math.sqrt(n) * Math.abs(p2 - p1) - z * nullSpread) / spread);
}

describe('sampleSizePerArm', () => {
  it.each([
    [0.05, 0.01, 0.05, 0.8],
    [0.02, 0.005, 0.01, 0.9],
    [0.3, -0.05, 0.1, 0.8],
    [0.001, 0.0005, 0.05, 0.95],
  ])(
    'is the smallest n reaching the power (baseline %s, mde %s, alpha %s, power %s)',
    (baseline, mde, alpha, target) => {
      const n = sampleSizePerArm({ baseline, mde, alpha, power: target });
      expect(Number.isInteger(n)).toBe(true);
      expect(power(n, baseline, baseline + mde, alpha)).toBeGreaterThanOrEqual(target - 1e-9);
      expect(power(n - 1, baseline, baseline + mde, alpha)).toBeLessThan(target);
    },
  );

  it('uses alpha 0.05 and power 0.8 by default', () => {
    expect(sampleSizePerArm({ baseline: 0.1, mde: 0.02 })).toBe(3841);
  });

  it('needs the same leads to detect a rise as the mirrored fall', () => {
    expect(sampleSizePerArm({ baseline: 0.1, mde: -0.02 })).toBe(
      sampleSizePerArm({ baseline: 0.08, mde: 0.02 }),
    );
  });

  it('needs more leads for smaller effects and stricter levels', () => {
    const base = sampleSizePerArm({ baseline: 0.05, mde: 0.01 });
    expect(sampleSizePerArm({ baseline: 0.05, mde: 0.005 })).toBeGreaterThan(3 * base);
    expect(sampleSizePerArm({ baseline: 0.05, mde: 0.01, alpha: 0.01 })).toBeGreaterThan(base);
    expect(sampleSizePerArm({ baseline: 0.05, mde: 0.01, power: 0.9 })).toBeGreaterThan(base);
  });

  it('searches beyond ten million leads when the effect is tiny', () => {
    const n = sampleSizePerArm({ baseline: 0.5, mde: 1e-4 });
    expect(n).toBeGreaterThan(1e7);
    expect(power(n, 0.5, 0.5001, 0.05)).toBeGreaterThanOrEqual(0.8 - 1e-9);
    expect(power(n - 1, 0.5, 0.5001, 0.05)).toBeLessThan(0.8);
  });

  it('answers 1 when a single lead per arm already has the power', () => {
    expect(sampleSizePerArm({ baseline: 0.01, mde: 0.98, alpha: 0.5, power: 0.8 })).toBe(1);
  });

  it('answers Infinity for an effect of 0, which no sample can detect', () => {
    expect(sampleSizePerArm({ baseline: 0.05, mde: 0 })).toBe(Infinity);
  });

  it.each([
    ['a target rate above 1', { baseline: 0.95, mde: 0.1 }],
    ['a negative baseline', { baseline: -0.1, mde: 0.1 }],
    ['alpha 0', { baseline: 0.1, mde: 0.02, alpha: 0 }],
    ['power 1', { baseline: 0.1, mde: 0.02, power: 1 }],
    ['a NaN mde', { baseline: 0.1, mde: Number.NaN }],
  ])('rejects %s', (_, input) => {
    expect(() => sampleSizePerArm(input)).toThrow(StatsInputError);
  });
});
