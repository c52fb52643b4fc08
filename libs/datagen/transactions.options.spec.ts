import { normalizeCategory } from '../cleaners/transactions.cleaner';
import {
  FAULT_TYPES,
  merchantsCsvString,
  TIMESTAMP_FORMATS,
  TimestampFormat,
  transactionsCsvString,
  TransactionsGenOptions,
  transactionsShapeOptions,
  TransactionsGenResult,
} from './index';
import { cleanTransactions, CleanedTransactions, distinctCleaned, parseRecords } from './parsed-csv.spec-helper';
import { categoryVariants, transactionDimensions, zoneSpelling } from './transactions.dimensions';

const NOW = new Date('2025-12-01T12:00:00.000Z');
const NOW_MS = NOW.getTime();
const DAY_MS = 86_400_000;
// Cleaned columns.
const MERCHANT = 1;
const ZONE = 2;
const CATEGORY = 3;
const OCCURRED_AT = 5;
const PHONE = 6;

function generate(opts: Partial<TransactionsGenOptions>): {
  csv: string;
  result: TransactionsGenResult;
  t: CleanedTransactions;
} {
  const { csv, result } = transactionsCsvString({ rows: 20_000, seed: 17, now: NOW, ...opts });
  return { csv, result, t: cleanTransactions(csv, NOW) };
}

const instantOf = (occurredAt: string | null): number => Date.parse(occurredAt!.replace(' ', 'T'));

/** The form of a timestamp text, by the grammar of the transactions cleaner. */
const FORM_PATTERNS: Record<TimestampFormat, RegExp> = {
  iso_t: /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d$/,
  iso_space: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
  iso_z: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[Zz]$/,
  offset_colon: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/,
  offset_compact: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$/,
  offset_hour: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d$/,
  fraction: /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\.\d{1,9}(Z|\+00:00)?$/,
  no_seconds: /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d$/,
  date_only: /^\d{4}-\d\d-\d\d$/,
  ymd_slash: /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d$/,
  dmy_slash: /^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/,
};
function formOf(ts: string): TimestampFormat | null {
  for (const form of TIMESTAMP_FORMATS) if (FORM_PATTERNS[form].test(ts)) return form;
  return null;
}

/** How finely a timestamp text states its instant (ms): a day, a minute, a second or finer. */
function precisionMs(ts: string): number {
  const form = formOf(ts);
  if (form === 'date_only') return DAY_MS;
  if (form === 'no_seconds' || /^\d{4}-\d\d-\d\d \d\d:\d\d$/.test(ts)) return 60_000;
  const digits = /\.(\d+)/.exec(ts)?.[1].length ?? 0;
  return digits >= 3 ? 1 : 10 ** (3 - digits);
}

/** The cleaner's reject reasons for each fault type (duplicates are the loader's business). */
function expectedRejects(result: TransactionsGenResult): Record<string, number> {
  const byReason: Record<string, number> = {};
  const add = (reason: string, n: number): void => {
    if (n > 0) byReason[reason] = (byReason[reason] ?? 0) + n;
  };
  add('INVALID_AMOUNT', result.faultsByType.unparsable_amount);
  add('NEGATIVE_AMOUNT', result.faultsByType.negative_amount);
  add('AMOUNT_TOO_LARGE', result.faultsByType.amount_too_large);
  add('INVALID_TIMESTAMP', result.faultsByType.invalid_timestamp);
  add('FUTURE_TIMESTAMP', result.faultsByType.future_timestamp);
  return byReason;
}

/** Checks that the cleaner rejects exactly the faulty rows (duplicate ids: accepted, repeated ids). */
function expectExactRejects(t: CleanedTransactions, result: TransactionsGenResult): void {
  const missing = Object.entries(t.rejectsByReason)
    .filter(([reason]) => reason.startsWith('MISSING_'))
    .reduce((s, [, n]) => s + n, 0);
  const others = Object.fromEntries(Object.entries(t.rejectsByReason).filter(([reason]) => !reason.startsWith('MISSING_')));
  expect(missing).toBe(result.faultsByType.missing_field);
  expect(others).toEqual(expectedRejects(result));
  const ids = new Set<string>();
  let repeats = 0;
  for (const r of t.cleaned) {
    if (!r) continue;
    if (ids.has(r[0]!)) repeats++;
    ids.add(r[0]!);
  }
  expect(repeats).toBe(result.faultsByType.duplicate_id);
  const rejected = t.cleaned.filter((r) => r === null).length;
  expect(rejected + repeats).toBe(result.faultyRows);
}

