import { describe, expect, it } from 'vitest';

import { compareWithReference } from './helpers/compare';
import { callByName } from './helpers/dispatch';
import { loadFixture } from './helpers/fixture';

const fixture = loadFixture();
const functions = [...new Set(fixture.cases.map((c) => c.fn))];

describe('reference cases from SciPy, statsmodels and R', () => {
  it('covers every function the fixture has tolerances for', () => {
    expect(functions.sort()).toEqual(Object.keys(fixture.tolerance.fields).sort());
  });

  for (const fn of functions) {
    describe(fn, () => {
      const cases = fixture.cases.filter((c) => c.fn === fn);
      it.each(cases.map((c) => [`${c.id} (${c.tag})`, c] as const))(
        'matches the reference value for %s',
        (_, c) => {
          const got = callByName(c.fn, c.args);
          expect(compareWithReference(fixture, c.fn, got, c.expected)).toEqual([]);
        },
      );
    });
  }
});

describe('compareWithReference', () => {
  it('accepts a value within the relative tolerance and rejects one outside it', () => {
    const expected = { z: 2, pValue: 0.05 };
    expect(
      compareWithReference(
        fixture,
        'twoProportionZTest',
        { z: 2 * (1 + 9e-7), pValue: 0.05 },
        expected,
      ),
    ).toEqual([]);
    expect(
      compareWithReference(
        fixture,
        'twoProportionZTest',
        { z: 2 * (1 + 2e-6), pValue: 0.05 },
        expected,
      ),
    ).toHaveLength(1);
  });

  it('uses the absolute floor for values that are mathematically zero', () => {
    const expected = { lower: 1e-17, upper: 0.1 };
    expect(
      compareWithReference(fixture, 'wilsonInterval', { lower: 0, upper: 0.1 }, expected),
    ).toEqual([]);
    expect(
      compareWithReference(fixture, 'wilsonInterval', { lower: 2e-12, upper: 0.1 }, expected),
    ).toHaveLength(1);
  });

  it('requires integers to be identical', () => {
    expect(compareWithReference(fixture, 'sampleSizePerArm', 3841, 3841)).toEqual([]);
    expect(compareWithReference(fixture, 'sampleSizePerArm', 3842, 3841)).toHaveLength(1);
    const chi = { statistic: 1, df: 2, pValue: 0.5 };
    expect(
      compareWithReference(fixture, 'chiSquareTest', { ...chi, df: 2.0000001 }, chi),
    ).toHaveLength(1);
  });

  it('holds posterior figures to an absolute 1e-4', () => {
    expect(
      compareWithReference(fixture, 'probabilityToBeBest', [0.50009, 0.49991], [0.5, 0.5]),
    ).toEqual([]);
    expect(
      compareWithReference(fixture, 'probabilityToBeBest', [0.5002, 0.4998], [0.5, 0.5]),
    ).toHaveLength(2);
  });

  it('rejects non-finite values, missing keys and arrays of the wrong length', () => {
    const expected = { z: 0, pValue: 1 };
    expect(
      compareWithReference(fixture, 'twoProportionZTest', { z: Number.NaN, pValue: 1 }, expected),
    ).toHaveLength(1);
    expect(
      compareWithReference(fixture, 'twoProportionZTest', { pValue: 1 }, expected),
    ).toHaveLength(1);
    expect(compareWithReference(fixture, 'holmAdjust', [0.1], [0.1, 0.2])).toHaveLength(1);
  });

  it('ignores keys the expected value does not have', () => {
    expect(
      compareWithReference(
        fixture,
        'fisherExactTest',
        { pValue: 0.5, extra: Number.NaN },
        { pValue: 0.5 },
      ),
    ).toEqual([]);
  });
});
