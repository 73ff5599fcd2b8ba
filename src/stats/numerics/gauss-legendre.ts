/** Nodes and weights of an m-point Gauss–Legendre rule on [−1, 1]. */
export interface QuadratureRule {
  nodes: Float64Array;
  weights: Float64Array;
  /**
   * cumulative[k * m + l]: ∫ from −1 to node k of the l-th Lagrange basis polynomial, so that
   * Σ_l cumulative[k, l] f(node l) integrates f from −1 up to node k (to the same order).
   */
  cumulative: Float64Array;
}

/** Legendre polynomials P_0 … P_degree at x, by Bonnet's recursion. */
function legendreValues(x: number, degree: number): Float64Array {
  const values = new Float64Array(degree + 1);
  values[0] = 1;
  if (degree > 0) values[1] = x;
  for (let n = 1; n < degree; n++) {
    values[n + 1] = ((2 * n + 1) * x * (values[n] ?? 0) - n * (values[n - 1] ?? 0)) / (n + 1);
  }
  return values;
}

/**
 * Builds the rule by Newton's method on P_m from Chebyshev starting points, then the
 * integration matrix from the discrete orthogonality of the Legendre basis:
 * ℓ_l(x) = w_l Σ_n (n + ½) P_n(x_l) P_n(x) and ∫_{−1}^{x} P_n = (P_{n+1} − P_{n−1}) / (2n + 1).
 */
export function gaussLegendre(m: number): QuadratureRule {
  const nodes = new Float64Array(m);
  const weights = new Float64Array(m);

  for (let i = 0; i < m; i++) {
    let x = -Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    let derivative = 1;
    for (let iteration = 0; iteration < 100; iteration++) {
      const values = legendreValues(x, m);
      const pm = values[m] ?? 0;
      const pm1 = values[m - 1] ?? 0;
      derivative = (m * (x * pm - pm1)) / (x * x - 1);
      const step = pm / derivative;
      x -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    nodes[i] = x;
    weights[i] = 2 / ((1 - x * x) * derivative * derivative);
  }

  const cumulative = new Float64Array(m * m);
  const basisAtNodes = Array.from(nodes, (x) => legendreValues(x, m));
  for (let k = 0; k < m; k++) {
    const atK = basisAtNodes[k] ?? new Float64Array(m + 1);
    // integrals[n] = ∫_{−1}^{x_k} P_n
    const integrals = new Float64Array(m);
    integrals[0] = (nodes[k] ?? 0) + 1;
    for (let n = 1; n < m; n++) {
      integrals[n] = ((atK[n + 1] ?? 0) - (atK[n - 1] ?? 0)) / (2 * n + 1);
    }
    for (let l = 0; l < m; l++) {
      const atL = basisAtNodes[l] ?? new Float64Array(m + 1);
      let sum = 0;
      for (let n = 0; n < m; n++) sum += (n + 0.5) * (atL[n] ?? 0) * (integrals[n] ?? 0);
      cumulative[k * m + l] = (weights[l] ?? 0) * sum;
    }
  }

  return { nodes, weights, cumulative };
}
