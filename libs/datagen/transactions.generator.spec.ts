import Papa from 'papaparse';
import { Writable } from 'stream';
import {
  CATEGORIES,
  FAULT_TYPES,
  FaultType,
  MERCHANTS_HEADER,
  Prng,
  TRANSACTIONS_HEADER,
  ZONES,
  merchantsCsvString,
  transactionsCsvString,
  weightedSampler,
  writeMerchantsCsv,
  writeTransactionsCsv,
} from './index';
import { CollectingWritable } from './collecting-writable.spec-helper';

const NOW = new Date('2025-12-01T12:00:00.000Z');
const NOW_MS = NOW.getTime();
const DAY_MS = 86_400_000;

function parseCsv(csv: string): string[][] {
  const res = Papa.parse<string[]>(csv, { skipEmptyLines: true });
  expect(res.errors).toEqual([]);
  return res.data;
}

// ---------------------------------------------------------------- independent validator

/** Parses the accepted timestamp formats (naive = UTC); NaN when invalid. */
function parseTimestamp(s: string): number {
  const check = (y: number, mo: number, d: number, h: number, mi: number, se: number, ms: number, offMin: number): number => {
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return NaN;
    const t = Date.UTC(y, mo - 1, d, h, mi, se, ms);
    if (new Date(t).getUTCDate() !== d) return NaN; // 30 Feb etc.
    return t - offMin * 60_000;
  };
  let m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:\d{2})?$/.exec(s);
  if (m) {
    let off = 0;
    if (m[8] && m[8] !== 'Z') off = (m[8][0] === '-' ? -1 : 1) * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6)));
    const ms = m[7] ? Math.floor(Number('0.' + m[7]) * 1000) : 0;
    return check(+m[1], +m[2], +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, ms, off);
  }
  m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (m) return check(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], 0, 0);
  m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (m) return check(+m[3], +m[2], +m[1], +m[4], +m[5], +m[6], 0, 0);
  return NaN;
}

/** Amount after removing "$" and thousands separators; NaN when not a decimal number. */
function parseAmount(s: string): number {
  const a = s
    .trim()
    .replace(/^(-?)\$/, '$1')
    .replace(/,(?=\d{3}(\D|$))/g, '');
  return /^-?\d+(\.\d+)?$/.test(a) ? Number(a) : NaN;
}

/** Classifies one parsed row; `seen` holds the ids of earlier rows (duplicates are not added). */
function classify(row: string[], seen: Set<string>): FaultType | null {
  for (let i = 0; i < 6; i++) if (row[i].trim() === '') return 'missing_field';
  const amount = parseAmount(row[4]);
  if (Number.isNaN(amount)) return 'unparsable_amount';
  if (amount < 0) return 'negative_amount';
  if (amount > 1_000_000) return 'amount_too_large';
  const t = parseTimestamp(row[5].trim());
  if (Number.isNaN(t)) return 'invalid_timestamp';
  if (t > NOW_MS) return 'future_timestamp';
  const id = row[0].trim();
  if (seen.has(id)) return 'duplicate_id';
  seen.add(id);
  return null;
}

function emptyCounts(): Record<FaultType, number> {
  return Object.fromEntries(FAULT_TYPES.map((t) => [t, 0])) as Record<FaultType, number>;
}

const CATEGORY_SYNONYMS: Record<string, string> = {
  groceries: 'grocery',
  electronic: 'electronics',
  clothing: 'fashion',
  clothes: 'fashion',
  transportation: 'transport',
  utility: 'utilities',
  health: 'healthcare',
  edu: 'education',
};
const normCategory = (c: string): string => {
  const l = c.trim().toLowerCase();
  return CATEGORY_SYNONYMS[l] ?? l;
};
/** Canonical zone, lower-case; a quoted "Zone, Other" counts as its first part. */
const normZone = (z: string): string => z.split(',')[0].trim().toLowerCase();
const phoneDigits = (p: string): string => p.replace(/\D/g, '');

// ---------------------------------------------------------------- tests

