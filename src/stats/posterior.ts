import { gaussLegendre } from './numerics/gauss-legendre';
import { describePosterior, mergeCuts } from './posterior-grid';
import type { PosteriorShape } from './posterior-grid';
import type { Arm, BetaPrior } from './types';
import { assertArms, assertPrior } from './validate';

const ORDER = 8;
const RULE = gaussLegendre(ORDER);

export interface PosteriorComparison {
  probabilityToBeBest: number[];
  expectedLoss: number[];
}

/** Node positions, quadrature weights and the pieces of x shared by every posterior. */
interface Grid {
  cuts: number[];
  weight: Float64Array;
  logX: Float64Array;
  logOneMinusX: Float64Array;
  /** dx/dt = x(1 − x), to integrate over the rate x while stepping in t. */
  jacobian: Float64Array;
}

function buildGrid(cuts: number[]): Grid {
  const size = (cuts.length - 1) * ORDER;
  const grid: Grid = {
    cuts,
    weight: new Float64Array(size),
    logX: new Float64Array(size),
    logOneMinusX: new Float64Array(size),
    jacobian: new Float64Array(size),
  };
  for (let panel = 0; panel + 1 < cuts.length; panel++) {
    const start = cuts[panel] ?? 0;
    const half = ((cuts[panel + 1] ?? 0) - start) / 2;
    for (let l = 0; l < ORDER; l++) {
      const index = panel * ORDER + l;
      const t = start + half * (1 + (RULE.nodes[l] ?? 0));
      // With e = exp(−|t|): ln x and ln(1 − x) are −ln(1 + e) and −|t| − ln(1 + e) in some
      // order, and x(1 − x) = e / (1 + e)²; one exp and one log1p serve all three.
      const e = Math.exp(-Math.abs(t));
      const near = -Math.log1p(e);
      const far = near - Math.abs(t);
      grid.weight[index] = half * (RULE.weights[l] ?? 0);
      grid.logX[index] = t >= 0 ? near : far;
      grid.logOneMinusX[index] = t >= 0 ? far : near;
      grid.jacobian[index] = e / ((1 + e) * (1 + e));
    }
  }
  return grid;
}

/**
 * One posterior's normalised density (in t) and CDF at every node. The CDF is built by
 * integrating the density itself panel by panel — Gauss–Legendre for whole panels, the
 * rule's integration matrix up to each node — instead of an incomplete-beta continued
 * fraction per node, which would cost a hundred times more for millions of leads.
 */
function densityAndCdf(shape: PosteriorShape, grid: Grid): [Float64Array, Float64Array] {
  const size = grid.weight.length;
  const density = new Float64Array(size);
  const cdf = new Float64Array(size);
  const lower = shape.cuts[0] ?? 0;
  const upper = shape.cuts[shape.cuts.length - 1] ?? 0;
  const panels = grid.cuts.length - 1;
  let mass = 0;
  let firstAbove = panels;

  for (let panel = 0; panel < panels; panel++) {
    const start = grid.cuts[panel] ?? 0;
    if (start >= upper) {
      firstAbove = panel;
      break;
    }
    if ((grid.cuts[panel + 1] ?? 0) <= lower) continue;

    const base = panel * ORDER;
    const half = ((grid.cuts[panel + 1] ?? 0) - start) / 2;
    for (let l = 0; l < ORDER; l++) {
      const index = base + l;
      density[index] = Math.exp(
        shape.a * (grid.logX[index] ?? 0) + shape.b * (grid.logOneMinusX[index] ?? 0) - shape.peak,
      );
    }
    let panelMass = 0;
    for (let k = 0; k < ORDER; k++) {
      let partial = 0;
      for (let l = 0; l < ORDER; l++) {
        partial += (RULE.cumulative[k * ORDER + l] ?? 0) * (density[base + l] ?? 0);
      }
      cdf[base + k] = mass + half * partial;
      panelMass += (RULE.weights[k] ?? 0) * (density[base + k] ?? 0);
    }
    mass += half * panelMass;
  }

  const scale = 1 / mass;
  const end = firstAbove * ORDER;
  for (let index = 0; index < end; index++) {
    density[index] = (density[index] ?? 0) * scale;
    cdf[index] = Math.min(1, (cdf[index] ?? 0) * scale);
  }
  cdf.fill(1, end);
  return [density, cdf];
}

