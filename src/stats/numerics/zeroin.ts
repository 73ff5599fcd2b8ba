const DOUBLE_EPSILON = 2 ** -52;

export interface RootResult {
  root: number;
  converged: boolean;
}

/**
 * Brent's root finder (R. P. Brent 1973, "Algorithms for minimization without derivatives",
 * ch. 4) in the form R's uniroot() runs it: the same steps, tolerance test and stopping rule,
 * so that a root it reports to within `tolerance` agrees with R's to the last digit when the
 * function values do. f(lower) and f(upper) must have opposite signs (or one be zero).
 */
export function brentRoot(
  f: (x: number) => number,
  lower: number,
  upper: number,
  fLower: number,
  fUpper: number,
  tolerance: number,
  maxIterations: number,
): RootResult {
  let a = lower;
  let b = upper;
  let fa = fLower;
  let fb = fUpper;
  let c = a;
  let fc = fa;

  if (fa === 0) return { root: a, converged: true };
  if (fb === 0) return { root: b, converged: true };

  for (let iteration = 0; iteration <= maxIterations; iteration++) {
    const previousStep = b - a;

    if (Math.abs(fc) < Math.abs(fb)) {
      // Keep b as the best approximation so far.
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tolerated = 2 * DOUBLE_EPSILON * Math.abs(b) + tolerance / 2;
    let step = (c - b) / 2;

    if (Math.abs(step) <= tolerated || fb === 0) return { root: b, converged: true };

    if (Math.abs(previousStep) >= tolerated && Math.abs(fa) > Math.abs(fb)) {
      // Interpolate: secant with two distinct points, inverse quadratic with three.
      const cb = c - b;
      let p: number;
      let q: number;
      if (a === c) {
        const t1 = fb / fa;
        p = cb * t1;
        q = 1 - t1;
      } else {
        const qa = fa / fc;
        const t1 = fb / fc;
        const t2 = fb / fa;
        p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1));
        q = (qa - 1) * (t1 - 1) * (t2 - 1);
      }
      if (p > 0) q = -q;
      else p = -p;

      if (p < 0.75 * cb * q - Math.abs(tolerated * q) / 2 && p < Math.abs((previousStep * q) / 2)) {
        step = p / q;
      }
    }

    if (Math.abs(step) < tolerated) step = step > 0 ? tolerated : -tolerated;

    a = b;
    fa = fb;
    b += step;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
    }
  }
  return { root: b, converged: false };
}
