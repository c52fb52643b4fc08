import { readFileSync } from 'fs';
import * as path from 'path';
import request from 'supertest';
import { salesCsvString } from '../../libs/datagen';
import { salesReference, SalesRefFilter } from '../factories/sales-reference';
import { createKey, createOrg, startTestApp, TestApp, uploadRaw, waitForImport } from '../factories/test-app';
import { partitionName } from '../../libs/ingest';
import { SalesCandidateWindows1764000000018 } from '../../migrations/1764000000018-SalesCandidateWindows';

/**
 * The sales outputs through HTTP, against an independent plain-SQL computation over the raw rows
 * (test/factories/sales-reference.ts), for the whole organization, per import and per window;
 * data-quality against the rejects files and the generator's own account of the faults it wrote.
 */
const MAIN = salesCsvString({ rows: 6000, seed: 11 });
const SECOND = salesCsvString({ rows: 1500, seed: 12 });
const mainLines = MAIN.csv.trimEnd().split('\n');
/** Five rows of MAIN sent again as a third import: their order ids repeat across imports. */
const THIRD = [mainLines[0], ...mainLines.slice(100, 105)].join('\n') + '\n';

const WINDOWS: SalesRefFilter[] = [
  {},
  { from: '2024-03-01' },
  { to: '2024-06-15' },
  { from: '2024-02-10', to: '2024-11-20' },
  { from: '2024-07-04', to: '2024-07-05' },
  { from: '2030-01-01', to: '2031-01-01' },
];