describe('Prng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const c = new Prng(8);
    const xa = Array.from({ length: 20 }, () => a.nextU32());
    const xb = Array.from({ length: 20 }, () => b.nextU32());
    const xc = Array.from({ length: 20 }, () => c.nextU32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it('int() stays in range and float() in [0, 1)', () => {
    const r = new Prng(1);
    const seen = new Set<number>();
    let outOfRange = 0;
    for (let i = 0; i < 10_000; i++) {
      const v = r.int(3, 9);
      seen.add(v);
      const f = r.float();
      if (!(f >= 0 && f < 1)) outOfRange++;
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(outOfRange).toBe(0);
  });

  it('weightedSampler follows the weights', () => {
    const r = new Prng(3);
    const sample = weightedSampler([1, 0, 3, 6]);
    const counts = [0, 0, 0, 0];
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[sample(r)]++;
    expect(counts[1]).toBe(0);
    expect(counts[0] / n).toBeCloseTo(0.1, 1);
    expect(counts[2] / n).toBeCloseTo(0.3, 1);
    expect(counts[3] / n).toBeCloseTo(0.6, 1);
  });

  it('normal() has mean ~0 and sd ~1', () => {
    const r = new Prng(5);
    const n = 50_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.sqrt(s2 / n - (s / n) ** 2)).toBeCloseTo(1, 1);
  });
});