/**
 * P(arm i has the highest rate) = ∫ fᵢ Π_{j≠i} Fⱼ and E[max_j pⱼ − pᵢ] = ∫₀¹ (Fᵢ − Π_j Fⱼ) dx
 * for independent Beta posteriors, by composite 8-point Gauss–Legendre quadrature on the
 * logit scale between breakpoints placed from each posterior's own shape. Deterministic,
 * and accurate to about 1e-9 from a handful of leads to 10^9.
 */
export function comparePosteriors(arms: readonly Arm[], prior: BetaPrior): PosteriorComparison {
  const count = arms.length;
  if (count === 1) return { probabilityToBeBest: [1], expectedLoss: [0] };

  const shapes = arms.map((arm) =>
    describePosterior(prior.alpha + arm.successes, prior.beta + arm.trials - arm.successes),
  );
  const grid = buildGrid(mergeCuts(shapes));
  const densities: Float64Array[] = [];
  const cdfs: Float64Array[] = [];
  for (const shape of shapes) {
    const [density, cdf] = densityAndCdf(shape, grid);
    densities.push(density);
    cdfs.push(cdf);
  }

  const best = new Float64Array(count);
  const loss = new Float64Array(count);
  const prefix = new Float64Array(count + 1);
  prefix[0] = 1;
  for (let index = 0; index < grid.weight.length; index++) {
    for (let j = 0; j < count; j++) {
      prefix[j + 1] = (prefix[j] ?? 0) * (cdfs[j]?.[index] ?? 0);
    }
    const all = prefix[count] ?? 0;
    const weight = grid.weight[index] ?? 0;
    const lossWeight = weight * (grid.jacobian[index] ?? 0);
    let suffix = 1;
    for (let j = count - 1; j >= 0; j--) {
      const own = cdfs[j]?.[index] ?? 0;
      const density = densities[j]?.[index] ?? 0;
      best[j] = (best[j] ?? 0) + weight * density * (prefix[j] ?? 0) * suffix;
      loss[j] = (loss[j] ?? 0) + lossWeight * (own - all);
      suffix *= own;
    }
  }

  // The probabilities integrate d(Π Fⱼ) and sum to 1 up to quadrature error; make it exact.
  const total = best.reduce((sum, value) => sum + value, 0);
  return {
    probabilityToBeBest: Array.from(best, (value) => value / total),
    expectedLoss: Array.from(loss, (value) => Math.max(0, value)),
  };
}

const UNIFORM_PRIOR: BetaPrior = { alpha: 1, beta: 1 };

/**
 * Probability that each arm's conversion rate is the highest, with independent posteriors
 * Beta(α + successes, β + trials − successes) (the conjugate binomial model of Bayesian A/B
 * testing): P_i = ∫ fᵢ(x) Π_{j≠i} Fⱼ(x) dx, computed by
 * deterministic quadrature (see comparePosteriors), within 1e-4 of the exact value and the
 * same on every call. The probabilities sum to 1. A single arm is best with probability 1;
 * arms without trials keep their prior.
 */
export function probabilityToBeBest(arms: readonly Arm[], prior = UNIFORM_PRIOR): number[] {
  assertArms(arms, 'arms');
  assertPrior(prior);
  return comparePosteriors(arms, prior).probabilityToBeBest;
}

/**
 * Expected loss of choosing each arm: E[max_j p_j − p_i] = ∫₀¹ (Fᵢ(x) − Π_j Fⱼ(x)) dx under
 * the same independent Beta posteriors as probabilityToBeBest (conversion-rate points lost,
 * in expectation, if arm i is not in fact the best). A single arm has loss 0.
 */
export function expectedLoss(arms: readonly Arm[], prior = UNIFORM_PRIOR): number[] {
  assertArms(arms, 'arms');
  assertPrior(prior);
  return comparePosteriors(arms, prior).expectedLoss;
}