describe('Sales (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;
  let mainId: string;
  let secondId: string;
  let thirdId: string;

  const get = (p: string, k = key) => request(t.http).get(`/api/v1/sales/${p}`).set('X-API-Key', k);
  const query = (f: SalesRefFilter, extra: Record<string, string | number> = {}) =>
    new URLSearchParams(Object.entries({ ...f, ...extra }).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const load = async (k: string, csv: string) => {
    const res = await uploadRaw(t, k, 'sales', csv).expect(202);
    const done = await waitForImport(t, k, res.body.importId);
    expect(done.status).toBe('COMPLETED');
    return res.body.importId as string;
  };
  /** line → reason of an import's rejects file. */
  const rejectsOf = async (id: string): Promise<Map<number, string>> => {
    const res = await request(t.http).get(`/api/v1/imports/${id}/rejects`).set('X-API-Key', key).expect(200);
    const out = new Map<number, string>();
    for (const line of res.text.split('\n').slice(1)) {
      const [no, reason] = line.split(',', 2);
      if (no) out.set(Number(no), reason);
    }
    return out;
  };

  beforeAll(async () => {
    t = await startTestApp();
    ({ key, orgId } = await createOrg(t, 'sales'));
    mainId = await load(key, MAIN.csv);
    secondId = await load(key, SECOND.csv);
    thirdId = await load(key, THIRD);
  });

  afterAll(async () => {
    await t.close();
  });

  const filters = (): SalesRefFilter[] => [...WINDOWS, { importId: mainId }, { importId: secondId, from: '2024-05-01', to: '2024-09-01' }];

  it('should sum revenue, quantity and mean discount per month exactly, for every filter', async () => {
    for (const f of filters()) {
      const res = await get(`monthly-summary?${query(f)}`).expect(200);
      expect({ f, data: res.body.data }).toEqual({ f, data: await salesReference(t.db, orgId).monthly(f) });
      expect(res.body.queryTimeMs).toEqual(expect.any(Number));
    }
    expect((await get('monthly-summary').expect(200)).body.data).toHaveLength(12);
  });

  it('should rank products and regions by revenue exactly, with the limit', async () => {
    for (const f of filters()) {
      const ref = salesReference(t.db, orgId);
      const products = (await ref.byDimension(f, 'product_name')).map((x, i) => ({ rank: i + 1, product: x.key, revenue: Number(x.revenue), quantity: Number(x.quantity) }));
      expect({ f, data: (await get(`top-products?${query(f, { limit: 1000 })}`).expect(200)).body.data }).toEqual({ f, data: products });
      expect({ f, data: (await get(`top-products?${query(f)}`).expect(200)).body.data }).toEqual({ f, data: products.slice(0, 10) });
      const regions = (await ref.byDimension(f, 'region')).map((x) => ({ region: x.key, revenue: Number(x.revenue), quantity: Number(x.quantity) }));
      expect({ f, data: (await get(`region-performance?${query(f)}`).expect(200)).body.data }).toEqual({ f, data: regions });
    }
    const top3 = (await get('top-products?limit=3').expect(200)).body.data;
    expect(top3.map((p: { rank: number }) => p.rank)).toEqual([1, 2, 3]);
  });

  it('should normalise names: misspelled products and regions mapped, unknown ones title-cased', async () => {
    const products = (await get('top-products?limit=1000').expect(200)).body.data.map((p: { product: string }) => p.product);
    expect(products).toEqual(
      expect.arrayContaining(['Laptop Pro 15', 'Smartphone X', 'Wireless Headphones', '4K LED TV', 'Blender Pro', 'Coffee Maker Elite', "Men's T-shirt (Blue)"]),
    );
    expect(products).not.toEqual(expect.arrayContaining(['smartfone x', 'laptop pro', '4KTV']));
    const regions = (await get('region-performance').expect(200)).body.data.map((r: { region: string }) => r.region);
    expect(regions).toEqual(expect.arrayContaining(['North', 'South', 'East', 'West']));
    expect(regions.filter((r: string) => ['nort', 'sout', 'eas', 'wes'].includes(r.toLowerCase()))).toEqual([]);
  });

  it('should weight category discounts by revenue exactly, for every filter', async () => {
    for (const f of filters()) {
      const res = await get(`category-discounts?${query(f)}`).expect(200);
      expect({ f, data: res.body.data }).toEqual({ f, data: await salesReference(t.db, orgId).categoryDiscounts(f) });
    }
  });

  it('should list the highest-scoring anomalies with their reasons, and the top transactions, for every filter', async () => {
    for (const f of filters()) {
      const ref = salesReference(t.db, orgId);
      const expected = await ref.anomalies(f, 50);
      const res = await get(`anomalies?${query(f, { limit: 50 })}`).expect(200);
      const got = res.body.data.map(({ reasons, ...rest }: { reasons: string[] }) => {
        expect(reasons.length).toBeGreaterThan(0);
        return rest;
      });
      expect({ f, data: got }).toEqual({ f, data: expected });
      expect({ f, data: (await get(`top-transactions?${query(f, { limit: 25 })}`).expect(200)).body.data }).toEqual({ f, data: await ref.topRecords(f, 25) });
    }
    const five = (await get('anomalies').expect(200)).body;
    expect(five.data).toHaveLength(5);
    expect(five.data[0].score).toBeGreaterThanOrEqual(five.data[4].score);
    expect(five.averages.records).toBe(MAIN.rows + SECOND.rows + 5 - MAIN.expectedDropped - SECOND.expectedDropped - (await rejectsOf(thirdId)).size);
  });

  it('should test a window inside the candidate indexes, on partitions migrated from the single-column ones too', async () => {
    const partition = partitionName('sales', mainId);
    const indexes = async () => (await t.db.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1`, [partition])).rows.map((r) => r.indexname);
    const windowed = ['revenue_at', 'qty_at', 'price_at', 'fixed_at'].map((s) => `${partition}_${s}_idx`);
    // The window's bounds are index conditions of every candidate range, not a filter on the rows read.
    const plan = async () => {
      await t.db.query('BEGIN');
      try {
        await t.db.query('SET LOCAL enable_seqscan = off');
        const sql = `EXPLAIN SELECT count(*) FROM ${partition} WHERE sale_at >= '2024-07-04' AND sale_at < '2024-07-05'
                     AND (fixed_score >= 2 OR revenue > 5000 OR quantity > 40 OR unit_price > 900)`;
        return (await t.db.query(sql)).rows.map((r) => r['QUERY PLAN'] as string);
      } finally {
        await t.db.query('ROLLBACK');
      }
    };
    const expectWindowInIndexes = async () => {
      const lines = await plan();
      for (const name of windowed) {
        const at = lines.findIndex((l) => l.includes(`Bitmap Index Scan on ${name} `) || l.includes(`Index Only Scan using ${name} `));
        expect({ name, at }).not.toEqual({ name, at: -1 });
        expect(lines[at + 1]).toMatch(/Index Cond: .*sale_at >= /);
      }
    };
    expect(await indexes()).toEqual(expect.arrayContaining(windowed));
    await expectWindowInIndexes();
    // An import published before migration 18, then the migration.
    const migration = new SalesCandidateWindows1764000000018();
    const runner = { query: (sql: string) => t.db.query(sql).then((r) => r.rows) } as never;
    await migration.down(runner);
    expect(await indexes()).toEqual(expect.arrayContaining(['revenue', 'qty', 'price', 'fixed'].map((s) => `${partition}_${s}_idx`)));
    await migration.up(runner);
    expect((await indexes()).filter((i) => /_(revenue|qty|price|fixed)_idx$/.test(i))).toEqual([]);
    await expectWindowInIndexes();
    for (const f of [WINDOWS[0], WINDOWS[4]]) {
      const res = await get(`anomalies?${query(f, { limit: 50 })}`)
        .set('Cache-Control', 'no-cache')
        .expect(200);
      expect({ f, data: res.body.data.map(({ reasons: _r, ...rest }: { reasons: string[] }) => rest) }).toEqual({ f, data: await salesReference(t.db, orgId).anomalies(f, 50) });
    }
  });

  it('should account for every dropped row and repeated order id, per import and across them', async () => {
    const ids = [mainId, secondId, thirdId];
    const texts = [MAIN.csv, SECOND.csv, THIRD];
    const rejects = await Promise.all(ids.map(rejectsOf));
    const expectFor = (which: number[]) => {
      const byReason: Record<string, number> = {};
      const orderIds = new Map<string, number>();
      let processed = 0;
      for (const i of which) {
        const lines = texts[i].trimEnd().split('\n');
        processed += lines.length - 1;
        lines.forEach((line, at) => {
          if (at === 0) return;
          const reason = rejects[i].get(at + 1);
          if (reason) byReason[reason] = (byReason[reason] ?? 0) + 1;
          else orderIds.set(line.split(',')[0], (orderIds.get(line.split(',')[0]) ?? 0) + 1);
        });
      }
      const dropped = Object.values(byReason).reduce((a, b) => a + b, 0);
      const repeated = [...orderIds.values()].filter((n) => n > 1);
      return {
        recordsProcessed: processed,
        recordsCleaned: processed - dropped,
        recordsDropped: dropped,
        successRate: Math.round(((processed - dropped) / processed) * 10000) / 100,
        dropsByReason: byReason,
        duplicateOrderIds: repeated.length,
        duplicateRows: repeated.reduce((a, n) => a + n - 1, 0),
        imports: which.length,
      };
    };
    const strip = ({ queryTimeMs: _q, cached: _c, dataVersion: _d, ...body }: Record<string, unknown>) => body;
    expect(strip((await get('data-quality').expect(200)).body)).toEqual(expectFor([0, 1, 2]));
    expect(strip((await get(`data-quality?importId=${mainId}`).expect(200)).body)).toEqual(expectFor([0]));
    // The generator's own account of what it broke agrees with what the cleaner dropped.
    const main = strip((await get(`data-quality?importId=${mainId}`).expect(200)).body);
    expect(main.recordsDropped).toBe(MAIN.expectedDropped);
    expect(main.duplicateOrderIds).toBeGreaterThanOrEqual(1);
    expect(Object.keys(main.dropsByReason as object).sort()).toEqual(['INVALID_DATE', 'INVALID_DISCOUNT', 'INVALID_PRICE', 'INVALID_QUANTITY', 'MISSING_DATE']);
    const all = strip((await get('data-quality').expect(200)).body);
    expect(all.duplicateOrderIds as number).toBeGreaterThan(main.duplicateOrderIds as number);
  });

  it('should answer CSV with ?format=csv: the same rows as the JSON answer', async () => {
    const json = (await get('top-products?limit=3').expect(200)).body.data;
    const csv = await get('top-products?limit=3&format=csv').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain('top-products.csv');
    expect(csv.text).toBe(
      [
        'rank,product,revenue,quantity',
        ...json.map((p: { rank: number; product: string; revenue: number; quantity: number }) => `${p.rank},${p.product},${p.revenue},${p.quantity}`),
      ].join('\n') + '\n',
    );
    const months = await get('monthly-summary?format=csv&from=2030-01-01').expect(200);
    expect(months.text).toBe('month,revenue,quantity,avgDiscount,records\n');
    const anomalies = await get('anomalies?format=csv&limit=2').expect(200);
    expect(anomalies.text.split('\n')[0]).toBe('score,reasons,orderId,product,category,region,quantity,unitPrice,discount,revenue,saleDate,importId,line');
    const quality = await get(`data-quality?importId=${mainId}&format=csv`).expect(200);
    expect(quality.text).toContain(`recordsProcessed,${MAIN.rows}\n`);
    expect(quality.text).toMatch(/dropsByReason\.MISSING_DATE,\d+\n/);
  });

  it('should refuse bad filters with a 400 naming the problem, and unknown imports with 404', async () => {
    const cases: Array<[string, number, string]> = [
      ['monthly-summary?from=2024-13-01', 400, 'INVALID_DATE_FILTER'],
      ['monthly-summary?to=2024-02-30', 400, 'INVALID_DATE_FILTER'],
      ['monthly-summary?from=2024-03-01T00:00:00Z', 400, 'INVALID_DATE_FILTER'],
      ['region-performance?from=2024-05-01&to=2024-05-01', 400, 'INVALID_DATE_RANGE'],
      ['top-products?limit=0', 400, 'VALIDATION_FAILED'],
      ['anomalies?limit=abc', 400, 'VALIDATION_FAILED'],
      ['top-products?format=xml', 400, 'VALIDATION_FAILED'],
      ['monthly-summary?importId=not-a-uuid', 400, 'VALIDATION_FAILED'],
      ['data-quality?from=2024-01-01', 400, 'INVALID_FILTER'],
      ['top-transactions?importId=00000000-0000-4000-8000-000000000000', 404, 'IMPORT_NOT_FOUND'],
    ];
    for (const [p, status, code] of cases) {
      const res = await get(p);
      expect({ p, status: res.status, code: res.body.error }).toEqual({ p, status, code });
      expect(res.body.message).toEqual(expect.any(String));
    }
  });

  it('should keep organizations apart and answer an empty organization with empty outputs', async () => {
    const other = await createOrg(t, 'sales-empty');
    expect((await get('monthly-summary', other.key).expect(200)).body.data).toEqual([]);
    expect((await get('anomalies', other.key).expect(200)).body.data).toEqual([]);
    expect((await get('top-transactions', other.key).expect(200)).body.data).toEqual([]);
    const quality = (await get('data-quality', other.key).expect(200)).body;
    expect(quality).toMatchObject({ recordsProcessed: 0, recordsDropped: 0, successRate: 0, duplicateOrderIds: 0, imports: 0 });
    await get(`monthly-summary?importId=${mainId}`, other.key).expect(404);
  });

  it('should refuse a file that is not a sales export with 400 naming the missing columns, storing nothing', async () => {
    const before = (await get('data-quality').expect(200)).body;
    const res = await uploadRaw(t, key, 'sales', 'order_id,product_name,quantity\nA,B,1\n').expect(400);
    expect(res.body.details.missing).toEqual(['category', 'unit_price', 'discount_percent', 'region', 'sale_date']);
    const after = (await get('data-quality').expect(200)).body;
    expect(after.recordsProcessed).toBe(before.recordsProcessed);
  });

  it('should import the old system’s sample file, dropping only its 28 rows without a date', async () => {
    const sample = readFileSync(path.join(__dirname, '../fixtures/csv/ok/sales-sample-2000.csv'), 'utf8');
    const other = await createOrg(t, 'sales-sample');
    const res = await uploadRaw(t, other.key, 'sales', sample).expect(202);
    const done = await waitForImport(t, other.key, res.body.importId);
    expect(done).toMatchObject({ status: 'COMPLETED', rejectsByReason: { MISSING_DATE: 28 } });
    expect(done.progress).toMatchObject({ rowsRead: 2000, rowsLoaded: 1972, rowsRejected: 28 });
  });

  it('should generate and import a demo run whose drops are exactly the faults the generator wrote', async () => {
    const other = await createOrg(t, 'sales-demo');
    const res = await request(t.http).post('/api/v1/sales/demo-runs').set('X-API-Key', other.key).send({ numRows: 3000, seed: 5, errorRate: 0.2 }).expect(202);
    const done = await waitForImport(t, other.key, res.body.importId);
    expect(done.status).toBe('COMPLETED');
    const expected = salesCsvString({ rows: 3000, seed: 5, errorRate: 0.2 });
    expect(done.progress).toMatchObject({ rowsRead: 3000, rowsRejected: expected.expectedDropped });
    expect(done.sizeBytes).toBe(Buffer.byteLength(expected.csv));
    const quality = (await get('data-quality', other.key).expect(200)).body;
    expect(quality.recordsDropped).toBe(expected.expectedDropped);
  });

  it('should still be exact when a file has too many distinct names for the load threads to fold', async () => {
    // 240,000 distinct products: each load thread passes its cell cap, so the publish step sums the rows in SQL.
    const lines = Array.from(
      { length: 240_000 },
      (_, i) => `ORD-${i},Product ${i},Gadgets,${1 + (i % 7)},${10 + (i % 90)}.25,0.${i % 10},${['north', 'Mars'][i % 2]},2024-0${1 + (i % 9)}-1${i % 10},`,
    );
    const other = await createOrg(t, 'sales-many-names');
    const res = await uploadRaw(
      t,
      other.key,
      'sales',
      ['order_id,product_name,category,quantity,unit_price,discount_percent,region,sale_date,customer_email', ...lines].join('\n'),
    ).expect(202);
    expect((await waitForImport(t, other.key, res.body.importId)).status).toBe('COMPLETED');
    const ref = salesReference(t.db, other.orgId);
    for (const f of [{}, { from: '2024-03-01', to: '2024-06-01' }]) {
      expect((await get(`monthly-summary?${query(f)}`, other.key).expect(200)).body.data).toEqual(await ref.monthly(f));
      const regions = (await ref.byDimension(f, 'region')).map((x) => ({ region: x.key, revenue: Number(x.revenue), quantity: Number(x.quantity) }));
      expect((await get(`region-performance?${query(f)}`, other.key).expect(200)).body.data).toEqual(regions);
    }
  });

  it('should refuse bad demo runs with 400 and viewers with 403', async () => {
    const post = (body: object, k = key) => request(t.http).post('/api/v1/sales/demo-runs').set('X-API-Key', k).send(body);
    for (const body of [{}, { numRows: 99 }, { numRows: 10_000_001 }, { numRows: 1000, errorRate: 1.5 }, { numRows: 1000, seed: 'x' }]) {
      const res = await post(body);
      expect({ body, status: res.status, code: res.body.error }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    const viewer = await createKey(t, key, 'viewer');
    await post({ numRows: 1000 }, viewer).expect(403);
  });

  it('should reflect a deleted import at once (the cache is keyed by data version)', async () => {
    const before = (await get('monthly-summary').expect(200)).body;
    await get('monthly-summary')
      .expect(200)
      .expect((r) => expect(r.body.cached).toBe(true));
    await request(t.http).delete(`/api/v1/imports/${thirdId}`).set('X-API-Key', key).expect(200);
    const after = (await get('monthly-summary').expect(200)).body;
    expect(after.cached).toBe(false);
    expect(after.data).toEqual(await salesReference(t.db, orgId).monthly({}));
    expect(after.data).not.toEqual(before.data);
  });
});
