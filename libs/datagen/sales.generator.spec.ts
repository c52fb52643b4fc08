import Papa from 'papaparse';
import { Writable } from 'stream';
import {
  DEFAULT_SALES_ERROR_RATE,
  SALES_FAULT_DROP_REASON,
  SALES_FAULT_TYPES,
  SALES_HEADER,
  SALES_PRODUCTS,
  SALES_REGION_VARIANTS,
  SALES_REGION_WEIGHTS,
  SALES_REGIONS,
  SalesDropReason,
  SalesGenResult,
  salesCsvChunks,
  salesCsvString,
  writeSalesCsv,
} from './index';
import { CollectingWritable } from './collecting-writable.spec-helper';

interface Row {
  orderId: string;
  product: string;
  category: string;
  quantity: string;
  price: string;
  discount: string;
  region: string;
  date: string;
  email: string;
}

/** Parses with papaparse (quoted "$1,299.50" prices) and checks 9 fields on every line. */
function parseRows(csv: string): Row[] {
  const res = Papa.parse<string[]>(csv, { skipEmptyLines: true });
  expect(res.errors).toEqual([]);
  const [header, ...data] = res.data;
  expect(header.join(',')).toBe(SALES_HEADER);
  expect(data.filter((f) => f.length !== 9)).toEqual([]);
  return data.map((f) => ({
    orderId: f[0],
    product: f[1],
    category: f[2],
    quantity: f[3],
    price: f[4],
    discount: f[5],
    region: f[6],
    date: f[7],
    email: f[8],
  }));
}

// ---------------------------------------------------------------- independent cleaner model

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Parses the date formats the generator emits; null when invalid. MM/DD/YYYY only with day > 12. */
function parseSaleDate(s: string): { y: number; m: number; d: number } | null {
  let y: number;
  let m: number;
  let d: number;
  let r: RegExpExecArray | null;
  if ((r = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/.exec(s))) {
    if (r[4] !== undefined && (+r[4] > 23 || +r[5] > 59 || +r[6] > 59)) return null;
    [y, m, d] = [+r[1], +r[2], +r[3]];
  } else if ((r = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(s))) {
    [y, m, d] = [+r[1], +r[2], +r[3]];
  } else if ((r = /^(\d{2})-([A-Za-z]{3})-(\d{4})$/.exec(s))) {
    const mi = MONTHS.indexOf(r[2]);
    if (mi < 0) return null;
    [y, m, d] = [+r[3], mi + 1, +r[1]];
  } else if ((r = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s))) {
    [y, m, d] = [+r[3], +r[1], +r[2]];
    if (d <= 12) return null; // would be ambiguous with DD/MM/YYYY
  } else {
    return null;
  }
  if (m < 1 || m > 12 || d < 1) return null;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  return { y, m, d };
}

function parseQuantity(s: string): number | null {
  const r = /^(\d+)(?: units)?$/.exec(s);
  if (!r || +r[1] <= 0) return null;
  return +r[1];
}

function parsePrice(s: string): number | null {
  if (/^\d+\.\d{2}$/.test(s)) return +s;
  if (/^\$\d{1,3}(,\d{3})*\.\d{2}$/.test(s)) return +s.slice(1).replace(/,/g, '');
  return null;
}

function parseDiscount(s: string): number | null {
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  const v = +s;
  return v <= 1 ? v : null;
}

/** What a cleaner that follows the spec would reject the row for, or null when it keeps it. */
function rejectReason(row: Row): SalesDropReason | null {
  if (parseQuantity(row.quantity) === null) return 'INVALID_QUANTITY';
  if (parsePrice(row.price) === null) return 'INVALID_PRICE';
  if (parseDiscount(row.discount) === null) return 'INVALID_DISCOUNT';
  if (row.date === '') return 'MISSING_DATE';
  if (parseSaleDate(row.date) === null) return 'INVALID_DATE';
  return null;
}

const PRODUCT_OF_VARIANT = new Map<string, (typeof SALES_PRODUCTS)[number]>();
for (const p of SALES_PRODUCTS) for (const v of p.variants) PRODUCT_OF_VARIANT.set(v, p);
const REGION_OF_VARIANT = new Map<string, string>();
for (const r of SALES_REGIONS) for (const v of SALES_REGION_VARIANTS[r]) REGION_OF_VARIANT.set(v, r);

