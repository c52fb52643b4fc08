import { CellTable, Dictionary } from './cell-table';
import { seededRandom } from '../datagen/prng';

function contents(table: CellTable): Map<number, number[]> {
  const out = new Map<number, number[]>();
  let reports = 0;
  table.forEach((key, values, at) => {
    reports++;
    out.set(key, Array.from(values.subarray(at, at + table.width)));
  });
  expect(reports).toBe(out.size);
  return out;
}

describe('CellTable', () => {
  it('should give zeros for a new key and the same slot for a known key', () => {
    const table = new CellTable(3, 16);
    const at = table.slot(-5);
    expect(Array.from(table.data.subarray(at, at + 3))).toEqual([0, 0, 0]);
    table.data[at + 2] = 9;
    expect(table.slot(-5)).toBe(at);
    expect(table.size).toBe(1);
    expect(contents(table)).toEqual(new Map([[-5, [0, 0, 9]]]));
  });

  it('should hold key 0 as a cell when it is added', () => {
    const table = new CellTable(1, 16);
    table.addFrom(0, new Float64Array([4]), 0);
    expect(contents(table)).toEqual(new Map([[0, [4]]]));
  });

  it('should match a Map reference when random adds and subtracts grow it past thousands of keys', () => {
    const rand = seededRandom(51);
    const table = new CellTable(2, 16);
    const reference = new Map<number, number[]>();
    const keys: number[] = [];
    for (let i = 0; i < 60_000; i++) {
      const reuse = keys.length > 0 && rand() < 0.4;
      const r = rand();
      // Small keys, grid-style keys (row·2^24 + col) and keys up to 2^53, either sign.
      const magnitude = r < 0.4 ? Math.floor(rand() * 5000) : r < 0.7 ? Math.floor(rand() * 5000) * 16777216 + Math.floor(rand() * 64) : Math.floor(rand() * 2 ** 53);
      const key = reuse ? keys[Math.floor(rand() * keys.length)] : (rand() < 0.5 ? -1 : 1) * magnitude;
      const sign = reuse && rand() < 0.3 ? -1 : 1;
      const measures = [1 + Math.floor(rand() * 4), Math.floor(rand() * 1e9)];
      table.addFrom(key, new Float64Array([99, ...measures]), 1, sign);
      if (!reference.has(key)) {
        keys.push(key);
      }
      const ref = reference.get(key) ?? [0, 0];
      reference.set(key, [ref[0] + sign * measures[0], ref[1] + sign * measures[1]]);
    }
    expect(reference.size).toBeGreaterThan(20_000);
    expect(table.size).toBe(reference.size);
    const got = contents(table);
    expect(got.size).toBe(reference.size);
    for (const [key, ref] of reference) {
      expect(got.get(key)).toEqual(ref);
    }
  });

  it('should pack [key, measures…] once per cell when asked', () => {
    const table = new CellTable(2, 16);
    for (let k = 1; k <= 100; k++) {
      table.addFrom(k * 1e9, new Float64Array([1, k]), 0);
    }
    const packed = table.pack();
    expect(packed.length).toBe(300);
    const seen = new Map<number, number[]>();
    for (let p = 0; p < packed.length; p += 3) {
      seen.set(packed[p], [packed[p + 1], packed[p + 2]]);
    }
    expect(seen).toEqual(contents(table));
  });
});

describe('Dictionary', () => {
  it('should give ids in first-seen order when values repeat', () => {
    const dict = new Dictionary(10);
    expect(['B', 'A', 'B', 'C', 'A'].map((v) => dict.id(v))).toEqual([0, 1, 0, 2, 1]);
    expect(dict.values).toEqual(['B', 'A', 'C']);
  });

  it('should answer -1 and forget its values when more distinct values than the limit arrive', () => {
    const dict = new Dictionary(2);
    dict.id('A');
    dict.id('B');
    expect(dict.id('A')).toBe(0);
    expect(dict.isFull).toBe(false);
    expect(dict.id('C')).toBe(-1);
    expect(dict.isFull).toBe(true);
    expect(dict.id('A')).toBe(-1);
    expect(dict.values).toEqual([]);
  });
});
