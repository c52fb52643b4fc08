import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { SpillingKeyCounter } from './spilling-key-counter';

/** Deterministic [0, 1) numbers (mulberry32). */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct non-zero safe integers: small, past 2^32, anywhere below 2^53, next to 2^53; either sign. */
function keyPool(rand: () => number, count: number): number[] {
  const keys = new Set<number>();
  while (keys.size < count) {
    const r = rand();
    const magnitude =
      r < 0.25
        ? 1 + Math.floor(rand() * 1000)
        : r < 0.5
          ? 2 ** 32 + Math.floor(rand() * 1e6)
          : r < 0.75
            ? 1 + Math.floor(rand() * (Number.MAX_SAFE_INTEGER - 1))
            : Number.MAX_SAFE_INTEGER - Math.floor(rand() * 1000);
    keys.add(rand() < 0.5 ? -magnitude : magnitude);
  }
  return [...keys];
}

/** Adds to the counter and to a plain Map; returns the keys the counter must report (total > 0). */
class Reference {
  readonly totals = new Map<number, number>();

  constructor(private readonly counter: SpillingKeyCounter) {}

  add(key: number, delta: number): void {
    this.counter.add(key, delta);
    this.totals.set(key, (this.totals.get(key) ?? 0) + delta);
  }

  get expected(): Map<number, number> {
    return new Map([...this.totals].filter(([, total]) => total > 0));
  }
}

/** Every entry, checking each key comes once. */
function entriesOf(counter: SpillingKeyCounter): Map<number, number> {
  const list = [...counter.entries()];
  const map = new Map(list);
  expect(map.size).toBe(list.length);
  return map;
}

describe('SpillingKeyCounter', () => {
  let dir: string;
  let spillPath: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'spill-spec-'));
    spillPath = path.join(dir, 'customers');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([1, 2, 3])('should count like a Map when random keys spill many times with positive and negative deltas (seed %i)', (seed) => {
    const rand = seededRandom(seed);
    const pool = keyPool(rand, 3000);
    const counter = new SpillingKeyCounter(50, spillPath);
    const ref = new Reference(counter);
    for (let i = 0; i < 30_000; i++) {
      const key = pool[Math.floor(rand() * pool.length)];
      const total = ref.totals.get(key) ?? 0;
      const r = rand();
      if (r < 0.15 && total > 0) {
        // A row taken back after loading: never more than was counted.
        ref.add(key, -Math.max(1, Math.floor(rand() * total)));
      } else if (r < 0.2 && total > 0) {
        ref.add(key, -total); // counted back to exactly 0: must not be reported
      } else {
        ref.add(key, 1 + Math.floor(rand() * 5));
      }
    }
    expect(counter.hasSpilled).toBe(true);
    expect(counter.spills).toBeGreaterThan(50);
    expect(ref.expected.size).toBeLessThan(ref.totals.size);

    expect(entriesOf(counter)).toEqual(ref.expected);
    expect(readdirSync(dir)).toEqual([]);
    // 3000 keys in 16 partitions are ~190 each: every one is split again to stay within 50.
    expect(counter.splits).toBeGreaterThanOrEqual(16);
    expect(counter.peakCountedKeys).toBeLessThanOrEqual(50);
  });

  it('should split partitions again, level after level, so no more than maxKeys keys are counted at once', () => {
    const counter = new SpillingKeyCounter(10, spillPath);
    const ref = new Reference(counter);
    const pool = keyPool(seededRandom(7), 20_000);
    pool.forEach((key, i) => ref.add(key, 1 + (i % 3)));
    pool.slice(0, 5000).forEach((key) => ref.add(key, -1));
    expect(entriesOf(counter)).toEqual(ref.expected);
    // 20,000 keys: 1,250 a partition, ~78 after one split, ~5 after two.
    expect(counter.splits).toBeGreaterThan(16 + 16 * 16 * 0.9);
    expect(counter.peakCountedKeys).toBeLessThanOrEqual(10);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('should remove the files of split partitions when disposed part way', () => {
    const counter = new SpillingKeyCounter(10, spillPath);
    keyPool(seededRandom(8), 2000).forEach((key) => counter.add(key));
    for (const _entry of counter.entries()) {
      expect(readdirSync(dir).some((name) => /\.spill\.\d+$/.test(name))).toBe(true);
      break;
    }
    counter.dispose();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('should net negative deltas against counts spilled before when the negatives spill on their own', () => {
    const counter = new SpillingKeyCounter(10, spillPath);
    const ref = new Reference(counter);
    for (let k = 1; k <= 100; k++) {
      ref.add(k * 1_000_003, 3);
    }
    for (let k = 1; k <= 100; k++) {
      ref.add(k * 1_000_003, k % 2 === 0 ? -3 : -1);
    }
    expect(entriesOf(counter)).toEqual(ref.expected);
    expect(ref.expected.size).toBe(50);
  });

  it('should count in memory and create no file when nothing spills', () => {
    const counter = new SpillingKeyCounter(1000, spillPath);
    const ref = new Reference(counter);
    [
      [5, 2],
      [-5, 1],
      [2 ** 53 - 1, 4],
      [-(2 ** 53 - 1), 1],
      [5, 3],
      [7, 1],
      [7, -1],
      [-5, -1],
    ].forEach(([key, delta]) => ref.add(key, delta));
    expect(readdirSync(dir)).toEqual([]);

    expect(entriesOf(counter)).toEqual(
      new Map([
        [5, 5],
        [2 ** 53 - 1, 4],
        [-(2 ** 53 - 1), 1],
      ]),
    );
    expect(counter.hasSpilled).toBe(false);
    expect(counter.spills).toBe(0);
    counter.dispose();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('should throw when entries() is called a second time', () => {
    const counter = new SpillingKeyCounter(1000, spillPath);
    counter.add(1);
    expect([...counter.entries()]).toEqual([[1, 1]]);
    expect(() => counter.entries().next()).toThrow('SpillingKeyCounter.entries() was already called');
  });

  it('should remove every partition file when disposed after spilling', () => {
    const counter = new SpillingKeyCounter(10, spillPath);
    for (let k = 1; k <= 500; k++) {
      counter.add(k);
    }
    expect(readdirSync(dir).sort()).toEqual(Array.from({ length: 16 }, (_, p) => `customers.${p}.spill`).sort());
    counter.dispose();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('should leave no partition file and dispose without error when entries() was read to the end', () => {
    const counter = new SpillingKeyCounter(10, spillPath);
    for (let k = 1; k <= 500; k++) {
      counter.add(k);
    }
    expect(entriesOf(counter).size).toBe(500);
    expect(readdirSync(dir)).toEqual([]);
    expect(() => counter.dispose()).not.toThrow();
  });

  it('should remove every partition file without throwing when disposed while entries() is read part way', () => {
    const counter = new SpillingKeyCounter(10, spillPath);
    for (let k = 1; k <= 500; k++) {
      counter.add(k);
    }
    for (const entry of counter.entries()) {
      expect(entry[1]).toBe(1);
      break; // the import stopped while its counts were being read
    }
    expect(() => counter.dispose()).not.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});