function expectedDropsByReason(res: SalesGenResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of SALES_FAULT_TYPES) {
    const reason = SALES_FAULT_DROP_REASON[t];
    if (reason !== null) out[reason] = (out[reason] ?? 0) + res.faultsByType[t];
  }
  return out;
}

// ---------------------------------------------------------------- tests

describe('sales generator', () => {
  const big = salesCsvString({ rows: 20_000, seed: 7 });
  const bigRows = parseRows(big.csv);

  it('should produce byte-identical output when given the same seed', () => {
    const a = salesCsvString({ rows: 5_000, seed: 3 });
    const b = salesCsvString({ rows: 5_000, seed: 3 });
    expect(a.csv).toBe(b.csv);
    expect(a).toEqual(b);
  });

  it('should produce different rows when given different seeds', () => {
    const a = salesCsvString({ rows: 2_000, seed: 1 }).csv.split('\n');
    const b = salesCsvString({ rows: 2_000, seed: 2 }).csv.split('\n');
    expect(a[0]).toBe(b[0]);
    let same = 0;
    for (let i = 1; i < a.length - 1; i++) if (a[i] === b[i]) same++;
    expect(same).toBeLessThan(5);
  });

  it('should write the exact header, the exact row count and report bytes when generating', () => {
    const res = salesCsvString({ rows: 3_333, seed: 5 });
    const lines = res.csv.split('\n');
    expect(lines[0]).toBe(SALES_HEADER);
    expect(lines).toHaveLength(3_333 + 2); // header + rows + trailing ''
    expect(lines[lines.length - 1]).toBe('');
    expect(res.rows).toBe(3_333);
    expect(res.bytes).toBe(res.csv.length);
    expect(Buffer.byteLength(res.csv, 'utf8')).toBe(res.csv.length); // ASCII only
    expect(parseRows(res.csv)).toHaveLength(3_333);
  });

  it('should write only the header when rows is 0', () => {
    const res = salesCsvString({ rows: 0 });
    expect(res.csv).toBe(SALES_HEADER + '\n');
    expect(res.rows).toBe(0);
    expect(res.faultyRows).toBe(0);
  });

  it('should reject bad options when they are out of range', () => {
    expect(() => salesCsvString({ rows: -1 })).toThrow(RangeError);
    expect(() => salesCsvString({ rows: 1.5 })).toThrow(RangeError);
    expect(() => salesCsvString({ rows: 1, errorRate: 1.2 })).toThrow(RangeError);
    expect(() => salesCsvString({ rows: 1, errorRate: NaN })).toThrow(RangeError);
    expect(() => salesCsvString({ rows: 1, year: 99 })).toThrow(RangeError);
  });

  it('should have 9 fields on every line, quoting only "$" prices with a thousands separator', () => {
    const lines = big.csv.split('\n').slice(1, -1);
    const bad = lines.filter((line) =>
      line.includes('"') ? !/,"\$\d{1,3}(,\d{3})+\.\d{2}",/.test(line) || line.replace(/"[^"]*"/, 'X').split(',').length !== 9 : line.split(',').length !== 9,
    );
    expect(bad).toEqual([]);
    expect(lines.some((line) => line.includes('"'))).toBe(true);
    expect(bigRows).toHaveLength(20_000);
  });

  it('should inject every fault type when rows is 20000 and errorRate is the default', () => {
    expect(DEFAULT_SALES_ERROR_RATE).toBe(0.15);
    for (const t of SALES_FAULT_TYPES) expect(big.faultsByType[t]).toBeGreaterThan(50);
    const sum = SALES_FAULT_TYPES.reduce((s, t) => s + big.faultsByType[t], 0);
    expect(sum).toBe(big.faultyRows);
  });

  it('should make close to errorRate of the rows faulty, about half of them dropped', () => {
    expect(big.faultyRows / big.rows).toBeGreaterThan(0.14);
    expect(big.faultyRows / big.rows).toBeLessThan(0.16);
    const other = salesCsvString({ rows: 20_000, seed: 8, errorRate: 0.4 });
    expect(other.faultyRows / other.rows).toBeGreaterThan(0.38);
    expect(other.faultyRows / other.rows).toBeLessThan(0.42);
    expect(big.expectedDropped / big.faultyRows).toBeGreaterThan(0.45);
    expect(big.expectedDropped / big.faultyRows).toBeLessThan(0.55);
  });

  it('should drop exactly expectedDropped rows, by reason, when an independent cleaner model reads the file', () => {
    const byReason: Record<string, number> = {};
    let dropped = 0;
    for (const row of bigRows) {
      const reason = rejectReason(row);
      if (reason !== null) {
        dropped++;
        byReason[reason] = (byReason[reason] ?? 0) + 1;
      }
    }
    expect(dropped).toBe(big.expectedDropped);
    expect(byReason).toEqual(expectedDropsByReason(big));
  });

  it('should make each kept fault recognisable on exactly as many rows as it reports', () => {
    let units = 0;
    let dollar = 0;
    let extreme = 0;
    let unknown = 0;
    const odd: Row[] = [];
    for (const row of bigRows) {
      if (rejectReason(row) !== null) continue;
      if (row.quantity.endsWith(' units')) units++;
      if (row.price.startsWith('$')) dollar++;
      const product = PRODUCT_OF_VARIANT.get(row.product);
      const region = REGION_OF_VARIANT.get(row.region);
      if (!product || !region) {
        unknown++;
        continue;
      }
      const q = parseQuantity(row.quantity)!;
      const price = parsePrice(row.price)!;
      const discount = parseDiscount(row.discount)!;
      const priceOk = price >= product.basePrice * 0.85 - 0.01 && price <= product.basePrice * 1.15 + 0.01;
      if (q >= 150 || !priceOk || discount >= 0.75) {
        extreme++;
        // Extreme values stay plausible in kind: big orders are of high-price products, prices ×20.
        if (q >= 150 && product.basePrice < 800) odd.push(row);
        if (!priceOk && price / product.basePrice < 20 * 0.85 - 0.01) odd.push(row);
      } else if (q > 32 || discount > 0.3) {
        odd.push(row);
      }
    }
    expect(odd).toEqual([]);
    expect(units).toBe(big.faultsByType.quantity_units);
    expect(dollar).toBe(big.faultsByType.price_currency);
    expect(extreme).toBe(big.faultsByType.extreme_value);
    expect(unknown).toBe(big.faultsByType.unknown_label);
  });

  it('should make no faulty and no dropped rows when errorRate is 0', () => {
    const res = salesCsvString({ rows: 10_000, seed: 11, errorRate: 0 });
    expect(res.faultyRows).toBe(0);
    expect(res.expectedDropped).toBe(0);
    for (const t of SALES_FAULT_TYPES) expect(res.faultsByType[t]).toBe(0);
    const odd = parseRows(res.csv).filter(
      (row) =>
        rejectReason(row) !== null || !/^\d+$/.test(row.quantity) || !/^\d+\.\d{2}$/.test(row.price) || !PRODUCT_OF_VARIANT.has(row.product) || !REGION_OF_VARIANT.has(row.region),
    );
    expect(odd).toEqual([]);
  });

  it('should repeat earlier order ids on about 0.5 % of rows, at most twice each, both rows kept', () => {
    const count = new Map<string, number>();
    for (const row of bigRows) count.set(row.orderId, (count.get(row.orderId) ?? 0) + 1);
    let repeats = 0;
    for (const c of count.values()) if (c === 2) repeats++;
    expect(Math.max(...count.values())).toBe(2);
    expect(repeats).toBe(big.duplicateOrderIdRows);
    expect(repeats / big.rows).toBeGreaterThan(0.003);
    expect(repeats / big.rows).toBeLessThan(0.007);
    const odd = bigRows.filter((row) => !/^ORD-\d{8}-\d{4}$/.test(row.orderId) || (count.get(row.orderId) === 2 && rejectReason(row) !== null));
    expect(odd).toEqual([]);
  });

  it('should keep sale dates inside the given year, in unambiguous formats, when rows are valid', () => {
    const res = salesCsvString({ rows: 10_000, seed: 4, year: 2023 });
    const formats = new Set<string>();
    let valid = 0;
    const years = new Set<number>();
    for (const row of parseRows(res.csv)) {
      if (rejectReason(row) !== null) continue;
      valid++;
      years.add(parseSaleDate(row.date)!.y);
      formats.add(row.date.replace(/\d/g, '9').replace(/[A-Za-z]{3}/, 'Mon'));
    }
    expect(valid).toBe(res.rows - res.expectedDropped);
    expect([...years]).toEqual([2023]);
    expect([...formats].sort()).toEqual(['99-Mon-9999', '99/99/9999', '9999-99-99', '9999-99-99 99:99:99', '9999/99/99'].sort());
  });

  it('should sell more units per order in Nov-Dec than in Jan-Feb when dates are seasonal', () => {
    const res = salesCsvString({ rows: 20_000, seed: 9, errorRate: 0 });
    const sum = [0, 0];
    const n = [0, 0];
    for (const row of parseRows(res.csv)) {
      const m = parseSaleDate(row.date)!.m;
      const bucket = m >= 11 ? 1 : m <= 2 ? 0 : -1;
      if (bucket < 0) continue;
      sum[bucket] += parseQuantity(row.quantity)!;
      n[bucket]++;
    }
    const early = sum[0] / n[0];
    const late = sum[1] / n[1];
    expect(late).toBeGreaterThan(early * 1.5); // uniform 1..32 vs 1..16: 16.5 vs 8.5
  });

  it('should follow the region and product weights when rows are many', () => {
    const regions = new Map<string, number>();
    const products = new Map<string, number>();
    for (const row of bigRows) {
      const r = REGION_OF_VARIANT.get(row.region);
      if (r) regions.set(r, (regions.get(r) ?? 0) + 1);
      const p = PRODUCT_OF_VARIANT.get(row.product);
      if (p) products.set(p.name, (products.get(p.name) ?? 0) + 1);
    }
    const totalR = [...regions.values()].reduce((a, b) => a + b, 0);
    const totalW = SALES_REGION_WEIGHTS.reduce((a, b) => a + b, 0);
    SALES_REGIONS.forEach((r, i) => expect(Math.abs(regions.get(r)! / totalR - SALES_REGION_WEIGHTS[i] / totalW)).toBeLessThan(0.02));
    expect(products.size).toBe(SALES_PRODUCTS.length);
    // Every written spelling of a product appears.
    const seen = new Set(bigRows.map((r) => r.product));
    for (const p of SALES_PRODUCTS) for (const v of p.variants) expect(seen.has(v)).toBe(true);
  });

  it('should give the same bytes and counts when streamed chunk by chunk', async () => {
    const opts = { rows: 12_345, seed: 21 };
    const { next, result } = salesCsvChunks(opts);
    let csv = '';
    for (let c = next(); c !== null; c = next()) csv += c;
    const str = salesCsvString(opts);
    expect(csv).toBe(str.csv);
    const { csv: _ignored, ...counts } = str;
    expect(result()).toEqual(counts);

    const out = new CollectingWritable(1 << 20);
    const written = await writeSalesCsv(out, opts);
    expect(out.text()).toBe(str.csv);
    expect(written).toEqual(counts);
  });

  it('should honour backpressure when the stream is slow', async () => {
    const hwm = 16 * 1024;
    const out = new CollectingWritable(hwm, true);
    const res = await writeSalesCsv(out, { rows: 12_000, seed: 2 });
    expect(out.falseReturns).toBeGreaterThan(0);
    expect(out.maxPendingBeforeWrite).toBeLessThan(hwm); // never writes while over the mark
    expect(parseRows(out.text())).toHaveLength(12_000);
    expect(res.bytes).toBe(out.text().length);
  });

  it('should reject when the stream fails', async () => {
    const out = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        cb(new Error('disk full'));
      },
    });
    out.on('error', () => undefined);
    await expect(writeSalesCsv(out, { rows: 50_000, seed: 1 })).rejects.toThrow('disk full');
  });
});
