import { KeyCountMap } from './key-count-map';
import { seededRandom } from '../datagen/prng';

function entries(map: KeyCountMap): Map<number, number> {
  const out = new Map<number, number>();
  let reports = 0;
  map.forEach((key, count) => {
    reports++;
    out.set(key, count);
  });
  expect(reports).toBe(out.size);
  return out;
}

/** A random non-zero safe integer key: small, negative, past 2^32, or near 2^53. */
function randomKey(rand: () => number): number {
  const r = rand();
  const small = 1 + Math.floor(rand() * 1000);
  const past32 = 2 ** 32 + Math.floor(rand() * 1e6);
  const wide = Math.floor(rand() * 2 ** 52) + 1;
  const nearMax = Number.MAX_SAFE_INTEGER - Math.floor(rand() * 1000);
  const magnitude = r < 0.3 ? small : r < 0.6 ? past32 : r < 0.8 ? wide : nearMax;
  return rand() < 0.5 ? -magnitude : magnitude;
}

describe('KeyCountMap', () => {
  it('should count adds and deltas per key when keys repeat', () => {
    const map = new KeyCountMap(16);
    map.add(7);
    map.add(7);
    map.add(-7, 5);
    expect(map.get(7)).toBe(2);
    expect(map.get(-7)).toBe(5);
    expect(map.get(8)).toBe(0);
    expect(map.size).toBe(2);
    expect(entries(map)).toEqual(
      new Map([
        [7, 2],
        [-7, 5],
      ]),
    );
  });

  it('should skip a key in forEach but keep it in size when it is counted back to 0', () => {
    const map = new KeyCountMap(16);
    map.add(42, 2);
    map.add(42, -1);
    map.add(42, -1);
    expect(map.get(42)).toBe(0);
    expect(map.size).toBe(1);
    expect(entries(map).size).toBe(0);
    map.add(42);
    expect(entries(map)).toEqual(new Map([[42, 1]]));
  });

  it('should throw and keep the count when a subtraction would go below 0', () => {
    const map = new KeyCountMap(16);
    map.add(3);
    expect(() => map.add(3, -2)).toThrow(RangeError);
    expect(map.get(3)).toBe(1);
  });

  it('should throw and add nothing when subtracting a key that was never added', () => {
    const map = new KeyCountMap(16);
    expect(() => map.add(99, -1)).toThrow(/never counted/);
    expect(map.size).toBe(0);
  });

  it('should throw when the key is 0, NaN or not a safe integer', () => {
    const map = new KeyCountMap(16);
    for (const key of [0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53)]) {
      expect(() => map.add(key)).toThrow(RangeError);
    }
  });

  it('should match a Map reference when it grows past many thousands of keys', () => {
    const rand = seededRandom(41);
    const map = new KeyCountMap(16);
    const reference = new Map<number, number>();
    const keys: number[] = [];
    for (let i = 0; i < 120_000; i++) {
      if (keys.length > 0 && rand() < 0.3) {
        const key = keys[Math.floor(rand() * keys.length)];
        const count = reference.get(key)!;
        if (count > 0) {
          map.add(key, -1);
          reference.set(key, count - 1);
        }
      } else {
        const key = keys.length > 0 && rand() < 0.3 ? keys[Math.floor(rand() * keys.length)] : randomKey(rand);
        if (!reference.has(key)) {
          keys.push(key);
        }
        map.add(key);
        reference.set(key, (reference.get(key) ?? 0) + 1);
      }
    }
    expect(reference.size).toBeGreaterThan(30_000);
    expect(map.size).toBe(reference.size);
    expect(entries(map)).toEqual(new Map([...reference].filter(([, n]) => n > 0)));
    for (const key of keys.slice(0, 2000)) {
      expect(map.get(key)).toBe(reference.get(key));
    }
  });

  it('should keep keys apart when they differ only in sign or in the high 32 bits', () => {
    const map = new KeyCountMap(16);
    const keys = [1, -1, 2 ** 32 + 1, -(2 ** 32 + 1), 2 ** 33 + 1, 2 ** 52 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    keys.forEach((key, i) => map.add(key, i + 1));
    expect(entries(map)).toEqual(new Map(keys.map((key, i) => [key, i + 1])));
  });
});
