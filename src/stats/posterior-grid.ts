// Where each Beta posterior has its mass, described on the logit scale t = ln(x / (1 − x)).
// There every Beta(a, b) density, x^a (1 − x)^b / B(a, b), is smooth and log-concave with
// exponential tails, even when a or b is below 1 (where the density in x is infinite at an
// end), so one kind of quadrature panel serves rates of 50 % and of 0.001 % alike.

/** ln-density drop at which a posterior's range ends: e^-37 ≈ 1e-16 of the peak. */
const RANGE_DROP = 37;
/** Breakpoints sit where the ln-density has dropped by (k·STEP)²/2: STEP standard deviations
 * apart where the posterior is close to normal, wider in exponential tails. One standard
 * deviation per 8-point panel already integrates to about 1e-14; the spare accuracy costs
 * little and covers shapes the tests have not met. */
const STEP = 1;
const LEVELS = Math.ceil(Math.sqrt(2 * RANGE_DROP) / STEP);
/** x(1 − x) has poles at t = ±iπ; panels up to this wide keep 8-point Gauss–Legendre exact
 * to about 1e-13 for the expected-loss weight where that weight is not negligible. */
const MAX_WEIGHT_PANEL = 2;
const WEIGHT_RANGE = 40;

function logSigmoid(t: number): number {
  return t >= 0 ? -Math.log1p(Math.exp(-t)) : t - Math.log1p(Math.exp(t));
}

function sigmoid(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

/** ln of the unnormalised density of t = logit(x) for x ~ Beta(a, b). */
function logDensity(t: number, a: number, b: number): number {
  return a * logSigmoid(t) + b * logSigmoid(-t);
}

/** Its derivative, a(1 − x) − b x. */
function logDensitySlope(t: number, a: number, b: number): number {
  return a * sigmoid(-t) - b * sigmoid(t);
}

export interface PosteriorShape {
  a: number;
  b: number;
  /** ln-density at the mode, subtracted before exponentiating. */
  peak: number;
  /** Breakpoints from the lower to the upper end of the range, mode included. */
  cuts: number[];
}

/**
 * The t on one side of the mode where the ln-density equals `level`: Newton's method from a
 * point beyond it, which for a concave function approaches the root monotonically, guarded
 * by bisection.
 */
function solveLevel(a: number, b: number, mode: number, level: number, guess: number): number {
  let inner = mode;
  let outer = guess;
  while (logDensity(outer, a, b) > level) {
    inner = outer;
    outer = mode + 2 * (outer - mode);
  }

  let t = outer;
  // Breakpoints need not be exact: a nearby point serves as well as a panel edge.
  const tolerance = 1e-7 * (Math.abs(outer - mode) + 1e-300);
  for (let iteration = 0; iteration < 100; iteration++) {
    const excess = logDensity(t, a, b) - level;
    if (excess > 0) inner = t;
    else outer = t;
    let next = t - excess / logDensitySlope(t, a, b);
    const low = Math.min(inner, outer);
    const high = Math.max(inner, outer);
    if (!(next > low && next < high)) next = (inner + outer) / 2;
    if (Math.abs(next - t) <= tolerance) return next;
    t = next;
  }
  return t;
}

/** Breakpoints of one Beta(a, b) posterior on the logit scale. */
export function describePosterior(a: number, b: number): PosteriorShape {
  const mode = Math.log(a / b);
  const peak = logDensity(mode, a, b);
  const scale = Math.sqrt(1 / a + 1 / b);
  const cuts = [mode];

  for (const side of [-1, 1]) {
    let previous = mode;
    let previousDrop = 0;
    for (let k = 1; k <= LEVELS; k++) {
      const drop = Math.min(RANGE_DROP, (k * STEP) ** 2 / 2);
      // From the mode a normal approximation guesses the first point; further out the
      // tangent line, which for a concave ln-density always lands beyond the target.
      const guess =
        k === 1
          ? mode + side * STEP * scale
          : previous + (side * (drop - previousDrop)) / Math.abs(logDensitySlope(previous, a, b));
      const cut = solveLevel(a, b, mode, peak - drop, guess);
      if (side < 0) cuts.unshift(cut);
      else cuts.push(cut);
      previous = cut;
      previousDrop = drop;
    }
  }
  return { a, b, peak, cuts };
}

/**
 * The union of every posterior's breakpoints, so each panel lies inside or outside each
 * posterior's range and is no wider than that posterior's own panels. Wide panels where
 * x(1 − x) is not negligible are split for the expected-loss integrand.
 */
export function mergeCuts(shapes: readonly PosteriorShape[]): number[] {
  const all = shapes.flatMap((shape) => shape.cuts).sort((x, y) => x - y);
  const merged: number[] = [];
  for (const cut of all) {
    const last = merged[merged.length - 1];
    if (last === undefined || cut > last) merged.push(cut);
  }

  const refined: number[] = [];
  merged.forEach((cut, index) => {
    const next = merged[index + 1];
    refined.push(cut);
    if (next === undefined) return;
    const width = next - cut;
    const relevant = next > -WEIGHT_RANGE && cut < WEIGHT_RANGE;
    if (relevant && width > MAX_WEIGHT_PANEL) {
      const pieces = Math.ceil(width / MAX_WEIGHT_PANEL);
      for (let piece = 1; piece < pieces; piece++) refined.push(cut + (width * piece) / pieces);
    }
  });
  return refined;
}
