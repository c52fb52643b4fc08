import { CellTable } from './cell-table';
import { Grid } from './grid';
import { seededRandom } from '../datagen/prng';

/** Cells in the grid's sparse overflow table (a private field; 0 when there is none). */
function overflowSize(grid: Grid): number {
  return (grid as unknown as { overflow: CellTable | null }).overflow?.size ?? 0;
}

/** forEach as a map "row,col" → measures, failing on a cell reported twice or when entries() disagrees. */
function contents(grid: Grid): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let reports = 0;
  grid.forEach((row, col, data, at) => {
    reports++;
    out.set(`${row},${col}`, Array.from(data.subarray(at, at + grid.width)));
  });
  expect(reports).toBe(out.size);
  const viaEntries = new Map([...grid.entries()].map(([row, col, m]) => [`${row},${col}`, Array.from(m)]));
  expect(viaEntries).toEqual(out);
  return out;
}

/** The reference without cells whose count went back to 0. */
function nonEmpty(reference: Map<string, number[]>): Map<string, number[]> {
  return new Map([...reference].filter(([, m]) => m[0] !== 0));
}

describe('Grid', () => {
  it('should give zeros for a new cell and keep it when measures are written through slot and data', () => {
    const grid = new Grid(2);
    const at = grid.slot(-3, 5);
    expect([grid.data[at], grid.data[at + 1]]).toEqual([0, 0]);
    grid.data[at] += 1;
    grid.data[at + 1] += 250;
    expect(contents(grid)).toEqual(new Map([['-3,5', [1, 250]]]));
  });

  it('should move an overflow cell back into the dense band when a later reshape covers its row', () => {
    const grid = new Grid(1, 96);
    const one = new Float64Array([1]);
    grid.addFrom(0, 0, one, 0);
    grid.addFrom(10, 0, one, 0);
    grid.addFrom(-10, 0, one, 0); // rows -10..10 with headroom pass 96 cells: sparse table
    expect(overflowSize(grid)).toBe(1);
    grid.addFrom(-5, 0, one, 0); // rows -5..10 fit, with headroom below reaching -13
    expect(overflowSize(grid)).toBe(0);
    grid.addFrom(-10, 0, one, 0);
    expect(contents(grid)).toEqual(
      new Map([
        ['0,0', [1]],
        ['10,0', [1]],
        ['-10,0', [2]],
        ['-5,0', [1]],
      ]),
    );
  });

  it('should match a Map reference when random adds and subtracts spread rows far apart', () => {
    const rand = seededRandom(31);
    let sawOverflow = 0;
    let sawReturn = 0;
    for (let round = 0; round < 40; round++) {
      const grid = new Grid(3, [64, 96, 256, 1 << 12][round % 4]);
      const reference = new Map<string, number[]>();
      const added: Array<[number, number, number[]]> = [];
      let previousOverflow = 0;
      for (let i = 0; i < 600; i++) {
        if (added.length > 0 && rand() < 0.2) {
          const [row, col, m] = added.splice(Math.floor(rand() * added.length), 1)[0];
          grid.addFrom(row, col, new Float64Array(m), 0, -1);
          const ref = reference.get(`${row},${col}`)!;
          m.forEach((v, j) => (ref[j] -= v));
        } else {
          const r = rand();
          // Mostly a band around 0, some wider, some outliers far below and far above.
          const far = r < 0.9 ? -5000 - Math.floor(rand() * 3) : 100000 + Math.floor(rand() * 3);
          const row = r < 0.6 ? Math.floor(rand() * 30) - 10 : r < 0.8 ? Math.floor(rand() * 200) - 100 : far;
          const col = rand() < 0.9 ? Math.floor(rand() * 6) : Math.floor(rand() * 100);
          const m = [1 + Math.floor(rand() * 3), Math.floor(rand() * 1e6), Math.floor(rand() * 1e9)];
          if (rand() < 0.5) {
            grid.addFrom(row, col, new Float64Array(m), 0);
          } else {
            const at = grid.slot(row, col);
            m.forEach((v, j) => (grid.data[at + j] += v));
          }
          added.push([row, col, m]);
          const ref = reference.get(`${row},${col}`) ?? [0, 0, 0];
          m.forEach((v, j) => (ref[j] += v));
          reference.set(`${row},${col}`, ref);
        }
        const overflow = overflowSize(grid);
        sawOverflow += overflow > previousOverflow ? 1 : 0;
        sawReturn += overflow < previousOverflow ? 1 : 0;
        previousOverflow = overflow;
        if (i % 100 === 99) {
          expect(contents(grid)).toEqual(nonEmpty(reference));
        }
      }
      expect(contents(grid)).toEqual(nonEmpty(reference));
    }
    expect(sawOverflow).toBeGreaterThan(0);
    expect(sawReturn).toBeGreaterThan(0);
  });

  it('should rebuild the same cells when packed and added with mapped rows and cols', () => {
    const rand = seededRandom(32);
    const source = new Grid(2, 128);
    const reference = new Map<string, number[]>();
    for (let i = 0; i < 500; i++) {
      const row = rand() < 0.8 ? Math.floor(rand() * 20) : -1000 * Math.floor(rand() * 5);
      const col = Math.floor(rand() * 8);
      const m = [1, Math.floor(rand() * 1000)];
      source.addFrom(row, col, new Float64Array(m), 0);
      const key = `${row + 7},${col * 3}`;
      const ref = reference.get(key) ?? [0, 0];
      reference.set(key, [ref[0] + m[0], ref[1] + m[1]]);
    }
    const packed = source.pack();
    expect(packed.length).toBe(reference.size * 4);
    const target = new Grid(2, 64);
    target.addPacked(
      packed,
      (c) => c * 3,
      (r) => r + 7,
    );
    expect(contents(target)).toEqual(reference);
  });

  it('should report nothing when every cell was subtracted back to 0', () => {
    const grid = new Grid(1, 64);
    const one = new Float64Array([1]);
    grid.addFrom(1, 1, one, 0);
    grid.addFrom(90000, 2, one, 0);
    grid.addFrom(1, 1, one, 0, -1);
    grid.addFrom(90000, 2, one, 0, -1);
    expect(contents(grid).size).toBe(0);
    expect(grid.pack().length).toBe(0);
  });

  it('should give up, hold nothing and answer -1 when more sparse cells are asked for than it may hold', () => {
    const grid = new Grid(1, 64, 3);
    const one = new Float64Array([1]);
    grid.addFrom(0, 0, one, 0);
    for (const row of [1000, 2000, 3000]) {
      grid.addFrom(row, 0, one, 0); // far outside the dense band: sparse
    }
    expect(grid.isOverflowed).toBe(false);
    grid.addFrom(3000, 0, one, 0); // a cell it already holds
    expect(grid.isOverflowed).toBe(false);
    grid.addFrom(4000, 0, one, 0);
    expect(grid.isOverflowed).toBe(true);
    expect(grid.slot(0, 0)).toBe(-1);
    expect([...grid.entries()]).toEqual([]);
  });

  it('should hold nothing when told to give up', () => {
    const grid = new Grid(2);
    grid.addFrom(1, 1, new Float64Array([1, 5]), 0);
    grid.markOverflowed();
    expect(grid.isOverflowed).toBe(true);
    expect(grid.pack().length).toBe(0);
  });
});
