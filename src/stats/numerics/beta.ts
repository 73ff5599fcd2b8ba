import { logBeta } from './gamma';

const EPSILON = 1e-15;
const TINY = 1e-300;
const MAX_ITERATIONS = 200_000;

/**
 * Continued fraction for the incomplete beta function (Abramowitz & Stegun 26.5.8), evaluated
 * by the modified Lentz method. It converges quickly for x < (a + 1) / (a + b + 2).
 */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const sum = a + b;
  let c = 1;
  let d = 1 - (sum * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let fraction = d;

  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const twoM = 2 * m;
    const even = (m * (b - m) * x) / ((a - 1 + twoM) * (a + twoM));
    d = 1 + even * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + even / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    fraction *= d * c;

    const odd = (-(a + m) * (sum + m) * x) / ((a + twoM) * (a + 1 + twoM));
    d = 1 + odd * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + odd / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return fraction;
}

/**
 * Both tails of the regularized incomplete beta function, I_x(a, b) and 1 − I_x(a, b). The
 * caller passes x and y = 1 − x separately so that an x close to 1 keeps its complement's
 * digits. Whichever tail the continued fraction converges for is computed directly, so a
 * small tail keeps its relative precision.
 */
export function incompleteBeta(
  x: number,
  y: number,
  a: number,
  b: number,
): { lower: number; upper: number } {
  if (x <= 0) return { lower: 0, upper: 1 };
  if (y <= 0) return { lower: 1, upper: 0 };

  // ln x from its complement when x is near 1 (and vice versa): with a in the millions, one
  // ulp of error in ln x would otherwise cost six digits of the result.
  const logX = x > 0.5 ? Math.log1p(-y) : Math.log(x);
  const logY = y > 0.5 ? Math.log1p(-x) : Math.log(y);
  const logFront = a * logX + b * logY - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) {
    const lower = (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
    return { lower, upper: 1 - lower };
  }
  const upper = (Math.exp(logFront) * betaContinuedFraction(y, b, a)) / b;
  return { lower: 1 - upper, upper };
}

/** Two-sided p-value P(|T| >= |t|) for Student's t with df > 0 degrees of freedom. */
export function studentTTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  const square = t * t;
  // P(|T| >= |t|) = I_{df/(df+t²)}(df/2, 1/2); both arguments of the pair are computed
  // directly from t so neither is a difference of nearly equal numbers.
  const x = df / (df + square);
  const y = square / (df + square);
  return Math.min(1, incompleteBeta(x, y, df / 2, 0.5).lower);
}
