import { cleanCategory, cleanProductName, cleanRegion, createSalesCleaner, Reject } from '../cleaners';
import { SALES_FAULT_DROP_REASON, SALES_FAULT_TYPES, SALES_UNKNOWN_PRODUCTS, SALES_UNKNOWN_REGIONS, salesCsvString, SalesGenOptions, salesShapeOptions } from './index';
import { parseRecords } from './parsed-csv.spec-helper';

const UNKNOWN_PRODUCTS = new Set(SALES_UNKNOWN_PRODUCTS.map((p) => cleanProductName(p)));
const UNKNOWN_REGIONS = new Set(SALES_UNKNOWN_REGIONS.map((r) => cleanRegion(r)));

// Raw columns.
const PRODUCT = 1;
const CATEGORY = 2;
const REGION = 6;
const SALE_DATE = 7;

interface Cleaned {
  raw: string[][];
  kept: (string | null)[][];
  droppedByReason: Record<string, number>;
}

function generate(opts: Partial<SalesGenOptions>): Cleaned & ReturnType<typeof salesCsvString> {
  const res = salesCsvString({ rows: 20_000, seed: 31, ...opts });
  const raw = parseRecords(res.csv).slice(1);
  const clean = createSalesCleaner({ now: new Date() });
  const kept: (string | null)[][] = [];
  const droppedByReason: Record<string, number> = {};
  for (const fields of raw) {
    const r = clean(fields);
    if (r instanceof Reject) droppedByReason[r.reason] = (droppedByReason[r.reason] ?? 0) + 1;
    else kept.push(r);
  }
  return { ...res, raw, kept, droppedByReason };
}

function expectedDropsByReason(res: ReturnType<typeof salesCsvString>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of SALES_FAULT_TYPES) {
    const reason = SALES_FAULT_DROP_REASON[t];
    if (reason !== null && res.faultsByType[t] > 0) out[reason] = (out[reason] ?? 0) + res.faultsByType[t];
  }
  return out;
}

/** Distinct values a name rule gives over every row (kept or dropped: the rule is per field). */
function distinctNames(raw: string[][], col: number, rule: (v: string) => unknown): Set<unknown> {
  return new Set(raw.map((r) => rule(r[col])));
}

describe('sales generator options', () => {
  it('should define the adversarial preset exactly', () => {
    expect(salesShapeOptions('default')).toEqual({});
    expect(salesShapeOptions('adversarial')).toEqual({
      distinctProducts: true,
      categories: 10_000,
      regions: 10_000,
      year: 2015,
      years: 10,
    });
  });

  it('should give every row its own product name, kept by the cleaner, when the shape is adversarial', () => {
    const res = generate({ rows: 30_000, shape: 'adversarial' });
    expect(res.kept.length).toBe(30_000 - res.expectedDropped);
    expect(res.droppedByReason).toEqual(expectedDropsByReason(res));
    const products = res.kept.map((r) => r[1]);
    expect(new Set(products).size).toBe(products.length);
    // …and over all rows, dropped ones included.
    expect(distinctNames(res.raw, PRODUCT, cleanProductName).size).toBe(30_000);
    // Ten years, all in the past.
    const years = new Set(res.kept.map((r) => r[7]!.slice(0, 4)));
    expect([...years].sort()).toEqual(['2015', '2016', '2017', '2018', '2019', '2020', '2021', '2022', '2023', '2024']);
    expect(res.faultyRows / res.rows).toBeGreaterThan(0.14);
    expect(res.faultyRows / res.rows).toBeLessThan(0.16);
  });

  it('should give all 10,000 categories and regions when the shape is adversarial and rows are enough', () => {
    // Half the rows cycle through all values: 25,000 rows give each value at least one turn.
    const res = generate({ rows: 25_000, shape: 'adversarial', errorRate: 0 });
    expect(distinctNames(res.raw, CATEGORY, cleanCategory).size).toBe(10_000);
    expect(distinctNames(res.raw, REGION, cleanRegion).size).toBe(10_000);
  });

  it('should give exactly `products` product names when products is set', () => {
    const res = generate({ products: 500 });
    const names = distinctNames(res.raw, PRODUCT, cleanProductName);
    const generated = [...names].filter((n) => !UNKNOWN_PRODUCTS.has(n as string));
    expect(generated).toHaveLength(500);
    expect(res.droppedByReason).toEqual(expectedDropsByReason(res));
  });

  it('should give exactly `categories` and `regions` values when they are set', () => {
    const res = generate({ categories: 300, regions: 200 });
    expect(distinctNames(res.raw, CATEGORY, cleanCategory).size).toBe(300);
    const regions = [...distinctNames(res.raw, REGION, cleanRegion)];
    expect(regions.filter((r) => !UNKNOWN_REGIONS.has(r as string))).toHaveLength(200);
  });

  it('should write generated names that the cleaner keeps as they are, whatever their case', () => {
    const res = generate({ products: 2_000, categories: 2_000, regions: 2_000, errorRate: 0 });
    const changed: string[] = [];
    let lowerCase = 0;
    for (const [col, rule] of [
      [PRODUCT, cleanProductName],
      [CATEGORY, cleanCategory],
      [REGION, cleanRegion],
    ] as const) {
      for (const r of res.raw) {
        const v = r[col];
        if (!/ #\d+$|^(category|region) \d+$/i.test(v)) continue; // named values have their vocabulary
        const cleaned = rule(v) as string;
        // Canonical spellings stay as written; lower-case ones come back to the canonical form.
        if (v === v.toLowerCase()) {
          lowerCase++;
          if (cleaned === v || cleaned.toLowerCase() !== v) changed.push(`${v} → ${cleaned}`);
        } else if (cleaned !== v) {
          changed.push(`${v} → ${cleaned}`);
        }
      }
    }
    expect(changed).toEqual([]);
    expect(lowerCase).toBeGreaterThan(1_000);
  });

  it('should spread sale dates over `years` calendar years from `year` when years is set', () => {
    const res = generate({ year: 2020, years: 3, errorRate: 0 });
    const years = new Set(res.raw.map((r) => /(\d{4})/.exec(r[SALE_DATE])![1]));
    expect([...years].sort()).toEqual(['2020', '2021', '2022']);
    expect(res.kept).toHaveLength(20_000);
  });

  it('should let explicit options win over the shape when both are given', () => {
    const res = generate({ rows: 2_000, shape: 'adversarial', products: 20, year: 2001, years: 1 });
    const names = distinctNames(res.raw, PRODUCT, cleanProductName);
    expect(names.size).toBeLessThanOrEqual(20 + UNKNOWN_PRODUCTS.size);
    expect(new Set(res.kept.map((r) => r[7]!.slice(0, 4)))).toEqual(new Set(['2001']));
    expect(distinctNames(res.raw, CATEGORY, cleanCategory).size).toBeGreaterThan(1_000);
  });

  it('should reject new options when they are out of range', () => {
    const gen = (opts: Partial<SalesGenOptions>) => () => salesCsvString({ rows: 10, ...opts });
    expect(gen({ products: 0 })).toThrow(RangeError);
    expect(gen({ categories: 2_000_000 })).toThrow(RangeError);
    expect(gen({ regions: 1.5 })).toThrow(RangeError);
    expect(gen({ years: 0 })).toThrow(RangeError);
    expect(gen({ year: 9_999, years: 2 })).toThrow(RangeError);
    expect(gen({ shape: 'mixed' as 'adversarial' })).toThrow(RangeError);
  });
});
