import jStat from 'jstat';
import { describe, expect, it } from 'vitest';

import { incompleteBeta, studentTTwoSided } from '../../src/stats/numerics/beta';
import { logHypergeometricDensity } from '../../src/stats/numerics/binomial-density';
import {
  chiSquareSurvival,
  logBeta,
  logGamma,
  upperRegularizedGamma,
} from '../../src/stats/numerics/gamma';
import { gaussLegendre } from '../../src/stats/numerics/gauss-legendre';
import { normalCdf, normalQuantile, normalSurvival } from '../../src/stats/numerics/normal';
import { brentRoot } from '../../src/stats/numerics/zeroin';

// Expected values below were computed with mpmath at 40 significant digits.
function expectRelative(got: number, expected: number, tolerance = 1e-13): void {
  expect(Math.abs(got - expected)).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}

describe('normalSurvival', () => {
  it('keeps full relative precision deep in the upper tail', () => {
    expectRelative(normalSurvival(8.5), 9.479534822203318e-18);
    expectRelative(normalSurvival(37), 5.725571222524577e-300);
  });

  it('is accurate in the centre and for negative arguments', () => {
    expectRelative(normalSurvival(0.5), 0.3085375387259869);
    expectRelative(normalSurvival(-3), 0.9986501019683699);
    expect(normalSurvival(0)).toBe(0.5);
  });

  it('agrees with jstat where jstat is accurate', () => {
    for (const x of [-2.5, -0.3, 0.1, 1.2, 2.7]) {
      expect(normalCdf(x)).toBeCloseTo(jStat.normal.cdf(x, 0, 1), 12);
    }
  });

  it('underflows to 0 only beyond the smallest double', () => {
    expect(normalSurvival(38)).toBeGreaterThan(0);
    expect(normalSurvival(41)).toBe(0);
  });
});

describe('normalQuantile', () => {
  it('matches reference quantiles, including far tails', () => {
    expectRelative(normalQuantile(0.975), 1.9599639845400543, 1e-15);
    expectRelative(normalQuantile(1e-20), -9.262340089798407, 1e-15);
    expectRelative(normalQuantile(1e-300), -37.0470962993612, 1e-15);
  });

  it('inverts normalCdf', () => {
    for (const p of [1e-10, 0.001, 0.2, 0.5, 0.77, 0.999]) {
      expectRelative(normalCdf(normalQuantile(p)), p, 1e-14);
    }
  });
});

describe('logGamma and logBeta', () => {
  it('are accurate for tiny and huge arguments', () => {
    expectRelative(logGamma(0.01), 4.599479878042022, 1e-15);
    expectRelative(logGamma(1e9), 19723265827.503716, 1e-15);
    expectRelative(logBeta(1e6, 0.5), -6.335390211057437, 1e-14);
  });

  it('give exact factorials for small integers', () => {
    expectRelative(logGamma(11), Math.log(3628800), 1e-15);
    expectRelative(logBeta(3, 4), Math.log(1 / 60), 1e-14);
  });
});

describe('upperRegularizedGamma', () => {
  it('returns chi-square tail probabilities with relative precision', () => {
    expectRelative(chiSquareSurvival(200, 3), 4.2185411071920426e-43);
    expectRelative(chiSquareSurvival(1, 1), 0.3173105078629141);
  });

  it('agrees with jstat in the body of the distribution', () => {
    for (const [x, df] of [
      [0.5, 2],
      [3, 4],
      [7.2, 5],
    ] as const) {
      expect(chiSquareSurvival(x, df)).toBeCloseTo(1 - jStat.chisquare.cdf(x, df), 10);
    }
  });

  it('is 1 at x = 0', () => {
    expect(upperRegularizedGamma(2.5, 0)).toBe(1);
  });
});

describe('studentTTwoSided', () => {
  it('matches reference tail probabilities for small and huge degrees of freedom', () => {
    expectRelative(studentTTwoSided(12, 30), 5.580185415199257e-13, 1e-12);
    expectRelative(studentTTwoSided(0.3, 4), 0.7791214282774597, 1e-13);
    expectRelative(studentTTwoSided(1.5, 3e6), 0.13361450777075562, 1e-10);
  });

  it('gives both tails of the incomplete beta function consistently', () => {
    const { lower, upper } = incompleteBeta(0.3, 0.7, 2, 5);
    expect(lower + upper).toBeCloseTo(1, 15);
    expect(lower).toBeCloseTo(jStat.beta.cdf(0.3, 2, 5), 12);
  });
});

describe('logHypergeometricDensity', () => {
  it('keeps its precision with two billion items', () => {
    expectRelative(logHypergeometricDensity(1_000_500, 2e9, 2e6, 1e9), -7.72987023240699, 1e-12);
  });

  it('sums to 1 over the support of a small law', () => {
    let sum = 0;
    for (let x = 0; x <= 7; x++) sum += Math.exp(logHypergeometricDensity(x, 20, 7, 9));
    expect(sum).toBeCloseTo(1, 14);
  });
});

describe('gaussLegendre', () => {
  const rule = gaussLegendre(8);

  it('integrates polynomials up to degree 15 exactly', () => {
    const integrate = (f: (x: number) => number): number =>
      Array.from(rule.nodes).reduce((sum, x, i) => sum + (rule.weights[i] ?? 0) * f(x), 0);
    expect(integrate((x) => x ** 14)).toBeCloseTo(2 / 15, 14);
    expect(integrate((x) => x ** 15 + 1)).toBeCloseTo(2, 14);
  });

  it('integrates polynomials up to degree 7 exactly from −1 to each node', () => {
    const f = (x: number): number => 3 * x ** 7 - x ** 2 + 1;
    const antiderivative = (x: number): number => (3 * x ** 8) / 8 - x ** 3 / 3 + x;
    rule.nodes.forEach((node, k) => {
      let partial = 0;
      rule.nodes.forEach((x, l) => (partial += (rule.cumulative[k * 8 + l] ?? 0) * f(x)));
      expect(partial).toBeCloseTo(antiderivative(node) - antiderivative(-1), 13);
    });
  });
});

describe('brentRoot', () => {
  it('finds a root within the tolerance', () => {
    const f = (x: number): number => x * x - 2;
    const { root, converged } = brentRoot(f, 0, 2, f(0), f(2), 1e-12, 100);
    expect(converged).toBe(true);
    expect(root).toBeCloseTo(Math.SQRT2, 11);
  });

  it('returns an end point that is already a root', () => {
    const f = (x: number): number => x - 1;
    expect(brentRoot(f, 1, 3, 0, 2, 1e-9, 100).root).toBe(1);
  });
});
