import { mkdtempSync, readdirSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GENEROUS_TX_BUDGET, RollupRow, TX_STRUCTURES, TxAccumulatorBudget, TxImportAccumulator, TxImportSummary, TxRowAggregator } from './transactions.rollup';
import { seededRandom } from '../datagen/prng';

type Row = [string, string, string, string, string, string, string];
const pad = (n: number): string => String(n).padStart(2, '0');

/** The cleaner's occurred_at text: `YYYY-MM-DD HH:MM:SS[.ffffff]±HH:MM` of a UTC second seen at an offset. */
function occurredAt(utcSecond: number, offsetMinutes: number, fraction: string): string {
  const local = new Date((utcSecond + offsetMinutes * 60) * 1000).toISOString();
  const abs = Math.abs(offsetMinutes);
  const zone = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${local.slice(0, 10)} ${local.slice(11, 19)}${fraction ? '.' + fraction : ''}${zone}`;
}

/** Reference readings of a row, independent of the code under test. */
function utcSecond(at: string): number {
  return Math.floor(Date.parse(`${at.slice(0, 10)}T${at.slice(11, 19)}${at.slice(-6)}`) / 1000);
}
function cents(amount: string): bigint {
  const [whole, frac = ''] = amount.split('.');
  return (BigInt(whole) * 1000n + BigInt((frac + '000').slice(0, 3)) + 5n) / 10n;
}
function bucketIso(second: number, grain: RollupRow['grain']): string {
  const d = new Date(second * 1000);
  if (grain === 'day') d.setUTCHours(0, 0, 0, 0);
  else d.setUTCMinutes(grain === 'hour' ? 0 : Math.floor(d.getUTCMinutes() / 15) * 15, 0, 0);
  return d.toISOString();
}

/** Runs rows through two load threads (pieces every few rows) into one accumulator, then subtracts. */
function accumulate(threads: Row[][], removed: Row[], budget: TxAccumulatorBudget = GENEROUS_TX_BUDGET, threadBytes = GENEROUS_TX_BUDGET.bytes): TxImportAccumulator {
  const acc = new TxImportAccumulator(budget);
  const finished = threads.map((rows) => {
    const agg = new TxRowAggregator({ bytes: threadBytes, heapBytes: threadBytes });
    rows.forEach((row, i) => {
      agg.add(row);
      if (i % 7 === 6) acc.addPiece(agg.takePiece().part);
    });
    acc.addPiece(agg.takePiece().part);
    return agg.finish().part;
  });
  finished.forEach((part) => acc.addThread(part));
  removed.forEach((row) => acc.subtract(row));
  return acc;
}

function referenceRollups(rows: Row[]): Map<string, Omit<RollupRow, 'grain' | 'dim' | 'key' | 'bucketStart'>> {
  const cells = new Map<string, { count: number; cents: bigint; sq: bigint; dim: string }>();
  for (const row of rows) {
    const second = utcSecond(row[5]);
    const c = cents(row[4]);
    const targets: Array<[string, string, string]> = [
      ['hour', 'zone', row[2]],
      ['day', 'zone', row[2]],
      ['hour', 'category', row[3]],
      ['day', 'category', row[3]],
      ['quarter', 'all', ''],
    ];
    for (const [grain, dim, key] of targets) {
      const id = `${grain}|${dim}|${key}|${bucketIso(second, grain as RollupRow['grain'])}`;
      const cell = cells.get(id) ?? { count: 0, cents: 0n, sq: 0n, dim };
      cells.set(id, { count: cell.count + 1, cents: cell.cents + c, sq: cell.sq + c * c, dim });
    }
  }
  return new Map([...cells].map(([id, m]) => [id, { count: m.count, cents: Number(m.cents), sqCents: m.dim === 'category' ? m.sq.toString() : null }]));
}

function rollupRows(acc: TxImportAccumulator): RollupRow[] {
  return [...acc.dimensionRows('zone'), ...acc.dimensionRows('category'), ...acc.quarterRows()];
}

/** The summary the publish step writes: customers are counted as their rows stream out. */
function summary(acc: TxImportAccumulator): TxImportSummary {
  const customers = [...acc.customerRows()];
  const s = { ...acc.spanSummary(), ...acc.customerSummary() };
  expect(s.customerCount).toBe(customers.length);
  return s;
}

function countBy<T>(items: T[], keyOf: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  items.forEach((item) => out.set(keyOf(item), (out.get(keyOf(item)) ?? 0) + 1));
  return out;
}

describe('TxImportAccumulator', () => {
  it('should emit exact rollups, merchant rows and summary when a few rows are fed by hand', () => {
    const rows: Row[] = [
      ['T1', 'M1', 'NORTH', 'Food', '10.5', '2026-01-01 10:20:30+00:00', '+15551234567'],
      ['T2', 'M1', 'NORTH', 'Food', '0.125', '2026-01-01 10:50:00.5+00:00', '+15551234567'],
      ['T3', 'M2', 'SOUTH', 'Grocery', '3', '2026-01-02 01:10:00+05:30', 'INVALID'], // 2026-01-01T19:40Z
    ];
    const acc = accumulate([rows.slice(0, 1), rows.slice(1)], []);
    const got = rollupRows(acc).map((r) => `${r.grain} ${r.dim} ${r.key} ${r.bucketStart} ${r.count} ${r.cents} ${r.sqCents}`);
    expect(got.sort()).toEqual(
      [
        'hour zone NORTH 2026-01-01T10:00:00.000Z 2 1063 null',
        'hour zone SOUTH 2026-01-01T19:00:00.000Z 1 300 null',
        'day zone NORTH 2026-01-01T00:00:00.000Z 2 1063 null',
        'day zone SOUTH 2026-01-01T00:00:00.000Z 1 300 null',
        'hour category Food 2026-01-01T10:00:00.000Z 2 1063 1102669',
        'hour category Grocery 2026-01-01T19:00:00.000Z 1 300 90000',
        'day category Food 2026-01-01T00:00:00.000Z 2 1063 1102669',
        'day category Grocery 2026-01-01T00:00:00.000Z 1 300 90000',
        'quarter all  2026-01-01T10:15:00.000Z 1 1050 null',
        'quarter all  2026-01-01T10:45:00.000Z 1 13 null',
        'quarter all  2026-01-01T19:30:00.000Z 1 300 null',
      ].sort(),
    );
    expect([...acc.merchantDayRows()].sort()).toEqual([
      ['2026-01-01', 'M1', 2],
      ['2026-01-01', 'M2', 1],
    ]);
    expect([...acc.merchantZoneRows()].sort()).toEqual([
      ['M1', 'NORTH', 2],
      ['M2', 'SOUTH', 1],
    ]);
    expect(summary(acc)).toEqual({
      transactionCount: 3,
      customerCount: 1,
      invalidPhoneTransactions: 1,
      customerHistogram: { '2': 1 },
      firstSecond: Date.parse('2026-01-01T10:15:00Z') / 1000,
      lastSecond: Date.parse('2026-01-01T19:30:00Z') / 1000 + 899,
    });
  });

  it('should match a direct reference when random rows come from two threads and some are subtracted', () => {
    const rand = seededRandom(61);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    // Usual shapes of 10 to 15 digits, with and without '+' and leading zeros.
    const phones = Array.from({ length: 150 }, (_, i) => [`+1555${1000000 + i * 7}`, `1555${2000000 + i}`, `0${i}`.padEnd(12, '7'), `+0${i}`.padEnd(16, '3')][i % 4]);
    const oddPhones = ['1+5551234567', '555+1234567890', '++15550000000', '+15551112222+'];
    const start = Date.parse('2025-12-28T00:00:00Z') / 1000;
    const rows: Row[] = [];
    for (let i = 0; i < 4000; i++) {
      const big = i % 10 === 0; // a block of near-1,000,000 amounts in one hour and category
      const second = big ? Date.parse('2026-01-03T12:00:00Z') / 1000 + Math.floor(rand() * 3600) : start + Math.floor(rand() * 11 * 86400);
      const whole = big ? String(999_990 + Math.floor(rand() * 10)) : String(Math.floor(rand() * 5000));
      const frac = String(Math.floor(rand() * 1000))
        .padStart(3, '0')
        .slice(0, Math.floor(rand() * 4))
        .replace(/0+$/, '');
      const amount = big && i % 30 === 0 ? '1000000' : frac ? `${whole}.${frac}` : whole;
      const fraction =
        rand() < 0.3
          ? String(Math.floor(rand() * 1e6))
              .padStart(6, '0')
              .slice(0, 1 + Math.floor(rand() * 6))
          : '';
      const offset = pick([0, 0, 0, 0, 330, -180, 840, -600]);
      const r = rand();
      const phone = r < 0.05 ? 'INVALID' : r < 0.08 ? pick(oddPhones) : pick(phones);
      const zone = pick(['NORTH', 'SOUTH', 'EAST', 'WEST', 'CENTRAL']);
      const category = big ? 'Electronics' : pick(['Food', 'Grocery', 'Fashion', 'Home Appliances']);
      rows.push([`T${i}`, `M${1 + Math.floor(rand() * 40)}`, zone, category, amount, occurredAt(second, offset, fraction), phone]);
    }
    // A lone row far away whose every cell disappears once it is subtracted.
    const solo: Row = ['T_SOLO', 'M_SOLO', 'ISLAND', 'Toys', '5', '2025-06-01 08:00:00+00:00', '+19990001111'];
    rows.splice(1234, 0, solo);

    const threads: Row[][] = [[], []];
    for (let i = 0; i < rows.length;) {
      const size = 1 + Math.floor(rand() * 50);
      threads[Math.floor(rand() * 2)].push(...rows.slice(i, i + size));
      i += size;
    }
    const removed = [solo, ...rows.filter((row, i) => i % 97 === 5 || (row[6] === 'INVALID' && i % 5 === 0) || (row[6].includes('+', 1) && i % 3 === 0))];
    expect(removed.some((row) => row[3] === 'Electronics')).toBe(true);
    const acc = accumulate(threads, removed);
    const kept = rows.filter((row) => !removed.includes(row));

    const got = new Map<string, Omit<RollupRow, 'grain' | 'dim' | 'key' | 'bucketStart'>>();
    let reported = 0;
    for (const r of rollupRows(acc)) {
      reported++;
      got.set(`${r.grain}|${r.dim}|${r.key}|${r.bucketStart}`, { count: r.count, cents: r.cents, sqCents: r.sqCents });
    }
    expect(reported).toBe(got.size);
    const expected = referenceRollups(kept);
    expect(got).toEqual(expected);
    const bigCell = expected.get('hour|category|Electronics|2026-01-03T12:00:00.000Z')!;
    expect(BigInt(bigCell.sqCents!)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER) * 100n);

    const merchantDays = countBy(kept, (row) => `${bucketIso(utcSecond(row[5]), 'day').slice(0, 10)}|${row[1]}`);
    expect(new Map([...acc.merchantDayRows()].map(([day, m, n]) => [`${day}|${m}`, n]))).toEqual(merchantDays);
    expect([...acc.merchantDayRows()].length).toBe(merchantDays.size);
    const merchantZones = countBy(kept, (row) => `${row[1]}|${row[2]}`);
    expect(new Map([...acc.merchantZoneRows()].map(([m, z, n]) => [`${m}|${z}`, n]))).toEqual(merchantZones);
    expect([...acc.merchantZoneRows()].length).toBe(merchantZones.size);

    const perCustomer = countBy(
      kept.filter((row) => row[6] !== 'INVALID'),
      (row) => row[6],
    );
    const histogram = countBy([...perCustomer.values()], String);
    const seconds = kept.map((row) => utcSecond(row[5]));
    const got2 = summary(acc);
    expect(got2).toEqual({
      transactionCount: kept.length,
      customerCount: perCustomer.size,
      invalidPhoneTransactions: kept.filter((row) => row[6] === 'INVALID').length,
      customerHistogram: Object.fromEntries([...histogram].sort((a, b) => Number(a[0]) - Number(b[0]))),
      firstSecond: Math.floor(Math.min(...seconds) / 900) * 900,
      lastSecond: Math.floor(Math.max(...seconds) / 900) * 900 + 899,
    });
    expect(Object.keys(got2.customerHistogram).length).toBeGreaterThan(5);
  });

  it('should count every customer exactly when the counts spill to disk many times and rows are taken back', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tx-spill-'));
    const rand = seededRandom(7);
    const rows: Row[] = Array.from({ length: 3000 }, (_, i) => [
      `T${i}`,
      'M1',
      'NORTH',
      'Food',
      '1',
      '2026-01-01 10:00:00+00:00',
      `+1555${String(1_000_000 + Math.floor(rand() * 700)).padStart(7, '0')}`,
    ]);
    const removed = rows.filter((_, i) => i % 11 === 0);
    const acc = accumulate([rows.slice(0, 1500), rows.slice(1500)], removed, { ...GENEROUS_TX_BUDGET, customerKeys: 40, spillPath: path.join(dir, 'c') });
    const kept = rows.filter((row) => !removed.includes(row));
    const expected = countBy(kept, (row) => row[6]);
    const got = new Map([...acc.customerRows()]);
    expect(acc.customerSpills).toBeGreaterThan(10);
    expect(got).toEqual(expected);
    expect(acc.customerSummary().customerCount).toBe(expected.size);
    acc.dispose();
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('should write the same customers and merchant days as COPY text chunks as the row generators give', () => {
    const rows: Row[] = Array.from({ length: 500 }, (_, i) => [
      `T${i}`,
      `M${i % 37}`,
      'NORTH',
      'Food',
      '1',
      occurredAt(1767225600 + (i % 9) * 86400, 0, ''),
      [`+1555${1_000_000 + (i % 120)}`, `0${i % 50}`.padEnd(11, '4'), 'INVALID', '12+3456789012'][i % 4],
    ]);
    const build = () => accumulate([rows.slice(0, 250), rows.slice(250)], []);
    const text = (chunks: Iterable<Buffer>) => Buffer.concat([...chunks]).toString('utf8');
    const a = build();
    const b = build();
    expect(text(a.customerChunks())).toBe([...b.customerRows()].map(([phone, n]) => `${phone}\t${n}\n`).join(''));
    expect(a.customerSummary()).toEqual(b.customerSummary());
    expect(text(a.merchantDayChunks())).toBe([...b.merchantDayRows()].map((r) => `${r.join('\t')}\n`).join(''));
  });

  it('should hold nothing and leave everything to SQL once it gives up', () => {
    const rows: Row[] = [['T1', 'M1', 'NORTH', 'Food', '1', '2026-01-01 10:00:00+00:00', '+15551234567']];
    const acc = accumulate([rows, []], []);
    expect(acc.folded()).toHaveLength(5);
    acc.giveUp();
    expect(acc.folded()).toEqual([]);
    expect(acc.hasCustomers).toBe(false);
    expect(acc.describe()).toMatchObject({ missingRollups: ['zoneHours', 'categoryHours', 'quarters', 'merchantDays', 'merchantZones'], customersInSql: true });
  });

  it('should give up only the structures over their budget and keep the others exact when the dimensions are many', () => {
    // 3,000 distinct zones and merchants over a few days: the zone and merchant structures cannot fit
    // a tiny budget; quarters and categories (few) still can.
    const rows: Row[] = Array.from({ length: 6000 }, (_, i) => [
      `T${i}`,
      `M${i % 3000}`,
      `Z${i % 3000}`,
      ['Food', 'Grocery'][i % 2],
      '2.5',
      occurredAt(1767225600 + (i % 50) * 3600, 0, ''),
      `+1555${1_000_000 + i}`,
    ]);
    const budget = { ...GENEROUS_TX_BUDGET, bytes: 1 << 20 };
    const acc = accumulate([rows.slice(0, 3000), rows.slice(3000)], [], budget, 1 << 20);
    expect(acc.folded().sort()).toEqual(['categoryHours', 'quarters']);
    expect(TX_STRUCTURES.filter((s) => !acc.folded().includes(s)).sort()).toEqual(['merchantDays', 'merchantZones', 'zoneHours']);
    const got = new Map(
      [...acc.dimensionRows('category'), ...acc.quarterRows()].map((r) => [
        `${r.grain}|${r.dim}|${r.key}|${r.bucketStart}`,
        { count: r.count, cents: r.cents, sqCents: r.sqCents },
      ]),
    );
    const expected = new Map([...referenceRollups(rows)].filter(([id]) => !id.includes('|zone|')));
    expect(got).toEqual(expected);
    expect([...acc.dimensionRows('zone')]).toEqual([]);
  });
});
