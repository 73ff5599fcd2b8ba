import { describe, expect, it } from 'vitest';

import { StatsInputError } from '../../src/stats';
import { callByName } from './helpers/dispatch';
import { loadFixture } from './helpers/fixture';
import { containsNaN } from './helpers/nan';

const fixture = loadFixture();

/**
 * Inputs where SciPy, statsmodels or R return NaN or fail. leadsplit answers each one; the
 * choice is documented on the function. A weight of 0 and an improper Beta(0, 0) prior are
 * invalid input here rather than counts, so they raise the typed error.
 */
const answers: Record<string, unknown> = {
  p0003: { lower: 0, upper: 1 },
  p0010: { z: 0, pValue: 1 },
  p0013: { statistic: 0, df: 2, pValue: 1 },
  p0026: { t: 0, df: 1, pValue: 1 },
  p0027: [],
  p0028: Infinity,
  p0029: StatsInputError,
  p0030: { statistic: 0, df: 0, pValue: 1 },
  p0031: StatsInputError,
};

describe('inputs the reference tools leave undefined', () => {
  it('has a decided answer for every case in the fixture', () => {
    expect(fixture.undefined.map((c) => c.id).sort()).toEqual(Object.keys(answers).sort());
  });

  it.each(fixture.undefined.map((c) => [`${c.id} ${c.fn} (${c.tag})`, c] as const))(
    'answers %s without NaN',
    (_, c) => {
      const answer = answers[c.id];
      if (answer === StatsInputError) {
        expect(() => callByName(c.fn, c.args)).toThrow(StatsInputError);
        return;
      }
      const got = callByName(c.fn, c.args);
      expect(containsNaN(got)).toBe(false);
      expect(got).toEqual(answer);
    },
  );
});
