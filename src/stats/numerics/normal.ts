// Standard normal distribution functions accurate to about 1e-15 relative in both tails, so
// a z of 37 gives a p-value of 1.7e-299 rather than 0. Math.erf does not exist in JavaScript
// and jstat computes the upper tail as 1 - cdf, which loses every digit beyond z ≈ 8.

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

// W. J. Cody (1969), "Rational Chebyshev approximations for the error function",
// Mathematics of Computation 23, 631–637: one rational form per range of |x|.
const CENTRAL_NUM = [
  2.2352520354606837, 161.02823106855587, 1067.6894854603709, 18154.98125334356,
  0.06568233791820745,
];
const CENTRAL_DEN = [47.202581904688245, 976.0985517377767, 10260.932208618979, 45507.78933502673];
const MIDDLE_NUM = [
  0.39894151208813466, 8.883149794388377, 93.50665613217785, 597.2702763948002, 2494.5375852903726,
  6848.190450536283, 11602.65143764735, 9842.714838383978, 1.0765576773720192e-8,
];
const MIDDLE_DEN = [
  22.266688044328117, 235.387901782625, 1519.3775994075547, 6485.558298266761, 18615.571640885097,
  34900.95272114598, 38912.00328609327, 19685.429676859992,
];
const TAIL_NUM = [
  0.215898534057957, 0.12740116116024736, 0.022235277870649807, 0.0014216191932278934,
  2.9112874951168793e-5, 0.023073441764940174,
];
const TAIL_DEN = [
  1.284260096144911, 0.4682382124808651, 0.06598813786892856, 0.0037823963320275824,
  7.297515550839662e-5,
];

function at(coefficients: readonly number[], index: number): number {
  return coefficients[index] ?? 0;
}

/** P(Z > y) for y >= 0.66291, by Cody's middle and tail forms. */
function farTail(y: number): number {
  let ratio: number;
  if (y <= Math.sqrt(32)) {
    let num = at(MIDDLE_NUM, 8) * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + at(MIDDLE_NUM, i)) * y;
      den = (den + at(MIDDLE_DEN, i)) * y;
    }
    ratio = (num + at(MIDDLE_NUM, 7)) / (den + at(MIDDLE_DEN, 7));
  } else if (y < 40) {
    const inverseSquare = 1 / (y * y);
    let num = at(TAIL_NUM, 5) * inverseSquare;
    let den = inverseSquare;
    for (let i = 0; i < 4; i++) {
      num = (num + at(TAIL_NUM, i)) * inverseSquare;
      den = (den + at(TAIL_DEN, i)) * inverseSquare;
    }
    ratio = (inverseSquare * (num + at(TAIL_NUM, 4))) / (den + at(TAIL_DEN, 4));
    ratio = (INV_SQRT_2PI - ratio) / y;
  } else {
    // P(Z > 40) < 1e-349 is below the smallest double.
    return 0;
  }

  // exp(-y²/2) split so that the large part of y² is exact in floating point.
  const rounded = Math.floor(y * 16) / 16;
  const remainder = (y - rounded) * (y + rounded);
  return Math.exp(-rounded * rounded * 0.5) * Math.exp(-remainder * 0.5) * ratio;
}

/** P(Z <= x) for a standard normal Z. */
export function normalCdf(x: number): number {
  return normalSurvival(-x);
}

/** P(Z > x) for a standard normal Z, accurate far into the upper tail. */
export function normalSurvival(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.66291) {
    const square = y > 1.1e-16 ? x * x : 0;
    let num = at(CENTRAL_NUM, 4) * square;
    let den = square;
    for (let i = 0; i < 3; i++) {
      num = (num + at(CENTRAL_NUM, i)) * square;
      den = (den + at(CENTRAL_DEN, i)) * square;
    }
    return 0.5 - (x * (num + at(CENTRAL_NUM, 3))) / (den + at(CENTRAL_DEN, 3));
  }
  const tail = farTail(y);
  return x > 0 ? tail : 1 - tail;
}

export function normalDensity(x: number): number {
  return Math.exp(-0.5 * x * x - LN_SQRT_2PI);
}

// M. J. Wichura (1988), "Algorithm AS 241: The percentage points of the normal
// distribution", Applied Statistics 37, 477–484 (PPND16, about 1e-16 relative).
const AS241_A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const AS241_B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852854,
];
const AS241_C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
];
const AS241_D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008,
  0.015198666563616457, 0.0005475938084995345, 1.0507500716444169e-9,
];
const AS241_E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487,
  0.026532189526576124, 0.0012426609473880784, 2.7115555687434876e-5, 2.0103343992922881e-7,
];
const AS241_F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  1.8463183175100548e-5, 1.421511758316446e-7, 2.0442631033899397e-15,
];

function polynomial(coefficients: readonly number[], x: number): number {
  let sum = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) sum = sum * x + at(coefficients, i);
  return sum;
}

/** The p-quantile of the standard normal distribution, for p in (0, 1). */
export function normalQuantile(p: number): number {
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * polynomial(AS241_A, r)) / polynomial(AS241_B, r);
  }

  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value = polynomial(AS241_C, r) / polynomial(AS241_D, r);
  } else {
    r -= 5;
    value = polynomial(AS241_E, r) / polynomial(AS241_F, r);
  }
  return q < 0 ? -value : value;
}
