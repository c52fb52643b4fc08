import type { CleanValues } from '../cleaners';
import { seededRandom } from '../datagen/prng';
import { SalesDailyRow, SalesImportAccumulator, SalesRowAggregator } from './sales.rollup';

/** A cleaned sales row: order_id, product, category, quantity, unit_price, discount, region, sale_at, email. */
const row = (day: string, product: string, quantity: string, price: string, discount: string, region = 'North'): CleanValues => [
  'ORD-1',
  product,
  'Electronics',
  quantity,
  price,
  discount,
  region,
  `${day} 10:00:00+00:00`,
  'anonymous',
];

/** Exact decimal arithmetic with rationals n / 10^k, independent of the code under test. */
function dec(text: string): { n: bigint; k: number } {
  const [whole, frac = ''] = text.split('.');
  return { n: BigInt(whole + frac), k: frac.length };
}
const scaleTo = (d: { n: bigint; k: number }, k: number): bigint => d.n * 10n ** BigInt(k - d.k);

/** Per cell key: count, Σ quantity, then Σ revenue (10^12), Σ discount (10^6), Σ revenue × discount (10^18), Σ price (10^6). */
function reference(rows: CleanValues[]): Map<string, bigint[]> {
  const cells = new Map<string, bigint[]>();
  for (const r of rows) {
    const key = [(r[7] as string).slice(0, 10), r[1], r[2], r[6]].join('|');
    const q = BigInt(r[3] as string);
    const p = scaleTo(dec(r[4] as string), 6);
    const d = scaleTo(dec(r[5] as string), 6);
    const revenue = q * p * (1_000_000n - d);
    const add = [1n, q, revenue, d, revenue * d, p];
    const cell = cells.get(key) ?? [0n, 0n, 0n, 0n, 0n, 0n];
    cells.set(
      key,
      cell.map((v, i) => v + add[i]),
    );
  }
  return cells;
}

function asCells(rows: Iterable<SalesDailyRow>): Map<string, bigint[]> {
  const out = new Map<string, bigint[]>();
  for (const [day, product, category, region, count, quantity, revenue, discount, revenueDiscount, price] of rows) {
    out.set([day, product, category, region].join('|'), [
      BigInt(count),
      BigInt(quantity),
      scaleTo(dec(revenue), 12),
      scaleTo(dec(discount), 6),
      scaleTo(dec(revenueDiscount), 18),
      scaleTo(dec(price), 6),
    ]);
  }
  return out;
}

/** Folds rows on `threads` aggregators (round robin), merged like the importing thread does. */
function fold(rows: CleanValues[], threads = 2, maxWeight = 1e6, maxMergedCells = 1e6): SalesImportAccumulator {
  // Budgets in bytes: a weight unit is 320 bytes.
  const aggregators = Array.from({ length: threads }, () => new SalesRowAggregator({ bytes: maxWeight * 320, heapBytes: Infinity }));
  rows.forEach((r, i) => aggregators[i % threads].add(r));
  const acc = new SalesImportAccumulator({ bytes: maxMergedCells * 320, heapBytes: Infinity });
  for (const a of aggregators) {
    acc.addThread(structuredClone(a.finish().part));
  }
  return acc;
}

