import { createWriteStream, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { finished } from 'stream/promises';
import request from 'supertest';
import { writeSalesCsv, writeStoreMonitoringFeed, writeTransactionsCsv } from '../../libs/datagen';
import { postFile } from '../factories/big-csv';
import { reference, RefFilter } from '../factories/transactions-reference';
import { salesReference } from '../factories/sales-reference';
import { createOrg, startTestApp, TestApp, waitForImport } from '../factories/test-app';

/**
 * Memory limits at CI size: the app runs with a small import budget and load-thread heaps capped
 * at 16 MB, so that 300K rows of the adversarial shape (every row a new customer, 100K merchants,
 * zones and categories, ten years of timestamps) go through every fallback a 10M-row file of that
 * shape would: folds that give up and are summed in SQL, customer counts spilled to disk, a
 * re-upload whose every key is known. Without the budgets the threads die of their heap cap (as
 * transactions imports above ~1M rows once did with the default cap). Answers stay exact.
 */
const NOW = new Date('2026-06-30T12:00:00Z');
const ROWS = 300_000;
const DIR = path.join(os.tmpdir(), `import-limits-${process.env.TEST_RUN_ID ?? 'manual'}-${process.pid}`);

async function writeFile(name: string, write: (out: NodeJS.WritableStream) => Promise<unknown>): Promise<string> {
  const file = path.join(DIR, name);
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  await write(out);
  out.end();
  await finished(out);
  return file;
}

describe('Import limits: bounded memory on adversarial shapes (e2e)', () => {
  let t: TestApp;
  let txFile: string;
  let salesFile: string;
  let statusFile: string;

  beforeAll(async () => {
    await fs.mkdir(DIR, { recursive: true });
    [t, txFile, salesFile, statusFile] = await Promise.all([
      startTestApp({ IMPORT_MEMORY_MB: 16, LOAD_THREAD_HEAP_MB: 16 }),
      writeFile('tx.csv', (out) => writeTransactionsCsv(out, { rows: ROWS, seed: 21, now: NOW, shape: 'adversarial' })),
      writeFile('sales.csv', (out) => writeSalesCsv(out, { rows: 200_000, seed: 22, shape: 'adversarial' })),
      writeFile('status.csv', (out) => writeStoreMonitoringFeed(out, 'status', { stores: 50_000, rows: 200_000, days: 3650, seed: 23 })),
    ]);
  }, 120000);

  afterAll(async () => {
    await t?.close();
    await fs.rm(DIR, { recursive: true, force: true });
  });

  const load = async (key: string, kind: string, file: string, query = 'rejectThreshold=0.9') => {
    const res = await postFile(t.http, `/api/v1/imports/${kind}?${query}`, key, file);
    expect(res.status).toBe(202);
    return waitForImport(t, key, res.body.importId, undefined, 180000);
  };

  it('should import 300K adversarial transactions exactly, building no rollup as large as the rows (answers read the rows)', async () => {
    const { key, orgId } = await createOrg(t, 'adversarial');
    const done = await load(key, 'transactions', txFile);
    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    expect(done.progress.rowsLoaded).toBeGreaterThan(ROWS * 0.98);
    // Zones, categories and merchant days are about as many as the rows; merchant zones (each
    // merchant keeps its zone) are a third of them: summed in SQL.
    expect(done.metrics.folds.missingRollups).toEqual(expect.arrayContaining(['zoneHours', 'categoryHours', 'merchantDays']));
    expect(done.metrics.folds.rollupsInSql).toEqual(['merchantZones']);
    expect(done.metrics.folds.customerSpills).toBeGreaterThan(0);

    const ref = reference(t.db, orgId);
    const get = (p: string) => request(t.http).get(`/api/v1/analytics/${p}`).set('X-API-Key', key).expect(200);
    for (const f of [{}, { from: '2021-03-04T05:06:07Z', to: '2024-11-12T13:14:15.5Z' }] as RefFilter[]) {
      const q = new URLSearchParams(f as Record<string, string>).toString();
      expect((await get(`zone-leaderboard?limit=50&${q}`)).body.data).toEqual((await ref.zones(f)).slice(0, 50));
      const categories = await get(`category-distribution?${q}`);
      const expected = await ref.categories(f);
      expect(categories.body.totalTransactions).toBe(expected.totalTransactions);
      expect(categories.body.data.slice(0, 100)).toEqual(expected.data.slice(0, 100));
      expect((await get(`hourly-pattern?tz=Asia/Kathmandu&${q}`)).body.data).toEqual(await ref.hours(f, 'Asia/Kathmandu'));
      const { queryTimeMs: _q, cached: _c, dataVersion: _d, ...retention } = (await get(`customer-retention?${q}`)).body;
      expect(retention).toEqual(await ref.retention(f));
      expect((await get(`anomalies?pageSize=200&${q}`)).body.data).toEqual((await ref.anomalies(f)).slice(0, 200));
      expect((await get(`dormant-merchants?pageSize=1&${q}`)).body.pagination.total).toBe((await ref.dormant(f)).length);
    }

    // The same file again: every id is known, so every row is a DUPLICATE_ID, found and written
    // as rejects in bounded memory (no list of ids or lines is held).
    const again = await load(key, 'transactions', txFile, 'rejectThreshold=1');
    expect(again).toMatchObject({ status: 'COMPLETED', progress: { rowsLoaded: 0 } });
    expect(again.rejectsByReason.DUPLICATE_ID).toBe(done.progress.rowsLoaded + done.rejectsByReason.DUPLICATE_ID);
    const rejects = await request(t.http).get(`/api/v1/imports/${again.importId}/rejects`).set('X-API-Key', key).expect(200);
    const lines = rejects.text.trim().split('\n');
    expect(lines).toHaveLength(1 + again.progress.rowsRejected);
    const sample = lines.find((l) => l.includes(',DUPLICATE_ID,'))!;
    expect(sample).toMatch(/^\d+,DUPLICATE_ID,.*TXN/);
  });

  it('should sum in SQL the rollups a realistic file outgrew the folds with, and answer from them exactly', async () => {
    // 41 zones in 4 spellings and 10 categories in 17 (the mixed shape's), over 10 days: more cells
    // than this budget's folds hold, far fewer than the rows. (Merchant zones summed in SQL: the
    // adversarial file above.)
    const file = await writeFile('mixed.csv', (out) =>
      writeTransactionsCsv(out, { rows: 200_000, seed: 24, now: NOW, merchants: 400, zones: 41, zoneVariants: 4, categories: 10, categorySpellings: 17, days: 10 }),
    );
    const { key, orgId } = await createOrg(t, 'mixed');
    const done = await load(key, 'transactions', file);
    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    expect(done.metrics.folds.rollupsInSql).toEqual(expect.arrayContaining(['zoneHours']));
    // (Quarter hours are not summed in SQL: the hourly pattern reads the rows when they are missing.)
    expect(done.metrics.folds.missingRollups.filter((s: string) => s !== 'quarters')).toEqual([]);
    expect(done.metrics.phasesMs['publish.zoneHoursInSql']).toBeGreaterThanOrEqual(0);
    const stored = await t.db.query(`SELECT grain, count(*)::int AS n, sum(tx_count)::int AS tx FROM tx_rollups WHERE import_id = $1 AND dim = 'zone' GROUP BY 1 ORDER BY 1`, [
      done.importId,
    ]);
    expect(stored.rows).toEqual([
      { grain: 'day', n: expect.any(Number), tx: done.progress.rowsLoaded },
      { grain: 'hour', n: expect.any(Number), tx: done.progress.rowsLoaded },
    ]);
    const ref = reference(t.db, orgId);
    const get = (p: string) => request(t.http).get(`/api/v1/analytics/${p}`).set('X-API-Key', key).expect(200);
    for (const f of [{}, { from: '2026-06-22T05:06:07.5Z', to: '2026-06-27T13:00:00Z' }, { from: '2026-06-25T00:00:00Z' }] as RefFilter[]) {
      const q = new URLSearchParams(f as Record<string, string>).toString();
      expect((await get(`zone-leaderboard?limit=100&${q}`)).body.data).toEqual((await ref.zones(f)).slice(0, 100));
      const categories = await get(`category-distribution?${q}`);
      expect(categories.body.data).toEqual((await ref.categories(f)).data);
      expect((await get(`anomalies?pageSize=200&${q}`)).body.data).toEqual((await ref.anomalies(f)).slice(0, 200));
      expect((await get(`dormant-merchants?pageSize=1000&${q}`)).body.data).toEqual(await ref.dormant(f));
    }
  });

  it('should import 200K sales rows of all-distinct products exactly, with no daily rollup (answers read the rows)', async () => {
    const { key, orgId } = await createOrg(t, 'sales-adversarial');
    const done = await load(key, 'sales', salesFile);
    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    expect(done.metrics.folds.missingRollups).toEqual(['daily']);
    const ref = salesReference(t.db, orgId);
    const monthly = await request(t.http).get('/api/v1/sales/monthly-summary').set('X-API-Key', key).expect(200);
    expect(monthly.body.data).toEqual(await ref.monthly({}));
    const anomalies = await request(t.http).get('/api/v1/sales/anomalies?limit=20').set('X-API-Key', key).expect(200);
    expect(anomalies.body.data.map(({ reasons: _r, ...rest }: { reasons: string[] }) => rest)).toEqual(await ref.anomalies({}, 20));
    const products = await request(t.http).get('/api/v1/sales/top-products?limit=30').set('X-API-Key', key).expect(200);
    const expected = (await ref.byDimension({}, 'product_name')).slice(0, 30);
    expect(products.body.data.map((p: { product: string; revenue: number }) => [p.product, p.revenue])).toEqual(expected.map((e) => [e.key, Number(e.revenue)]));
  });

  it('should take a re-sent status feed of 50K stores over ten years, every poll a DUPLICATE, and complete', async () => {
    const { key } = await createOrg(t, 'stores-adversarial');
    const first = await load(key, 'store-status', statusFile);
    expect(first).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    const again = await load(key, 'store-status', statusFile, '');
    expect(again).toMatchObject({ status: 'COMPLETED', progress: { rowsLoaded: 0 } });
    expect(again.rejectsByReason.DUPLICATE).toBe(first.progress.rowsLoaded + (first.rejectsByReason.DUPLICATE ?? 0));
  });
});
