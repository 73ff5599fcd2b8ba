/**
 * A seeded 32-bit generator (mulberry32) returning uniforms in [0, 1). Not cryptographic;
 * fast and reproducible, which is what simulations in tests need.
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A Binomial(n, p) draw by inversion: walk the probabilities upward from 0 until the uniform
 * is covered. Exact, and quick while n·p is small (tens), as in the simulated campaign looks;
 * (1 − p)^n must not underflow, which holds for n·p below about 700.
 */
export function sampleBinomial(random: () => number, n: number, p: number): number {
  if (p > 0.5) return n - sampleBinomial(random, n, 1 - p);
  const u = random();
  let probability = (1 - p) ** n;
  let cumulative = probability;
  let k = 0;
  const ratio = p / (1 - p);
  while (u > cumulative && k < n) {
    probability *= (ratio * (n - k)) / (k + 1);
    k += 1;
    cumulative += probability;
  }
  return k;
}
