import { ownString } from '../cleaners';

/**
 * Sums of fixed-width measure vectors per numeric key, in typed arrays with open addressing (no
 * Map, no object or boxed number per cell: a Map keyed by numbers past 2^31 measured ~3 µs a row
 * on the load threads). Keys are integers with |key| < 2^53; every measure is an integer kept
 * below 2^53, so sums stay exact. `pack()` gives [key, m1, m2, …] tuples to transfer.
 */
/** A 32-bit hash of an integer key (|key| < 2^53): murmur3's finaliser over both halves. */
export function hashKey(key: number): number {
  const abs = key < 0 ? -key : key;
  const lo = abs % 4294967296;
  const hi = (abs - lo) / 4294967296;
  let h = (lo ^ Math.imul(hi | 0, 0x9e3779b1) ^ (key < 0 ? 0x5bd1e995 : 0)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class CellTable {
  /** Per slot: the key (NaN when free), then the measures; one cache line per lookup. */
  private cells: Float64Array;
  private readonly stride: number;
  private mask: number;
  private used = 0;

  constructor(
    readonly width: number,
    initialCapacity = 1024,
  ) {
    this.stride = width + 1;
    const capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.cells = CellTable.empty(capacity, this.stride);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.used;
  }

  /** Empties the table, keeping its memory (for reuse: a new table per round left dead buffers for V8 to collect late). */
  clear(): void {
    const { cells, stride } = this;
    for (let at = 0; at < cells.length; at += stride) {
      cells[at] = NaN;
      for (let i = 1; i < stride; i++) {
        cells[at + i] = 0;
      }
    }
    this.used = 0;
  }

  has(key: number): boolean {
    return this.cells[this.find(key)] === key;
  }

  /** The offset of `key`'s measures in `data`, creating them (zeros) when new. */
  slot(key: number): number {
    let at = this.find(key);
    if (this.cells[at] !== key) {
      if ((this.used + 1) * 10 > (this.mask + 1) * 7) {
        this.grow();
        at = this.find(key);
      }
      this.cells[at] = key;
      this.used++;
    }
    return at + 1;
  }

  /** The flat measures array; valid until the next slot() call (which may grow it). */
  get data(): Float64Array {
    return this.cells;
  }

  /** Adds `sign` × measures (a tuple's tail starting at `from` in `source`) to `key`. */
  addFrom(key: number, source: Float64Array, from: number, sign = 1): void {
    const at = this.slot(key);
    for (let i = 0; i < this.width; i++) {
      this.cells[at + i] += sign * source[from + i];
    }
  }

  forEach(fn: (key: number, values: Float64Array, at: number) => void): void {
    const { cells, stride } = this;
    for (let at = 0; at < cells.length; at += stride) {
      if (cells[at] === cells[at]) {
        fn(cells[at], cells, at + 1);
      }
    }
  }

  /** The offset of each cell's key in `data` (its measures follow), one at a time. */
  *offsets(): Generator<number> {
    const { cells, stride } = this;
    for (let at = 0; at < cells.length; at += stride) {
      if (cells[at] === cells[at]) {
        yield at;
      }
    }
  }

  /** [key, measures…] per cell, flat. */
  pack(): Float64Array {
    const out = new Float64Array(this.used * this.stride);
    let p = 0;
    this.forEach((key, values, at) => {
      out[p++] = key;
      for (let i = 0; i < this.width; i++) {
        out[p++] = values[at + i];
      }
    });
    return out;
  }

  /** The slot offset holding `key`, or the free slot where it belongs. */
  private find(key: number): number {
    return CellTable.probe(this.cells, this.stride, this.mask, key);
  }

  private static probe(cells: Float64Array, stride: number, mask: number, key: number): number {
    let i = hashKey(key) & mask;
    for (;;) {
      const k = cells[i * stride];
      if (k === key || k !== k) {
        return i * stride;
      }
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.cells;
    const stride = this.stride;
    const mask = (this.mask + 1) * 2 - 1;
    const cells = CellTable.empty(mask + 1, stride);
    for (let at = 0; at < old.length; at += stride) {
      const key = old[at];
      if (key === key) {
        const to = CellTable.probe(cells, stride, mask, key);
        for (let i = 0; i < stride; i++) {
          cells[to + i] = old[at + i];
        }
      }
    }
    this.cells = cells;
    this.mask = mask;
  }

  private static empty(capacity: number, stride: number): Float64Array {
    const cells = new Float64Array(capacity * stride);
    for (let at = 0; at < cells.length; at += stride) {
      cells[at] = NaN;
    }
    return cells;
  }
}

/**
 * Ids for strings, in first-seen order, within a limit (ids go into composite numeric keys). Past
 * the limit it answers -1 and forgets its strings: whatever is keyed by it must be computed
 * another way (bounded memory whatever the number of distinct values).
 */
export class Dictionary {
  private ids = new Map<string, number>();
  values: string[] = [];
  private full = false;

  constructor(private readonly limit: number) {}

  get isFull(): boolean {
    return this.full;
  }

  id(value: string): number {
    if (this.full) {
      return -1;
    }
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      if (id >= this.limit) {
        this.full = true;
        this.ids = new Map();
        this.values = [];
        return -1;
      }
      const own = ownString(value);
      this.ids.set(own, id);
      this.values.push(own);
    }
    return id;
  }
}
