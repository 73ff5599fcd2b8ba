// Times the statistics engine on the largest campaign the report shows (eight variants with
// a million leads each) and compares the posterior figures with the Monte Carlo estimate a
// simpler engine would use. Run with `npx tsx bench/run.ts stats`.
import {
  decide,
  expectedLoss,
  probabilityToBeBest,
  type Arm,
  type VariantResult,
} from '../src/stats';

const TARGET_MS = 5;
const DRAWS = 100_000;

/** Seeded uniform generator (mulberry32), so every run draws the same numbers. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by the Marsaglia polar method. */
function createNormal(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    for (;;) {
      const u = 2 * random() - 1;
      const v = 2 * random() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = Math.sqrt((-2 * Math.log(s)) / s);
        spare = v * factor;
        return u * factor;
      }
    }
  };
}

/** Gamma(shape >= 1) draws by Marsaglia & Tsang (2000). */
function sampleGamma(shape: number, random: () => number, normal: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal();
    const base = 1 + c * x;
    if (base <= 0) continue;
    const v = base * base * base;
    const u = random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Monte Carlo estimates of both posterior figures from `DRAWS` joint posterior draws. */
function monteCarlo(arms: readonly Arm[]): { best: number[]; loss: number[] } {
  const random = createRandom(20240611);
  const normal = createNormal(random);
  const wins = new Array<number>(arms.length).fill(0);
  const shortfall = new Array<number>(arms.length).fill(0);
  const rates = new Array<number>(arms.length).fill(0);
  for (let draw = 0; draw < DRAWS; draw++) {
    let top = 0;
    arms.forEach((arm, i) => {
      const a = sampleGamma(1 + arm.successes, random, normal);
      const b = sampleGamma(1 + arm.trials - arm.successes, random, normal);
      rates[i] = a / (a + b);
      if ((rates[i] ?? 0) > (rates[top] ?? 0)) top = i;
    });
    wins[top] = (wins[top] ?? 0) + 1;
    const max = rates[top] ?? 0;
    rates.forEach((rate, i) => (shortfall[i] = (shortfall[i] ?? 0) + max - rate));
  }
  return { best: wins.map((w) => w / DRAWS), loss: shortfall.map((s) => s / DRAWS) };
}

/** Median wall time of `run` in milliseconds, after a warm-up. */
function medianTime(run: () => unknown, repetitions: number, warmUp = 5): number {
  for (let i = 0; i < warmUp; i++) run();
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

function largestDifference(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((value, i) => Math.abs(value - (b[i] ?? Number.NaN))));
}

function verdict(ms: number): string {
  return ms < TARGET_MS ? `under the ${TARGET_MS} ms target` : `OVER the ${TARGET_MS} ms target`;
}

export default async function run(): Promise<void> {
  const arms: Arm[] = Array.from({ length: 8 }, (_, i) => ({
    trials: 1_000_000,
    successes: 1000 + 12 * i,
  }));
  const results: VariantResult[] = arms.map((arm, i) => ({
    key: `v${i}`,
    name: `Variant ${String.fromCharCode(65 + i)}`,
    control: i === 0,
    weight: 1,
    enrolled: arm.trials,
    leads: arm.trials,
    customers: arm.successes,
  }));
  console.log('8 arms × 1,000,000 leads, rates 0.100 %–0.108 %');

  const exactBest = probabilityToBeBest(arms);
  const exactLoss = expectedLoss(arms);
  const sampled = monteCarlo(arms);

  const bestMs = medianTime(() => probabilityToBeBest(arms), 101);
  const bestMonteCarloMs = medianTime(() => monteCarlo(arms).best, 5, 1);
  console.log(
    `probabilityToBeBest: median ${bestMs.toFixed(3)} ms (${verdict(bestMs)}); ` +
      `Monte Carlo (${DRAWS.toLocaleString('en-US')} draws) ${bestMonteCarloMs.toFixed(1)} ms, ` +
      `${(bestMonteCarloMs / bestMs).toFixed(0)}× slower; ` +
      `largest gap to Monte Carlo ${largestDifference(exactBest, sampled.best).toFixed(4)}`,
  );

  const lossMs = medianTime(() => expectedLoss(arms), 101);
  const lossMonteCarloMs = medianTime(() => monteCarlo(arms).loss, 5, 1);
  console.log(
    `expectedLoss: median ${lossMs.toFixed(3)} ms (${verdict(lossMs)}); ` +
      `Monte Carlo (${DRAWS.toLocaleString('en-US')} draws) ${lossMonteCarloMs.toFixed(1)} ms, ` +
      `${(lossMonteCarloMs / lossMs).toFixed(0)}× slower; ` +
      `largest gap to Monte Carlo ${largestDifference(exactLoss, sampled.loss).toExponential(2)}`,
  );

  const policy = { confidence: 0.95, minimumDetectableEffect: 0.001 };
  const decideMs = medianTime(() => decide(results, policy), 101);
  const bayesianMs = medianTime(() => decide(results, { ...policy, method: 'bayesian' }), 101);
  console.log(
    `decide: median ${decideMs.toFixed(3)} ms sequential (${verdict(decideMs)}), ` +
      `${bayesianMs.toFixed(3)} ms bayesian (${verdict(bayesianMs)}); verdict: ` +
      decide(results, policy).kind,
  );
}