describe('sales rollup', () => {
  it('should sum one cell exactly when every row has 2 decimals', () => {
    const rows = [row('2024-01-05', 'Laptop Pro 15', '3', '1299.5', '0.15'), row('2024-01-05', 'Laptop Pro 15', '2', '10', '0')];
    const [cell] = [...fold(rows).dailyRows()];
    // 3 × 1299.5 × 0.85 = 3313.725 and 2 × 10 = 20
    expect(cell).toEqual(['2024-01-05', 'Laptop Pro 15', 'Electronics', 'North', '2', '5', '3333.725000000000', '0.150000', '497.058750000000000000', '1309.500000']);
  });

  it('should match exact decimal arithmetic when rows mix many decimals, huge values and sums beyond 2^53', () => {
    const rnd = seededRandom(9);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const rows: CleanValues[] = [];
    for (let i = 0; i < 20000; i++) {
      const price = pick([
        () => (Math.floor(rnd() * 300000) / 100).toString(),
        () => (Math.floor(rnd() * 1e9) / 1e6).toString(),
        () => String(Math.floor(rnd() * 1e12)),
        () => '999999999999.999999',
      ])();
      const discount = pick([() => (Math.floor(rnd() * 101) / 100).toString(), () => (Math.floor(rnd() * 1e6) / 1e6).toString(), () => '1', () => '0'])();
      const quantity = pick([() => String(1 + Math.floor(rnd() * 20)), () => '2147483647'])();
      rows.push(row(`2024-0${1 + Math.floor(rnd() * 3)}-1${Math.floor(rnd() * 3)}`, pick(['A', 'B']), quantity, price, discount, pick(['North', 'East'])));
    }
    expect(asCells(fold(rows, 3).dailyRows())).toEqual(reference(rows));
  });

  it('should stay exact when a fast-path sum passes 2^53 (it spills into a BigInt)', () => {
    // 2147483647 × 400 cents × 100 = 8.6e13 per row at scale 10^4: 5,000 rows pass 2^53 fifty times over.
    const rows = Array.from({ length: 5000 }, (_, i) => row('2024-04-01', 'A', '2147483647', '4', i % 2 ? '0' : '0.01'));
    expect(asCells(fold(rows, 2).dailyRows())).toEqual(reference(rows));
  });

  it('should give the same cells whatever the number of threads', () => {
    const rows = Array.from({ length: 500 }, (_, i) => row(`2024-02-${String(1 + (i % 28)).padStart(2, '0')}`, `P${i % 7}`, String(1 + (i % 9)), `${i}.${i % 100}`, `0.${i % 10}`));
    expect(asCells(fold(rows, 1).dailyRows())).toEqual(asCells(fold(rows, 4).dailyRows()));
    expect(asCells(fold(rows, 1).dailyRows())).toEqual(reference(rows));
  });

  it('should hand a thread over in parts of at most the given cells that merge to the same cells as one whole part, and say in the first part when it gave up', () => {
    const rows = Array.from({ length: 3000 }, (_, i) =>
      row(`2024-02-${String(1 + (i % 28)).padStart(2, '0')}`, `P${i % 13}`, String(1 + (i % 9)), `${i}.${i % 100}`, `0.${i % 10}`),
    );
    const inParts = new SalesImportAccumulator({ bytes: 1e9, heapBytes: Infinity });
    const sizes: number[] = [];
    for (const threadRows of [rows.filter((_, i) => i % 2 === 0), rows.filter((_, i) => i % 2 === 1)]) {
      const aggregator = new SalesRowAggregator({ bytes: 1e9, heapBytes: Infinity });
      threadRows.forEach((r) => aggregator.add(r));
      for (const { part } of aggregator.finishInParts(50)) {
        sizes.push(part.cells.length);
        inParts.addThread(structuredClone(part));
      }
    }
    expect(Math.max(...sizes)).toBe(50);
    expect(sizes.length).toBeGreaterThanOrEqual(6);
    expect(asCells(inParts.dailyRows())).toEqual(asCells(fold(rows, 2).dailyRows()));
    expect(asCells(inParts.dailyRows())).toEqual(reference(rows));

    const overflowed = new SalesRowAggregator({ bytes: 10 * 320, heapBytes: Infinity });
    rows.forEach((r) => overflowed.add(r));
    expect([...overflowed.finishInParts(50)].map(({ part }) => part)).toEqual([{ isOverflowed: true, cells: [] }]);
  });

  it('should take back a removed row exactly, and drop a cell left empty', () => {
    const kept = row('2024-03-01', 'A', '2', '10.25', '0.1');
    const removed = row('2024-03-01', 'A', '7', '3.333333', '0.123456');
    const alone = row('2024-03-02', 'A', '1', '5', '0');
    const acc = fold([kept, removed, alone]);
    acc.subtract(removed);
    acc.subtract(alone);
    expect(asCells(acc.dailyRows())).toEqual(reference([kept]));
  });

  it('should give up folding, and say so, when a thread would hold more than its cap', () => {
    // Each new product costs a thread 3 nested maps (weight 2 each) and a cell (1): 20 products weigh 140.
    const rows = Array.from({ length: 40 }, (_, i) => row('2024-05-01', `Product ${i}`, '1', '1', '0'));
    const capped = fold(rows, 2, 100);
    expect(capped.isComplete).toBe(false);
    expect([...capped.dailyRows()]).toEqual([]);
    const roomy = fold(rows, 2, 140);
    expect(roomy.isComplete).toBe(true);
    expect(asCells(roomy.dailyRows())).toEqual(reference(rows));
  });

  it("should give up, and say so, when the merged cells would pass the importing thread's budget", () => {
    const rows = Array.from({ length: 40 }, (_, i) => row('2024-05-01', `Product ${i}`, '1', '1', '0'));
    const merged = fold(rows, 2, 1e6, 30);
    expect(merged.isComplete).toBe(false);
    expect([...merged.dailyRows()]).toEqual([]);
    expect(fold(rows, 2, 1e6, 40).isComplete).toBe(true);
  });

  it('should hold nothing and say so once it gives up', () => {
    const acc = fold([row('2024-05-01', 'A', '1', '1', '0')]);
    acc.giveUp();
    expect(acc.isComplete).toBe(false);
    expect([...acc.dailyRows()]).toEqual([]);
    expect(acc.describe()).toEqual({ missingRollups: ['daily'] });
  });
});