describe('writeTransactionsCsv', () => {
  it('is byte-identical for the same seed and now, and differs for another seed', async () => {
    const opts = { rows: 5_000, seed: 123, now: NOW, errorRate: 0.05 };
    const out1 = new CollectingWritable(64 * 1024);
    const out2 = new CollectingWritable(64 * 1024);
    const r1 = await writeTransactionsCsv(out1, opts);
    const r2 = await writeTransactionsCsv(out2, opts);
    expect(out1.text()).toBe(out2.text());
    expect(r1).toEqual(r2);
    expect(transactionsCsvString(opts).csv).toBe(out1.text());

    const other = transactionsCsvString({ ...opts, seed: 124 }).csv;
    expect(other).not.toBe(out1.text());
    const lines1 = out1.text().split('\n');
    const lines2 = other.split('\n');
    const same = lines1.filter((l, i) => l === lines2[i]).length;
    expect(same).toBe(2); // the header and the trailing ''
  });

  it('writes the exact header, the exact row count, 7 fields per line, and reports bytes', async () => {
    const out = new CollectingWritable(16 * 1024);
    const res = await writeTransactionsCsv(out, { rows: 3_333, seed: 1, now: NOW, errorRate: 0.1 });
    const text = out.text();
    expect(text.startsWith(TRANSACTIONS_HEADER + '\n')).toBe(true);
    expect(TRANSACTIONS_HEADER).toBe('TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(3_333 + 2);
    expect(res.rows).toBe(3_333);
    expect(res.bytes).toBe(Buffer.byteLength(text));
    const data = parseCsv(text);
    expect(data).toHaveLength(3_333 + 1);
    expect(data.filter((row) => row.length !== 7)).toEqual([]);
    expect(out.writableEnded).toBe(false); // the caller owns the stream
  });

  it('handles rows = 0 (header only)', async () => {
    const out = new CollectingWritable(1024);
    const res = await writeTransactionsCsv(out, { rows: 0, seed: 1, now: NOW });
    expect(out.text()).toBe(TRANSACTIONS_HEADER + '\n');
    expect(res).toMatchObject({ rows: 0, faultyRows: 0 });
  });

  it('rejects bad options', async () => {
    const out = new CollectingWritable(1024);
    await expect(writeTransactionsCsv(out, { rows: -1 })).rejects.toThrow(RangeError);
    await expect(writeTransactionsCsv(out, { rows: 10, errorRate: 1.5 })).rejects.toThrow(RangeError);
    await expect(writeTransactionsCsv(out, { rows: 10, merchants: 0 })).rejects.toThrow(RangeError);
    await expect(writeTransactionsCsv(out, { rows: 10, now: new Date('nope') })).rejects.toThrow(RangeError);
  });

  it('makes errorRate faulty rows, one fault each, all seven types, matching an independent validator', () => {
    const rows = 20_000;
    const { csv, result } = transactionsCsvString({ rows, seed: 99, now: NOW, errorRate: 0.1 });
    expect(result.faultyRows / rows).toBeGreaterThan(0.085);
    expect(result.faultyRows / rows).toBeLessThan(0.115);

    const data = parseCsv(csv).slice(1);
    const seen = new Set<string>();
    const found = emptyCounts();
    let faulty = 0;
    for (const row of data) {
      const fault = classify(row, seen);
      if (fault) {
        found[fault]++;
        faulty++;
      }
    }
    expect(faulty).toBe(result.faultyRows);
    expect(found).toEqual(result.faultsByType);
    // Uniform over the 7 types: expected ~286 each.
    for (const t of FAULT_TYPES) {
      expect(found[t]).toBeGreaterThan(result.faultyRows / 7 / 2);
      expect(found[t]).toBeLessThan((result.faultyRows / 7) * 1.5);
    }
  });

  it('has unique transaction ids apart from duplicate-id faults, which repeat a recent id', () => {
    const rows = 20_000;
    const { csv, result } = transactionsCsvString({ rows, seed: 7, now: NOW, errorRate: 0.1 });
    const data = parseCsv(csv).slice(1);
    const lastSeenAt = new Map<string, number>();
    let repeats = 0;
    let emptyIds = 0;
    const badIds: string[] = [];
    const farRepeats: string[] = [];
    data.forEach((row, i) => {
      const id = row[0];
      if (id === '') {
        emptyIds++;
        return;
      }
      if (!/^TXN_[0-9A-F]{8}$/.test(id)) badIds.push(id);
      const prev = lastSeenAt.get(id);
      if (prev !== undefined) {
        repeats++;
        if (i - prev >= 200) farRepeats.push(id); // must repeat a recent row
      }
      lastSeenAt.set(id, i);
    });
    expect(badIds).toEqual([]);
    expect(farRepeats).toEqual([]);
    expect(repeats).toBe(result.faultsByType.duplicate_id);
    expect(repeats).toBeGreaterThan(0);
    expect(lastSeenAt.size).toBe(rows - emptyIds - repeats);

    const clean = transactionsCsvString({ rows: 50_000, seed: 7, now: NOW, errorRate: 0 }).csv;
    const ids = parseCsv(clean)
      .slice(1)
      .map((r) => r[0]);
    expect(new Set(ids).size).toBe(50_000);
  });

  it('with errorRate 0, every row is valid after normalisation, with harmless variety present', () => {
    const rows = 30_000;
    const { csv, result } = transactionsCsvString({
      rows,
      seed: 11,
      now: NOW,
      errorRate: 0,
      days: 30,
    });
    expect(result.faultyRows).toBe(0);
    const data = parseCsv(csv).slice(1);
    const seen = new Set<string>();
    const zoneSet = new Set(ZONES.map((z) => z.toLowerCase()));
    const categorySet = new Set(CATEGORIES.map((c) => c.toLowerCase()));
    let zoneVariety = 0;
    let quotedComma = 0;
    let categoryVariety = 0;
    let dollar = 0;
    let thousands = 0;
    let otherTimestamp = 0;
    let formattedPhone = 0;
    let shortPhone = 0;
    const bad: string[] = []; // rows failing a check (collected, so one failure shows them all)
    for (const row of data) {
      const [, merchant, zone, category, amount, ts, phone] = row;
      const t = parseTimestamp(ts.trim());
      if (
        classify(row, seen) !== null ||
        !/^MERCH_\d{4}$/.test(merchant) ||
        !zoneSet.has(normZone(zone)) ||
        !categorySet.has(normCategory(category)) ||
        !(t <= NOW_MS && t >= NOW_MS - 30 * DAY_MS - 60_000)
      ) {
        bad.push(row.join('|'));
      }
      if (zone.includes(',')) quotedComma++;
      else if (!(ZONES as readonly string[]).includes(zone)) zoneVariety++;
      if (!(CATEGORIES as readonly string[]).includes(category)) categoryVariety++;
      if (amount.startsWith('$')) dollar++;
      if (amount.includes(',')) thousands++;
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/.test(ts)) otherTimestamp++;
      if (!/^\+1555\d{7}$/.test(phone)) {
        const digits = phoneDigits(phone).length;
        if (digits >= 10) formattedPhone++;
        else shortPhone++;
      }
    }
    expect(bad).toEqual([]);
    // ~10 % of rows get one variety; ~1 % a quoted zone with a comma.
    const varied = zoneVariety + categoryVariety + dollar + otherTimestamp + formattedPhone + shortPhone;
    expect(varied / rows).toBeGreaterThan(0.07);
    expect(varied / rows).toBeLessThan(0.13);
    expect(quotedComma / rows).toBeGreaterThan(0.005);
    expect(quotedComma / rows).toBeLessThan(0.015);
    for (const n of [zoneVariety, categoryVariety, dollar, thousands, otherTimestamp, formattedPhone, shortPhone]) {
      expect(n).toBeGreaterThan(0);
    }
    // The raw text really contains quoted fields with commas (RFC 4180).
    expect(csv).toMatch(/,"[A-Za-z]+, [A-Za-z]+",/);
    expect(csv).toMatch(/,"\$\d{1,3}(,\d{3})+\.\d{2}",/);
  });

  it('looks realistic: zones, hours, categories, merchants and repeat customers', () => {
    const rows = 40_000;
    const merchants = 200;
    const seed = 5;
    const { csv } = transactionsCsvString({ rows, seed, now: NOW, errorRate: 0, merchants });
    const data = parseCsv(csv).slice(1);

    const zoneCounts = new Map<string, number>();
    const hourCounts = new Array<number>(24).fill(0);
    const amountsByCategory = new Map<string, number[]>();
    const merchantUse = new Map<string, number>();
    const phoneUse = new Map<string, number>();
    const txZoneByMerchant = new Map<string, string>();
    for (const row of data) {
      const zone = normZone(row[2]);
      zoneCounts.set(zone, (zoneCounts.get(zone) ?? 0) + 1);
      hourCounts[new Date(parseTimestamp(row[5].trim())).getUTCHours()]++;
      const cat = normCategory(row[3]);
      if (!amountsByCategory.has(cat)) amountsByCategory.set(cat, []);
      amountsByCategory.get(cat)!.push(parseAmount(row[4]));
      merchantUse.set(row[1], (merchantUse.get(row[1]) ?? 0) + 1);
      txZoneByMerchant.set(row[1], zone);
      const digits = phoneDigits(row[6]);
      if (digits.length >= 10) phoneUse.set(digits.slice(-7), (phoneUse.get(digits.slice(-7)) ?? 0) + 1);
    }

    // All 8 zones, Downtown the busiest.
    expect(zoneCounts.size).toBe(8);
    const busiest = [...zoneCounts].sort((a, b) => b[1] - a[1])[0][0];
    expect(busiest).toBe('downtown');

    // Quiet at night, peaks at lunch and in the evening.
    const night = hourCounts[2] + hourCounts[3] + hourCounts[4];
    const lunch = hourCounts[12] + hourCounts[13];
    const evening = hourCounts[18] + hourCounts[19];
    expect(night * 10).toBeLessThan(lunch);
    expect(night * 10).toBeLessThan(evening);
    expect(hourCounts[12]).toBeGreaterThan(hourCounts[15]);
    expect(hourCounts[19]).toBeGreaterThan(hourCounts[15]);

    // Category-specific amounts: electronics cost more than food; all have 2 decimals.
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    expect(amountsByCategory.size).toBe(10);
    expect(median(amountsByCategory.get('electronics')!)).toBeGreaterThan(3 * median(amountsByCategory.get('food')!));
    expect(data.filter((r) => !/^(\d+|\$\d{1,3}(,\d{3})*)\.\d{2}$/.test(r[4]))).toEqual([]);

    // Merchants: a subset of MERCH_0001..MERCH_0200 (some dormant), skewed volumes.
    const ids = [...merchantUse.keys()];
    expect(ids.filter((id) => !(/^MERCH_\d{4}$/.test(id) && +id.slice(6) >= 1 && +id.slice(6) <= merchants))).toEqual([]);
    expect(ids.length).toBeLessThan(merchants);
    expect(ids.length).toBeGreaterThan(merchants * 0.75);
    const uses = [...merchantUse.values()].sort((a, b) => b - a);
    expect(uses[0]).toBeGreaterThan(2.5 * uses[uses.length >> 1]);

    // The merchants file with the same seed agrees on every active merchant's zone.
    const merchantRows = parseCsv(merchantsCsvString({ rows: merchants, seed })).slice(1);
    const merchantZone = new Map(merchantRows.map((r) => [r[0], r[2].toLowerCase()]));
    const mismatched = [...txZoneByMerchant].filter(([id, zone]) => merchantZone.get(id) !== zone);
    expect(mismatched).toEqual([]);

    // Repeat customers: ~rows/4 pool, skewed.
    expect(phoneUse.size).toBeLessThan(rows / 4);
    expect(Math.max(...phoneUse.values())).toBeGreaterThanOrEqual(20);
    const repeatRows = [...phoneUse.values()].filter((n) => n > 1).reduce((a, b) => a + b, 0);
    expect(repeatRows / rows).toBeGreaterThan(0.5);
  });

  it('honours backpressure on a slow stream', async () => {
    const hwm = 16 * 1024;
    const out = new CollectingWritable(hwm, true);
    const res = await writeTransactionsCsv(out, { rows: 12_000, seed: 2, now: NOW });
    expect(out.falseReturns).toBeGreaterThan(0);
    expect(out.maxPendingBeforeWrite).toBeLessThan(hwm); // never writes while over the mark
    expect(parseCsv(out.text())).toHaveLength(12_001);
    expect(res.bytes).toBe(out.text().length);
  });

  it('rejects when the stream fails', async () => {
    const out = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        cb(new Error('disk full'));
      },
    });
    out.on('error', () => undefined);
    await expect(writeTransactionsCsv(out, { rows: 50_000, seed: 1, now: NOW })).rejects.toThrow('disk full');
  });
});