describe('transactions generator options', () => {
  it('should define the mixed and adversarial presets exactly', () => {
    expect(transactionsShapeOptions('default', 3_000)).toEqual({});
    expect(transactionsShapeOptions('mixed', 3_000)).toEqual({
      customers: 1_410,
      merchants: 3_000,
      zones: 41,
      zoneVariants: 4,
      categories: 10,
      categorySpellings: 17,
      days: 120,
      timestampFormats: 'all',
      quoteRate: 0.05,
      crlf: true,
      errorRate: 0.01,
    });
    expect(transactionsShapeOptions('adversarial', 3_000)).toEqual({
      distinctCustomers: true,
      merchants: 100_000,
      days: 3_650,
      zones: 100_000,
      categories: 100_000,
      timestampFormats: 'all',
      quoteRate: 0.05,
      crlf: true,
      errorRate: 0.01,
    });
  });

  it('should let explicit options win over the shape when both are given', () => {
    const { csv, result } = transactionsCsvString({
      rows: 2_000,
      seed: 2,
      now: NOW,
      shape: 'mixed',
      crlf: false,
      errorRate: 0,
      zones: 3,
    });
    expect(csv.includes('\r')).toBe(false);
    expect(result.faultyRows).toBe(0);
    const t = cleanTransactions(csv, NOW);
    expect(distinctCleaned(t.cleaned, ZONE).size).toBe(3);
    expect(result.quotedRows).toBeGreaterThan(0); // still the shape's quote rate
    // An explicit pool size replaces the adversarial shape's one customer per row.
    const pooled = generate({ rows: 5_000, shape: 'adversarial', customers: 100, errorRate: 0 });
    const customers = new Set(pooled.t.cleaned.map((r) => r![PHONE]!.slice(-7)));
    customers.delete('INVALID');
    expect(customers.size).toBeLessThanOrEqual(100);
  });

  it('should keep the pool to `customers` distinct numbers when customers is given', () => {
    const { t } = generate({ customers: 500, errorRate: 0 });
    // Formatted variants ("(555) 123-4567") clean to other strings; the last 7 digits identify.
    const customers = new Set<string>();
    for (const r of t.cleaned) if (r && r[PHONE] !== 'INVALID') customers.add(r[PHONE]!.slice(-7));
    expect(customers.size).toBe(500);
  });

  it('should give every clean row its own phone when distinctCustomers is set', () => {
    const { t, result } = generate({ distinctCustomers: true, errorRate: 0.02 });
    const phones = t.cleaned.filter((r) => r !== null).map((r) => r[PHONE]);
    expect(phones).toHaveLength(20_000 - result.faultyRows + result.faultsByType.duplicate_id);
    expect(phones.filter((p) => p === 'INVALID')).toEqual([]);
    expect(new Set(phones).size).toBe(phones.length);
  });

  it('should write valid 11-digit phones when the pool is larger than 10^7', () => {
    const { t } = generate({ customers: 50_000_000, errorRate: 0, rows: 5_000 });
    const phones = t.cleaned.map((r) => r![PHONE]!);
    const canonical = phones.filter((p) => p.startsWith('+'));
    expect(canonical.filter((p) => !/^\+1\d{10}$/.test(p))).toEqual([]);
    expect(new Set(canonical.map((p) => p.slice(2, 5))).size).toBeGreaterThan(100); // not all 555
    expect(phones.filter((p) => p === 'INVALID').length).toBeLessThan(50); // only the short variety
  });

  it('should give exactly `zones` zones after the cleaner when zones is set', () => {
    const { t, result } = generate({ zones: 2_000 });
    const zones = distinctCleaned(t.cleaned, ZONE);
    expect(zones.size).toBe(2_000);
    expect([...zones].filter((z) => z !== z!.trim().toUpperCase())).toEqual([]);
    // Popularity: the busiest zone has many times the median zone's rows.
    const counts = new Map<string, number>();
    for (const r of t.cleaned) if (r) counts.set(r[ZONE]!, (counts.get(r[ZONE]!) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    expect(sorted[0]).toBeGreaterThan(10 * sorted[sorted.length >> 1]);
    expect(result.faultyRows).toBeGreaterThan(0);
    expectExactRejects(t, result);
  });

  it('should write each zone in exactly zoneVariants spellings when zoneVariants is set', () => {
    const { t } = generate({ zones: 41, zoneVariants: 4, errorRate: 0 });
    expect(new Set(t.raw.map((r) => r[ZONE])).size).toBe(41 * 4);
    expect(distinctCleaned(t.cleaned, ZONE).size).toBe(41);
  });

  it('should keep generated zone and category names distinct after normalisation up to 100,000', () => {
    const dims = transactionDimensions(100_000, 100_000);
    const zones = new Set(dims.zoneNames.map((z) => z.trim().toUpperCase()));
    expect(zones.size).toBe(100_000);
    const categories = new Set(dims.categoryNames.map(normalizeCategory));
    expect(categories.size).toBe(100_000);
    const changed = dims.categoryNames.filter((c, i) => i >= 10 && normalizeCategory(c) !== c);
    expect(changed).toEqual([]);
    for (const name of ['Cat 1', 'Cat Zz', dims.categoryNames[99_999]]) {
      expect(categoryVariants(name).map(normalizeCategory)).toEqual([name, name, name]);
    }
    for (const name of ['Zone 1', dims.zoneNames[99_999]]) {
      const spellings = [0, 1, 2, 3, 4, 5, 6].map((k) => zoneSpelling(name, k).trim().toUpperCase());
      expect(new Set(spellings)).toEqual(new Set([name.toUpperCase()]));
    }
  });

  it('should give exactly `categories` categories after the cleaner when categories is set', () => {
    const { t } = generate({ categories: 3_000, errorRate: 0 });
    expect(distinctCleaned(t.cleaned, CATEGORY).size).toBe(3_000);
    const faulty = generate({ categories: 3_000 });
    expectExactRejects(faulty.t, faulty.result);
  });

  it('should write exactly categorySpellings raw categories when categorySpellings is set', () => {
    const { t } = generate({ categorySpellings: 17, errorRate: 0 });
    const raw = new Set(t.raw.map((r) => r[CATEGORY]));
    expect(raw.size).toBe(17);
    expect(distinctCleaned(t.cleaned, CATEGORY).size).toBe(10);
    // The seven variants are the first variant of the first seven categories.
    expect(raw).toEqual(
      new Set([
        ...['Grocery', 'Food', 'Electronics', 'Fashion', 'Transport', 'Utilities', 'Healthcare'],
        ...['Education', 'Home', 'Entertainment'],
        ...['GROCERIES', 'food', 'electronics', 'clothing', 'Transportation', 'utilities', 'Health'],
      ]),
    );
  });

  it('should use wide merchant ids and agree with the merchants file when there are 100,000 merchants', () => {
    const seed = 23;
    const { t } = generate({ merchants: 100_000, zones: 500, seed, errorRate: 0 });
    const ids = [...distinctCleaned(t.cleaned, MERCHANT)] as string[];
    expect(ids.filter((id) => !/^MERCH_\d{6}$/.test(id) || +id.slice(6) > 100_000)).toEqual([]);
    expect(ids.length).toBeGreaterThan(10_000);
    // Home zones come from the merchants file; HOME_DIMENSION_SHARE (80 %) of rows are there.
    const homes = new Map(
      parseRecords(merchantsCsvString({ rows: 100_000, seed, zones: 500 }))
        .slice(1)
        .map((r) => [r[0], r[2].toUpperCase()]),
    );
    const atHome = t.cleaned.filter((r) => homes.get(r![MERCHANT]!) === r![ZONE]).length;
    expect(atHome / t.cleaned.length).toBeGreaterThan(0.77);
    expect(atHome / t.cleaned.length).toBeLessThan(0.83);
  });

  it('should spread timestamps over ten years before now when days is 3650', () => {
    const { t } = generate({ days: 3_650, errorRate: 0, timestampFormats: 'all' });
    const instants = t.cleaned.map((r) => instantOf(r![OCCURRED_AT]));
    const min = Math.min(...instants);
    const max = Math.max(...instants);
    expect(max).toBeLessThanOrEqual(NOW_MS);
    expect(min).toBeGreaterThanOrEqual(NOW_MS - 3_651 * DAY_MS);
    expect(max - min).toBeGreaterThan(3_640 * DAY_MS);
    const days = new Set(instants.map((ms) => Math.floor(ms / DAY_MS)));
    expect(days.size).toBeGreaterThan(3_300); // ~5.5 rows a day
  });

  it('should write about quoteRate of the rows fully quoted, with the same values', () => {
    const base = generate({ rows: 10_000 });
    const quoted = generate({ rows: 10_000, quoteRate: 0.05 });
    const lines = quoted.csv.split('\n').slice(1, -1);
    const fullyQuoted = lines.filter((l) => /^"[^"]*"(,"([^"]|"")*")*$/.test(l));
    expect(fullyQuoted).toHaveLength(quoted.result.quotedRows);
    expect(lines.filter((l) => l.startsWith('"'))).toHaveLength(quoted.result.quotedRows);
    expect(quoted.result.quotedRows / 10_000).toBeGreaterThan(0.04);
    expect(quoted.result.quotedRows / 10_000).toBeLessThan(0.06);
    expect(quoted.t.raw).toEqual(base.t.raw);
    expect(quoted.result.faultsByType).toEqual(base.result.faultsByType);
  });

  it('should end every line with CRLF, with the same values, when crlf is set', () => {
    const base = generate({ rows: 5_000 });
    const crlf = generate({ rows: 5_000, crlf: true });
    expect(crlf.csv.split('\r\n')).toHaveLength(5_000 + 2);
    expect(crlf.csv.split('\n')).toHaveLength(5_000 + 2);
    expect(crlf.result.bytes).toBe(base.result.bytes + 5_001);
    expect(crlf.t.raw).toEqual(base.t.raw);
  });

  it('should use every accepted timestamp form, all accepted and at the same instants, when timestampFormats is all', () => {
    const base = generate({ errorRate: 0.02 });
    const all = generate({ errorRate: 0.02, timestampFormats: 'all' });
    expect({ ...all.result, bytes: 0 }).toEqual({ ...base.result, bytes: 0 });
    const forms = new Map<TimestampFormat | null, number>();
    const wrong: string[] = [];
    all.t.raw.forEach((fields, i) => {
      const baseRow = base.t.cleaned[i];
      const row = all.t.cleaned[i];
      if (baseRow === null || row === null) {
        // Faulty rows keep their fault (and their text).
        if (baseRow !== row || fields[5] !== base.t.raw[i][5]) wrong.push(fields.join('|'));
        return;
      }
      const form = formOf(fields[5]);
      forms.set(form, (forms.get(form) ?? 0) + 1);
      // Both texts are truncations of the row's instant: they agree at the coarser precision.
      const unit = Math.max(precisionMs(fields[5]), precisionMs(base.t.raw[i][5]));
      const got = instantOf(row[OCCURRED_AT]);
      const want = instantOf(baseRow[OCCURRED_AT]);
      if (Math.floor(got / unit) !== Math.floor(want / unit) || !(got <= NOW_MS)) {
        wrong.push(`${fields[5]} → ${row[OCCURRED_AT]} (base ${base.t.raw[i][5]})`);
      }
      if (fields.some((f, k) => k !== 5 && f !== base.t.raw[i][k])) wrong.push(fields.join('|'));
    });
    expect(wrong).toEqual([]);
    expect(forms.get(null)).toBeUndefined();
    expect([...forms.keys()].sort()).toEqual([...TIMESTAMP_FORMATS].sort());
    const clean = 20_000 - all.result.faultyRows;
    for (const n of forms.values()) expect(n).toBeGreaterThan(clean / TIMESTAMP_FORMATS.length / 2);
  });

  it('should match the real upload when the shape is mixed', () => {
    const rows = 30_000;
    const { csv, result, t } = generate({ rows, shape: 'mixed' });
    expect(csv.split('\r\n')).toHaveLength(rows + 2);
    expect(result.quotedRows / rows).toBeGreaterThan(0.04);
    expect(result.quotedRows / rows).toBeLessThan(0.06);
    expect(result.faultyRows / rows).toBeGreaterThan(0.007);
    expect(result.faultyRows / rows).toBeLessThan(0.013);
    expectExactRejects(t, result);
    const phones = distinctCleaned(t.cleaned, PHONE);
    phones.delete('INVALID');
    expect(phones.size / rows).toBeGreaterThan(0.3);
    expect(phones.size / rows).toBeLessThan(0.37);
    const merchants = distinctCleaned(t.cleaned, MERCHANT);
    expect(merchants.size).toBeGreaterThan(2_000);
    expect([...merchants].filter((m) => +m!.slice(6) > 3_000)).toEqual([]);
    const written = (col: number): Set<string> => new Set(t.raw.map((r) => r[col]).filter((v) => v !== ''));
    expect(written(ZONE).size).toBe(164); // '' only on missing-field faults
    expect(distinctCleaned(t.cleaned, ZONE).size).toBe(41);
    expect(written(CATEGORY).size).toBe(17);
    expect(distinctCleaned(t.cleaned, CATEGORY).size).toBe(10);
    const forms = new Set(t.raw.filter((_, i) => t.cleaned[i]).map((r) => formOf(r[5])));
    expect(forms).toEqual(new Set(TIMESTAMP_FORMATS));
    const instants = t.cleaned.filter((r) => r).map((r) => instantOf(r![OCCURRED_AT]));
    expect(Math.max(...instants) - Math.min(...instants)).toBeGreaterThan(119 * DAY_MS);
    expect(Math.min(...instants)).toBeGreaterThanOrEqual(NOW_MS - 121 * DAY_MS);
  });

  it('should push every limit at once when the shape is adversarial', () => {
    const rows = 20_000;
    const { csv, result, t } = generate({ rows, shape: 'adversarial' });
    expect(csv.split('\r\n')).toHaveLength(rows + 2);
    expectExactRejects(t, result);
    const accepted = t.cleaned.filter((r) => r !== null);
    const phones = new Set(accepted.map((r) => r[PHONE]));
    expect(phones.size).toBe(accepted.length);
    expect(phones.has('INVALID')).toBe(false);
    // 20 % of rows cycle through all 100,000 zones / categories: ~4,000 new values each here.
    expect(distinctCleaned(t.cleaned, ZONE).size).toBeGreaterThan(5_000);
    expect(distinctCleaned(t.cleaned, CATEGORY).size).toBeGreaterThan(5_000);
    expect(distinctCleaned(t.cleaned, MERCHANT).size).toBeGreaterThan(10_000);
    const instants = accepted.map((r) => instantOf(r[OCCURRED_AT]));
    expect(Math.max(...instants) - Math.min(...instants)).toBeGreaterThan(3_600 * DAY_MS);
    expect(new Set(t.raw.map((r, i) => (t.cleaned[i] ? formOf(r[5]) : 'fault')))).toEqual(new Set([...TIMESTAMP_FORMATS, 'fault']));
    expect(result.quotedRows / rows).toBeGreaterThan(0.04);
    for (const type of FAULT_TYPES) expect(result.faultsByType[type]).toBeGreaterThan(0);
  });

  it('should give the same bytes when the options and seed are the same', () => {
    const opts = { rows: 3_000, seed: 5, now: NOW, shape: 'adversarial' as const, zones: 900 };
    expect(transactionsCsvString(opts).csv).toBe(transactionsCsvString(opts).csv);
  });

  it('should reject new options when they are out of range', () => {
    const gen = (opts: Partial<TransactionsGenOptions>) => () => transactionsCsvString({ rows: 10, now: NOW, ...opts });
    expect(gen({ customers: 0 })).toThrow(RangeError);
    expect(gen({ customers: 1.5 })).toThrow(RangeError);
    expect(gen({ customers: 20_000_000_000 })).toThrow(RangeError);
    expect(gen({ distinctCustomers: true, customers: 5 })).toThrow(RangeError);
    expect(gen({ zones: 0 })).toThrow(RangeError);
    expect(gen({ zones: 2_000_000 })).toThrow(RangeError);
    expect(gen({ zoneVariants: 8 })).toThrow(RangeError);
    expect(gen({ categories: 0 })).toThrow(RangeError);
    expect(gen({ categorySpellings: 9 })).toThrow(RangeError);
    expect(gen({ categorySpellings: 1_000 })).toThrow(RangeError);
    expect(gen({ quoteRate: 1.5 })).toThrow(RangeError);
    expect(gen({ timestampFormats: 'some' as 'all' })).toThrow(RangeError);
    expect(gen({ shape: 'weird' as 'mixed' })).toThrow(RangeError);
    expect(gen({ distinctCustomers: true, customers: 10 })).not.toThrow();
  });
});
