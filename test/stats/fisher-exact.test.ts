import { describe, expect, it } from 'vitest';

import { fisherExactTest, StatsInputError } from '../../src/stats';

function logFactorial(n: number): number {
  let sum = 0;
  for (let k = 2; k <= n; k++) sum += Math.log(k);
  return sum;
}

/** The definition, by enumerating every table with the observed margins. */
function bruteForceFisher(cn: number, cs: number, tn: number, ts: number): number {
  const total = cn + tn;
  const marked = cs + ts;
  const probability = (x: number): number =>
    Math.exp(
      logFactorial(marked) -
        logFactorial(x) -
        logFactorial(marked - x) +
        logFactorial(total - marked) -
        logFactorial(cn - x) -
        logFactorial(total - marked - cn + x) -
        (logFactorial(total) - logFactorial(cn) - logFactorial(total - cn)),
    );
  const observed = probability(cs);
  let sum = 0;
  for (let x = Math.max(0, cn + marked - total); x <= Math.min(cn, marked); x++) {
    const p = probability(x);
    if (p <= observed * (1 + 1e-7)) sum += p;
  }
  return Math.min(1, sum);
}

describe('fisherExactTest', () => {
  it('matches the definition on every small table', () => {
    for (let cn = 0; cn <= 9; cn++) {
      for (let tn = 0; tn <= 8; tn++) {
        for (let cs = 0; cs <= cn; cs++) {
          for (let ts = 0; ts <= tn; ts++) {
            const got = fisherExactTest(
              { trials: cn, successes: cs },
              { trials: tn, successes: ts },
            );
            expect(got.pValue).toBeCloseTo(bruteForceFisher(cn, cs, tn, ts), 12);
          }
        }
      }
    }
  });

  it('matches the definition on mid-sized tables', () => {
    const tables: [number, number, number, number][] = [
      [200, 3, 180, 12],
      [350, 40, 20, 9],
      [1000, 5, 900, 4],
    ];
    for (const [cn, cs, tn, ts] of tables) {
      const got = fisherExactTest({ trials: cn, successes: cs }, { trials: tn, successes: ts });
      expect(got.pValue / bruteForceFisher(cn, cs, tn, ts)).toBeCloseTo(1, 9);
    }
  });

  it('is the same when control and treatment swap', () => {
    const a = { trials: 120, successes: 7 };
    const b = { trials: 95, successes: 15 };
    expect(fisherExactTest(a, b).pValue).toBeCloseTo(fisherExactTest(b, a).pValue, 14);
  });

  it('handles a billion leads per arm quickly and precisely', () => {
    // Reference values summed with mpmath at 30 digits.
    const started = performance.now();
    const near = fisherExactTest(
      { trials: 1e9, successes: 5e8 },
      { trials: 1e9, successes: 5e8 + 1000 },
    );
    const far = fisherExactTest({ trials: 1e9, successes: 3 }, { trials: 5, successes: 2 });
    expect(performance.now() - started).toBeLessThan(500);
    expect(near.pValue / 0.964365055125094).toBeCloseTo(1, 10);
    expect(far.pValue / 1.9999999700000004e-16).toBeCloseTo(1, 10);
  });

  it('answers p = 1 when the margins allow a single table', () => {
    expect(fisherExactTest({ trials: 0, successes: 0 }, { trials: 40, successes: 3 })).toEqual({
      pValue: 1,
    });
    expect(fisherExactTest({ trials: 30, successes: 0 }, { trials: 25, successes: 0 })).toEqual({
      pValue: 1,
    });
  });

  it('rejects counts that are not integers', () => {
    expect(() =>
      fisherExactTest({ trials: 10, successes: 0.5 }, { trials: 10, successes: 1 }),
    ).toThrow(StatsInputError);
  });
});