describe('writeMerchantsCsv', () => {
  it('writes MERCH_0001..MERCH_<M>, header exact, deterministic per seed', async () => {
    const out = new CollectingWritable(16 * 1024);
    const res = await writeMerchantsCsv(out, { rows: 1_234, seed: 3 });
    const text = out.text();
    expect(text.startsWith('MERCHANT_ID,NAME,ZONE\n')).toBe(true);
    expect(MERCHANTS_HEADER).toBe('MERCHANT_ID,NAME,ZONE');
    expect(res).toEqual({ rows: 1_234, bytes: Buffer.byteLength(text) });
    const data = parseCsv(text).slice(1);
    expect(data).toHaveLength(1_234);
    const bad = data.filter(
      (row, i) =>
        row.length !== 3 ||
        !/^MERCH_\d{4,}$/.test(row[0]) ||
        row[0] !== 'MERCH_' + String(i + 1).padStart(4, '0') ||
        row[1].trim() === '' ||
        !(ZONES as readonly string[]).includes(row[2]),
    );
    expect(bad).toEqual([]);
    expect(merchantsCsvString({ rows: 1_234, seed: 3 })).toBe(text);
    expect(merchantsCsvString({ rows: 1_234, seed: 4 })).not.toBe(text);
    // Some names need RFC 4180 quoting (commas, embedded quotes) and round-trip through the parser.
    expect(data.some((r) => r[1].includes(','))).toBe(true);
    expect(data.some((r) => r[1].includes('"'))).toBe(true);
  });

  it('widens ids beyond 9999 merchants', () => {
    const data = parseCsv(merchantsCsvString({ rows: 12_345, seed: 1 })).slice(1);
    expect(data).toHaveLength(12_345);
    expect(data[0][0]).toBe('MERCH_00001');
    expect(data[12_344][0]).toBe('MERCH_12345');
    expect(data.filter((row) => !/^MERCH_\d{5}$/.test(row[0]))).toEqual([]);
  });

  it('uses the same ids as the transactions file', () => {
    const tx = parseCsv(transactionsCsvString({ rows: 5_000, seed: 8, now: NOW, merchants: 300, errorRate: 0 }).csv).slice(1);
    const ids = new Set(
      parseCsv(merchantsCsvString({ rows: 300, seed: 8 }))
        .slice(1)
        .map((r) => r[0]),
    );
    expect(tx.filter((row) => !ids.has(row[1]))).toEqual([]);
  });
});
