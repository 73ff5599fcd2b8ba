import jStat from 'jstat';

import { logBeta } from '../../../src/stats/numerics/gamma';

export interface BetaParameters {
  a: number;
  b: number;
}

export interface PosteriorReference {
  best: number[];
  loss: number[];
}

/**
 * P(p_B > p_A) for independent Beta posteriors with an integer first parameter for B, by the
 * exact finite series in Evan Miller's "Formulas for Bayesian A/B testing" (2015):
 * Σ_{i=0}^{a_B − 1} B(a_A + i, b_A + b_B) / ((b_B + i) B(1 + i, b_B) B(a_A, b_A)).
 */
export function exactProbabilityBBeatsA(A: BetaParameters, B: BetaParameters): number {
  let sum = 0;
  for (let i = 0; i < B.a; i++) {
    sum += Math.exp(
      logBeta(A.a + i, A.b + B.b) - Math.log(B.b + i) - logBeta(1 + i, B.b) - logBeta(A.a, A.b),
    );
  }
  return sum;
}

function combine(
  points: number,
  weightAt: (index: number) => number,
  densities: Float64Array[],
  cdfs: Float64Array[],
  jacobian: (index: number) => number,
): PosteriorReference {
  const count = densities.length;
  const best = new Array<number>(count).fill(0);
  const loss = new Array<number>(count).fill(0);
  for (let k = 0; k < points; k++) {
    const all = cdfs.reduce((product, cdf) => product * (cdf[k] ?? 0), 1);
    for (let i = 0; i < count; i++) {
      let others = 1;
      for (let j = 0; j < count; j++) if (j !== i) others *= cdfs[j]?.[k] ?? 0;
      best[i] = (best[i] ?? 0) + weightAt(k) * (densities[i]?.[k] ?? 0) * others;
      loss[i] = (loss[i] ?? 0) + weightAt(k) * jacobian(k) * ((cdfs[i]?.[k] ?? 0) - all);
    }
  }
  return { best, loss };
}

/**
 * Slow reference with jstat's own incomplete beta: composite Simpson over u with x = u²
 * (which removes the x^(a−1) singularity of a < 1 priors). For posteriors with parameters
 * up to a few thousand, where jstat's continued fraction converges to about 1e-8.
 */
export function jstatReference(posteriors: BetaParameters[], intervals = 4000): PosteriorReference {
  const points = intervals + 1;
  const h = 1 / intervals;
  const u = (k: number): number => Math.max(k * h, 1e-9);
  const simpson = (k: number): number => (h / 3) * (k === 0 || k === intervals ? 1 : k % 2 ? 4 : 2);
  const densities = posteriors.map(({ a, b }) =>
    Float64Array.from({ length: points }, (_, k) => jStat.beta.pdf(u(k) ** 2, a, b) * 2 * u(k)),
  );
  const cdfs = posteriors.map(({ a, b }) =>
    Float64Array.from({ length: points }, (_, k) => jStat.beta.cdf(u(k) ** 2, a, b)),
  );
  return combine(points, simpson, densities, cdfs, (k) => 2 * u(k));
}

/**
 * Slow reference on a dense uniform grid in x: each density from its logarithm, normalised
 * and accumulated into a CDF by the trapezoid rule. Independent of the engine's logit
 * panels; for posteriors with a, b >= 1 and widths within a factor of about 100.
 */
export function denseGridReference(
  posteriors: BetaParameters[],
  intervals = 40_000,
): PosteriorReference {
  const moments = posteriors.map(({ a, b }) => {
    const mean = a / (a + b);
    return { mean, sd: Math.sqrt((mean * (1 - mean)) / (a + b + 1)) };
  });
  const low = Math.max(0, Math.min(...moments.map((m) => m.mean - 12 * m.sd)));
  const high = Math.min(1, Math.max(...moments.map((m) => m.mean + 12 * m.sd)));
  const h = (high - low) / intervals;
  const points = intervals + 1;
  const x = (k: number): number => low + k * h;

  const densities: Float64Array[] = [];
  const cdfs: Float64Array[] = [];
  for (const { a, b } of posteriors) {
    const logs = Float64Array.from({ length: points }, (_, k) => {
      const at = Math.min(Math.max(x(k), 1e-300), 1 - 1e-16);
      return (a - 1) * Math.log(at) + (b - 1) * Math.log1p(-at);
    });
    const peak = Math.max(...logs);
    const density = logs.map((value) => Math.exp(value - peak));
    const cdf = new Float64Array(points);
    for (let k = 1; k < points; k++) {
      cdf[k] = (cdf[k - 1] ?? 0) + (h * ((density[k - 1] ?? 0) + (density[k] ?? 0))) / 2;
    }
    const total = cdf[points - 1] ?? 1;
    densities.push(density.map((value) => value / total));
    cdfs.push(cdf.map((value) => value / total));
  }
  const trapezoid = (k: number): number => (k === 0 || k === intervals ? h / 2 : h);
  return combine(points, trapezoid, densities, cdfs, () => 1);
}
