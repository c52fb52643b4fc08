/**
 * Small, fast, seeded pseudo-random number generator for test-data generation.
 *
 * Core: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, passes PractRand),
 * seeded through splitmix32 so that nearby seeds (1, 2, 3…) give unrelated streams.
 * Not cryptographic. Everything here is deterministic for a given seed.
 */

const TWO_POW_32 = 4294967296;

/** splitmix32-style finalizer: a bijection on 32-bit unsigned integers with good avalanche. */
export function mix32(x: number): number {
  x = x >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** Combines two 32-bit values into one well-mixed 32-bit value (order matters). */
export function mixPair(a: number, b: number): number {
  return mix32((mix32(a) + Math.imul(b >>> 0, 0x9e3779b9)) >>> 0);
}

/**
 * Reduces any seed to 32 bits: integers keep all 53 bits (low and high halves are mixed),
 * non-integer numbers use their IEEE bits via their string form, strings are hashed (FNV-1a).
 */
export function hashSeed(seed: number | string): number {
  if (typeof seed === 'number') {
    if (Number.isSafeInteger(seed)) {
      const neg = seed < 0 ? 1 : 0;
      const abs = Math.abs(seed);
      const lo = abs >>> 0;
      const hi = Math.floor(abs / TWO_POW_32) >>> 0;
      return mixPair(mixPair(lo, hi), neg);
    }
    return hashSeed(String(seed));
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h >>> 0);
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = 0;
  private hasSpareNormal = false;

  constructor(seed: number | string = 0) {
    let s = hashSeed(seed);
    // splitmix32 to fill the state.
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      return mix32(s);
    };
    this.a = next() | 0;
    this.b = next() | 0;
    this.c = next() | 0;
    this.d = 1;
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  /** Uniform unsigned 32-bit integer. */
  nextU32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.c = (r + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Uniform element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)];
  }

  /** Standard normal (Box–Muller, second value cached), scaled to mean/sd. */
  normal(mean = 0, sd = 1): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return mean + sd * this.spareNormal;
    }
    const u1 = (this.nextU32() + 1) / (TWO_POW_32 + 1); // (0, 1): log never sees 0
    const u2 = this.float();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spareNormal = r * Math.sin(theta);
    this.hasSpareNormal = true;
    return mean + sd * r * Math.cos(theta);
  }

  /** Log-normal: exp(N(mu, sigma)). The median is exp(mu). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** An independent generator derived from this one's next outputs (for sub-streams). */
  fork(): Prng {
    return new Prng(mixPair(this.nextU32(), this.nextU32()));
  }
}

/** A sampler that returns index i with probability weights[i] / sum(weights). O(1) per draw. */
export type WeightedSampler = (rng: Prng) => number;

/**
 * Walker/Vose alias method: exact weighted sampling with one uniform draw per sample.
 * Weights must be finite, ≥ 0, and not all zero.
 */
export function weightedSampler(weights: readonly number[]): WeightedSampler {
  const n = weights.length;
  if (n === 0) throw new RangeError('weightedSampler: no weights');
  let total = 0;
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weightedSampler: bad weight ${w}`);
    total += w;
  }
  if (total <= 0) throw new RangeError('weightedSampler: all weights are zero');

  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = weights.map((w) => (w * n) / total);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  for (const i of large) prob[i] = 1;
  for (const i of small) prob[i] = 1; // only rounding leftovers
  for (let i = 0; i < n; i++) if (prob[i] === 1) alias[i] = i;

  return (rng: Prng): number => {
    const x = rng.float() * n;
    const i = x | 0;
    return x - i < prob[i] ? i : alias[i];
  };
}

/** Weighted pick of an element (convenience over weightedSampler for one-off use). */
export function weightedPick<T>(rng: Prng, items: readonly T[], weights: readonly number[]): T {
  if (items.length !== weights.length) throw new RangeError('weightedPick: items/weights length mismatch');
  let total = 0;
  for (const w of weights) total += w;
  let x = rng.float() * total;
  for (let i = 0; i < items.length; i++) {
    x -= weights[i];
    if (x < 0) return items[i];
  }
  return items[items.length - 1];
}

/** A seeded `() => number in [0, 1)` for tests that only need uniform draws. */
export function seededRandom(seed: number | string): () => number {
  const rng = new Prng(seed);
  return () => rng.float();
}
