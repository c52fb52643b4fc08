import { hashKey } from './cell-table';

/**
 * Counts per non-zero integer key (|key| < 2^53), e.g. transactions per customer: keys and counts
 * in two typed arrays with open addressing, 12 bytes a slot (a Map measured ~100 bytes an
 * entry). Counts can go down again (a row removed after loading); a key counted back to 0 stays
 * in the table and is skipped by forEach.
 */
export class KeyCountMap {
  private keys: Float64Array;
  private counts: Uint32Array;
  private mask: number;
  private used = 0;

  constructor(initialCapacity = 1 << 16) {
    const capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.keys = new Float64Array(capacity);
    this.counts = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Keys ever added, including those counted back to 0. */
  get size(): number {
    return this.used;
  }

  add(key: number, delta = 1): void {
    if (key === 0 || !(Math.abs(key) <= Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`KeyCountMap: key must be a non-zero safe integer, got ${key}`);
    }
    let i = probe(this.keys, this.mask, key);
    if (this.keys[i] === 0) {
      if (delta < 0) {
        throw new RangeError(`KeyCountMap: key ${key} was never counted`);
      }
      if ((this.used + 1) * 10 > this.keys.length * 7) {
        this.grow();
        i = probe(this.keys, this.mask, key);
      }
      this.keys[i] = key;
      this.used++;
    }
    const next = this.counts[i] + delta;
    if (next < 0) {
      throw new RangeError(`KeyCountMap: count of key ${key} would fall below 0`);
    }
    this.counts[i] = next;
  }

  get(key: number): number {
    const i = probe(this.keys, this.mask, key);
    return this.keys[i] === 0 ? 0 : this.counts[i];
  }

  /** [key, count] of every key whose count is above 0, one at a time. */
  *entries(): Generator<[number, number]> {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== 0 && this.counts[i] > 0) {
        yield [this.keys[i], this.counts[i]];
      }
    }
  }

  forEach(fn: (key: number, count: number) => void): void {
    for (const [key, count] of this.entries()) {
      fn(key, count);
    }
  }

  private grow(): void {
    const { keys, counts } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.counts = new Uint32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] !== 0) {
        const i = probe(this.keys, this.mask, keys[j]);
        this.keys[i] = keys[j];
        this.counts[i] = counts[j];
      }
    }
  }
}

/** The slot holding `key`, or the empty slot (key 0) where it belongs; linear probing. */
function probe(keys: Float64Array, mask: number, key: number): number {
  let i = hashKey(key) & mask;
  while (keys[i] !== 0 && keys[i] !== key) {
    i = (i + 1) & mask;
  }
  return i;
}
