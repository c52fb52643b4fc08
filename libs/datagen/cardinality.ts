import { mixPair } from './prng';

/**
 * Helpers for the generators' high-cardinality dimensions (zones, categories, regions, products):
 * popularity weights with a long tail, and a keyed cyclic order that visits every value.
 */

/** Most values a generated dimension may have (names are precomputed, one string each). */
export const MAX_DIMENSION_VALUES = 1_000_000;

/**
 * Weights of `n` values: the `head` weights first (the named values, in order), then a long tail
 * `tailScale / √(k + 2)` for the k-th generated value, so low indexes stay popular and the tail
 * thins out slowly (Zipf-like with exponent ½). With n ≤ head.length only the head is used.
 */
export function headTailWeights(n: number, head: readonly number[], tailScale: number): number[] {
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    weights.push(i < head.length ? head[i] : tailScale / Math.sqrt(i - head.length + 2));
  }
  return weights;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Visits 0..n-1 in a keyed scrambled order, then again in the same order, so any n consecutive
 * calls return every value exactly once: k ↦ (k·mul + add) mod n with gcd(mul, n) = 1. Uses no
 * random draws (the caller's stream is untouched). n ≤ MAX_DIMENSION_VALUES keeps k·mul exact.
 */
export class CoverageCycle {
  private k = 0;
  private readonly mul: number;
  private readonly add: number;

  constructor(
    readonly n: number,
    key: number,
  ) {
    checkDimension('CoverageCycle n', n);
    let mul = n === 1 ? 1 : (mixPair(key, 0x6d756c21 /* "mul!" */) % (n - 1)) + 1;
    while (gcd(mul, n) !== 1) mul = mul === n - 1 ? 1 : mul + 1;
    this.mul = mul;
    this.add = mixPair(key, 0x61646421 /* "add!" */) % n;
  }

  next(): number {
    const v = (this.k * this.mul + this.add) % this.n;
    this.k = this.k === this.n - 1 ? 0 : this.k + 1;
    return v;
  }
}

/** Throws unless `n` is an integer in [1, MAX_DIMENSION_VALUES]. */
export function checkDimension(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_DIMENSION_VALUES) {
    throw new RangeError(`${name} must be an integer in [1, ${MAX_DIMENSION_VALUES}], got ${n}`);
  }
}

/**
 * Names of a dimension with `n` values: the `named` ones first, then `prefix + label(k)` for
 * k = 1, 2, … where label is k in base 36, 'upper' ('1A2B') or 'title' ('1a2b', 'A1b': only the
 * first character upper-case, which a word-wise title-case leaves alone). Deterministic, and
 * distinct as long as no named value starts with `prefix`.
 */
export function dimensionNames(n: number, named: readonly string[], prefix: string, labelCase: 'upper' | 'title'): string[] {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i < named.length) {
      names.push(named[i]);
    } else {
      const label = (i - named.length + 1).toString(36);
      names.push(prefix + (labelCase === 'upper' ? label.toUpperCase() : label[0].toUpperCase() + label.slice(1)));
    }
  }
  return names;
}

/** Alternating case, starting upper: "downtown" → "DoWnToWn". */
export function mixedCase(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += i % 2 === 0 ? s[i].toUpperCase() : s[i].toLowerCase();
  return out;
}
