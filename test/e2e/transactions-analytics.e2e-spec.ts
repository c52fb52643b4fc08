import request from 'supertest';
import { merchantsCsvString, transactionsCsvString } from '../../libs/datagen';
import { createOrg, startTestApp, TestApp, uploadRaw, waitForImport } from '../factories/test-app';
import { reference, RefFilter } from '../factories/transactions-reference';
import { partitionName } from '../../libs/ingest';
import { AnomalyTailsIndexOnly1764000000021 } from '../../migrations/1764000000021-AnomalyTailsIndexOnly';

/**
 * Every analytics endpoint, through HTTP, against an independent plain-SQL computation over the
 * raw rows of the same organization, for many filter combinations. The data: a generated file
 * (log-normal amounts, microsecond timestamps over 90 days, formatting variety, faults) plus a
 * second import and a merchants file, so that rollups, raw edges and merges are all exercised.
 */
const NOW = new Date('2026-06-30T12:00:00Z');
const MAIN = transactionsCsvString({ rows: 4000, seed: 7, now: NOW, merchants: 300, days: 90 }).csv;
const SECOND = transactionsCsvString({ rows: 700, seed: 8, now: NOW, merchants: 320, days: 30 }).csv;
const MERCHANTS = merchantsCsvString({ rows: 340, seed: 7 });

/** Windows: unbounded ends, aligned days, hours, sub-second and microsecond edges, offsets. */
const WINDOWS: RefFilter[] = [
  {},
  { from: '2026-05-01T00:00:00Z' },
  { to: '2026-05-15T00:00:00Z' },
  { from: '2026-04-10T00:00:00Z', to: '2026-05-20T00:00:00Z' },
  { from: '2026-04-10T07:00:00Z', to: '2026-04-12T19:00:00Z' },
  { from: '2026-04-10T07:21:13.250Z', to: '2026-06-02T19:03:01.000001Z' },
  { from: '2026-05-03T12:00:00+05:30', to: '2026-05-03T12:45:00+05:30' },
  { from: '2026-06-01T23:59:59.999999Z', to: '2026-06-28 08:00:00' },
  { from: '2020-01-01T00:00:00Z', to: '2021-01-01T00:00:00Z' },
];

describe('Transaction analytics (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;
  let mainId: string;
  let secondId: string;

  const get = (path: string, k = key) => request(t.http).get(`/api/v1/analytics/${path}`).set('X-API-Key', k);
  const query = (f: RefFilter, extra: Record<string, string | number> = {}) =>
    new URLSearchParams(Object.entries({ ...f, ...extra }).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const load = async (k: string, kind: string, csv: string | Buffer) => {
    const res = await uploadRaw(t, k, kind, csv, 'rejectThreshold=0.9').expect(202);
    const done = await waitForImport(t, k, res.body.importId);
    expect(done.status).toBe('COMPLETED');
    return res.body.importId as string;
  };

  beforeAll(async () => {
    t = await startTestApp();
    ({ key, orgId } = await createOrg(t, 'analytics'));
    await load(key, 'merchants', MERCHANTS);
    mainId = await load(key, 'transactions', MAIN);
    secondId = await load(key, 'transactions', SECOND);
  });

  afterAll(async () => {
    await t.close();
  });

  const filters = (): RefFilter[] => [...WINDOWS, { importId: mainId }, { ...WINDOWS[5], importId: secondId }];

  it('should rank zones exactly as SQL does, for every filter', async () => {
    for (const f of filters()) {
      const res = await get(`zone-leaderboard?${query(f, { limit: 100 })}`).expect(200);
      expect({ f, data: res.body.data }).toEqual({ f, data: await reference(t.db, orgId).zones(f) });
      expect(res.body.queryTimeMs).toEqual(expect.any(Number));
    }
  });

  it('should send a cached answer as the same JSON, with a JSON content type', async () => {
    const first = await get('zone-leaderboard?limit=100').expect(200);
    const again = await get('zone-leaderboard?limit=100').expect(200);
    for (const res of [first, again]) {
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    expect(again.body.cached).toBe(true);
    expect(again.body.data).toEqual(first.body.data);
  });

  it('should compute an answer afresh for Cache-Control: no-cache, then serve that one from the cache', async () => {
    await get('full-report').expect(200);
    expect((await get('full-report').expect(200)).body.cached).toBe(true);
    const fresh = await get('full-report').set('Cache-Control', 'no-cache').expect(200);
    expect(fresh.body.cached).toBe(false);
    const strip = (b: Record<string, unknown>) => ({ ...b, queryTimeMs: 0, totalQueryTimeMs: 0, cached: false });
    const after = await get('full-report').expect(200);
    expect(after.body.cached).toBe(true);
    expect(strip(after.body)).toEqual(strip(fresh.body));
    // Other directives, and no-cache among them, are read as such.
    expect((await get('full-report').set('Cache-Control', 'max-age=0').expect(200)).body.cached).toBe(true);
    expect((await get('full-report').set('Cache-Control', 'max-age=0, No-Cache').expect(200)).body.cached).toBe(false);
  });

  it('should count categories with their percentages exactly, for every filter', async () => {
    for (const f of filters()) {
      const res = await get(`category-distribution?${query(f)}`).expect(200);
      expect({ f, body: { data: res.body.data, totalTransactions: res.body.totalTransactions } }).toEqual({ f, body: await reference(t.db, orgId).categories(f) });
    }
  });

  it('should give all 24 hours, in UTC and in zones with half and quarter hour offsets', async () => {
    for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu']) {
      for (const f of [WINDOWS[0], WINDOWS[5], WINDOWS[6], { importId: secondId }]) {
        const res = await get(`hourly-pattern?${query(f, { tz })}`).expect(200);
        expect(res.body.data).toHaveLength(24);
        expect({ f, tz, data: res.body.data }).toEqual({ f, tz, data: await reference(t.db, orgId).hours(f, tz) });
      }
    }
  });

  it('should list exactly the transactions above mean + 3σ of their category, for every filter', async () => {
    for (const f of filters()) {
      const expected = await reference(t.db, orgId).anomalies(f);
      const res = await get(`anomalies?${query(f, { pageSize: 1000 })}`).expect(200);
      expect({ f, data: res.body.data }).toEqual({ f, data: expected });
      expect(res.body.pagination).toEqual({ page: 1, pageSize: 1000, total: expected.length, totalPages: Math.ceil(expected.length / 1000) });
    }
    const all = await reference(t.db, orgId).anomalies({});
    expect(all.length).toBeGreaterThan(10);
    const page2 = await get('anomalies?page=2&pageSize=7').expect(200);
    expect(page2.body.data).toEqual(all.slice(7, 14));
  });

  it("should list a window's anomaly tail from the index alone, on partitions migrated from the older index too", async () => {
    const partition = partitionName('transactions', mainId);
    const indexes = async () => (await t.db.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1`, [partition])).rows.map((r) => r.indexname);
    // A category's tail in a window, as rowsAbove asks it: the rows are never read (no heap fetch).
    const tailPlan = async () => {
      await t.db.query(`VACUUM ${partition}`);
      await t.db.query('BEGIN');
      try {
        await t.db.query('SET LOCAL enable_seqscan = off');
        await t.db.query('SET LOCAL enable_bitmapscan = off');
        const { category } = (await t.db.query(`SELECT category FROM ${partition} GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)).rows[0];
        const sql = `EXPLAIN (ANALYZE, COSTS OFF) SELECT transaction_id, amount, category, occurred_at FROM ${partition}
                     WHERE category = $1 AND amount >= 10 AND occurred_at >= '2026-05-01' AND occurred_at < '2026-05-02 13:00'
                     ORDER BY amount DESC, transaction_id LIMIT 20`;
        return (await t.db.query(sql, [category])).rows.map((r) => r['QUERY PLAN'] as string).join('\n');
      } finally {
        await t.db.query('ROLLBACK');
      }
    };
    expect(await indexes()).toContain(`${partition}_amt_id_idx`);
    expect(await tailPlan()).toMatch(new RegExp(`Index Only Scan Backward using ${partition}_amt_id_idx [^]*Heap Fetches: 0`));
    // An import published before migration 21 (with migration 17's index), then the migration.
    const migration = new AnomalyTailsIndexOnly1764000000021();
    const runner = { query: (sql: string) => t.db.query(sql).then((r) => r.rows) } as never;
    await migration.down(runner);
    expect((await indexes()).filter((i) => /_amt(_id|key)?_idx$/.test(i))).toEqual([`${partition}_amtkey_idx`]);
    expect(await tailPlan()).not.toMatch(/Index Only Scan/);
    await migration.up(runner);
    expect((await indexes()).filter((i) => /_amt(_id|key)?_idx$/.test(i))).toEqual([`${partition}_amt_id_idx`]);
    expect(await tailPlan()).toMatch(/Index Only Scan Backward using .*_amt_id_idx [^]*Heap Fetches: 0/);
    for (const f of [WINDOWS[0], WINDOWS[4], WINDOWS[5]]) {
      const res = await get(`anomalies?${query(f, { pageSize: 1000 })}`)
        .set('Cache-Control', 'no-cache')
        .expect(200);
      expect({ f, data: res.body.data }).toEqual({ f, data: await reference(t.db, orgId).anomalies(f) });
    }
  });

  it('should count unique and repeat customers exactly, with monthly cohorts', async () => {
    for (const f of filters()) {
      const res = await get(`customer-retention?${query(f, { cohorts: 'monthly' })}`).expect(200);
      const ref = reference(t.db, orgId);
      const { queryTimeMs: _q, cached: _c, dataVersion: _d, ...body } = res.body;
      expect({ f, body }).toEqual({ f, body: { ...(await ref.retention(f)), cohorts: await ref.cohorts(f) } });
    }
  });

  it('should count windowed retention and cohorts from the customer hours, and from the rows for an import published before them', async () => {
    // Every transaction is in its import's customer hours once, and its customer numbered once per organization.
    for (const id of [mainId, secondId]) {
      const [stored] = (
        await t.db.query(
          `SELECT (SELECT count(*) FROM transactions WHERE import_id = $1)::int AS rows,
                  (SELECT coalesce(sum(transactions), 0) FROM tx_customer_hours WHERE import_id = $1)::int AS counted,
                  (SELECT coalesce(sum(length(ids)) / 4, 0) FROM tx_customer_hours WHERE import_id = $1)::int AS ids,
                  (SELECT coalesce(sum(length(times)) / 8, 0) FROM tx_customer_hours WHERE import_id = $1)::int AS times`,
          [id],
        )
      ).rows;
      expect(stored).toEqual({ rows: stored.rows, counted: stored.rows, ids: stored.rows, times: stored.rows });
      expect(stored.rows).toBeGreaterThan(0);
    }
    const numbered = await t.db.query(`SELECT count(*)::int AS n, count(DISTINCT phone)::int AS phones, max(id) AS max FROM tx_customer_ids WHERE org_id = $1`, [orgId]);
    const phones = await t.db.query(`SELECT count(DISTINCT customer_phone)::int AS n FROM transactions WHERE org_id = $1 AND customer_phone <> 'INVALID'`, [orgId]);
    expect(numbered.rows[0]).toEqual({ n: phones.rows[0].n, phones: phones.rows[0].n, max: phones.rows[0].n });

    const answers = async () => {
      for (const f of [WINDOWS[0], WINDOWS[4], WINDOWS[5], WINDOWS[7], { ...WINDOWS[5], importId: secondId }]) {
        for (const cohorts of [false, true]) {
          const res = await get(`customer-retention?${query(f, cohorts ? { cohorts: 'monthly' } : {})}`)
            .set('Cache-Control', 'no-cache')
            .expect(200);
          const { queryTimeMs: _q, cached: _c, dataVersion: _d, ...body } = res.body;
          const ref = reference(t.db, orgId);
          expect({ f, body }).toEqual({ f, body: { ...(await ref.retention(f)), ...(cohorts ? { cohorts: await ref.cohorts(f) } : {}) } });
        }
      }
    };
    await answers();
    // The answers above came from the hours: with the second import's numbers wiped, a window over it changes.
    const f = { ...WINDOWS[5], importId: secondId };
    await t.db.query(`CREATE TEMP TABLE saved_hours AS SELECT hour_start, ids FROM tx_customer_hours WHERE import_id = $1`, [secondId]);
    await t.db.query(`UPDATE tx_customer_hours SET ids = decode(repeat('00', length(ids)), 'hex') WHERE import_id = $1`, [secondId]);
    try {
      const wiped = (
        await get(`customer-retention?${query(f)}`)
          .set('Cache-Control', 'no-cache')
          .expect(200)
      ).body;
      expect(wiped.totalUniqueCustomers).toBe(0);
      expect(wiped.unidentifiedTransactions).toBeGreaterThan((await reference(t.db, orgId).retention(f)).unidentifiedTransactions);
    } finally {
      await t.db.query(`UPDATE tx_customer_hours h SET ids = s.ids FROM saved_hours s WHERE h.import_id = $1 AND h.hour_start = s.hour_start`, [secondId]);
      await t.db.query(`DROP TABLE saved_hours`);
    }
    await t.db.query(`UPDATE tx_import_summaries SET customer_hours = false WHERE import_id = $1`, [secondId]);
    try {
      await answers();
    } finally {
      await t.db.query(`UPDATE tx_import_summaries SET customer_hours = true WHERE import_id = $1`, [secondId]);
    }
  });

  it("should forget a deleted organization's customer numbers, and only that organization's", async () => {
    const gone = (await t.db.query(`INSERT INTO organizations (name) VALUES ('deleted') RETURNING id`)).rows[0].id as string;
    await t.db.query(`INSERT INTO tx_customer_ids (org_id, phone, id) SELECT $1, 'phone-' || g, g FROM generate_series(1, 3) g`, [gone]);
    const count = async (org: string) => (await t.db.query(`SELECT count(*)::int AS n FROM tx_customer_ids WHERE org_id = $1`, [org])).rows[0].n as number;
    const kept = await count(orgId);
    expect([await count(gone), kept > 0]).toEqual([3, true]);
    await t.db.query(`DELETE FROM organizations WHERE id = $1`, [gone]);
    expect([await count(gone), await count(orgId)]).toEqual([0, kept]);
  });

  it('should list dormant merchants, known from merchants imports and from transactions', async () => {
    for (const f of filters()) {
      const expected = await reference(t.db, orgId).dormant(f);
      const res = await get(`dormant-merchants?${query(f, { pageSize: 1000 })}`).expect(200);
      expect({ f, data: res.body.data }).toEqual({ f, data: expected });
      expect(res.body.pagination.total).toBe(expected.length);
    }
    const all = await reference(t.db, orgId).dormant({ from: '2026-06-20T00:00:00Z' });
    const page = await get('dormant-merchants?from=2026-06-20T00:00:00Z&page=3&pageSize=5').expect(200);
    expect(page.body.data).toEqual(all.slice(10, 15));
    expect(page.body.pagination).toEqual({ page: 3, pageSize: 5, total: all.length, totalPages: Math.ceil(all.length / 5) });
  });

  it('should put every analysis in the full report, equal to the endpoints', async () => {
    const f = WINDOWS[5];
    const ref = reference(t.db, orgId);
    const res = await get(`full-report?${query(f, { tz: 'Asia/Kolkata' })}`).expect(200);
    const categories = await ref.categories(f);
    expect(res.body).toMatchObject({
      zoneLeaderboard: (await ref.zones(f)).slice(0, 20),
      categoryDistribution: categories.data,
      totalTransactions: categories.totalTransactions,
      dormantMerchantCount: (await ref.dormant(f)).length,
      hourlyPattern: await ref.hours(f, 'Asia/Kolkata'),
      anomalyCount: (await ref.anomalies(f)).length,
      customerRetention: await ref.retention(f),
    });
    expect(res.body.totalQueryTimeMs).toEqual(expect.any(Number));
  });

  it('should reflect an import the moment it is published and forget it when it is deleted', async () => {
    const before = await get('full-report').expect(200);
    const again = await get('full-report').expect(200);
    expect(again.body.cached).toBe(true);
    const extra =
      'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\n' +
      'LATE_1,MERCH_9999,Lagoon,Grocery,100000.00,2026-06-01T10:00:00Z,+15550000001\n' +
      'LATE_2,MERCH_9999,Lagoon,Grocery,5.00,2026-06-01T10:30:00Z,+15550000001\n';
    const id = await load(key, 'transactions', extra);
    const after = await get('full-report').expect(200);
    expect(after.body.cached).toBe(false);
    expect(Number(after.body.dataVersion)).toBeGreaterThan(Number(before.body.dataVersion));
    expect(after.body.totalTransactions).toBe(before.body.totalTransactions + 2);
    expect(after.body.zoneLeaderboard.map((z: { zone: string }) => z.zone)).toContain('LAGOON');
    const top = await get('anomalies?pageSize=1').expect(200);
    expect(top.body.data[0].transactionId).toBe('LATE_1');
    await request(t.http).delete(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(200);
    const restored = await get('full-report').expect(200);
    const strip = (b: Record<string, unknown>) => ({ ...b, queryTimeMs: 0, totalQueryTimeMs: 0, cached: false, dataVersion: '' });
    expect(strip(restored.body)).toEqual(strip(before.body));
    expect(Number(restored.body.dataVersion)).toBeGreaterThan(Number(after.body.dataVersion));
  });

  it("should answer zeros for an organization without data, and never show another organization's rows", async () => {
    const other = await createOrg(t, 'empty');
    const zones = await get('zone-leaderboard', other.key).expect(200);
    expect(zones.body.data).toEqual([]);
    const categories = await get('category-distribution', other.key).expect(200);
    expect(categories.body).toMatchObject({ data: [], totalTransactions: 0 });
    const hours = await get('hourly-pattern', other.key).expect(200);
    expect(hours.body.data).toEqual(Array.from({ length: 24 }, (_, hour) => ({ hour, transactionCount: 0, averageAmount: 0 })));
    const retention = await get('customer-retention', other.key).expect(200);
    expect(retention.body).toMatchObject({
      totalUniqueCustomers: 0,
      repeatCustomers: 0,
      repeatCustomerPercentage: 0,
      singleTransactionCustomers: 0,
      averageTransactionsPerCustomer: 0,
    });
    const dormant = await get('dormant-merchants', other.key).expect(200);
    expect(dormant.body).toMatchObject({ data: [], pagination: { page: 1, pageSize: 100, total: 0, totalPages: 0 } });
    const anomalies = await get('anomalies', other.key).expect(200);
    expect(anomalies.body).toMatchObject({ data: [], pagination: { total: 0 } });
    await get(`zone-leaderboard?importId=${mainId}`, other.key).expect(404);
  });

  it('should handle one row, a category of equal amounts (σ = 0) and ties in the leaderboard', async () => {
    const org = await createOrg(t, 'edges');
    const header = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\n';
    await load(org.key, 'transactions', `${header}ONE,M1,Harbor,Food,12.34,2026-03-01T08:15:00Z,+15551112222\n`);
    const one = await get('full-report', org.key).expect(200);
    expect(one.body).toMatchObject({
      zoneLeaderboard: [{ rank: 1, zone: 'HARBOR', totalAmount: 12.34, transactionCount: 1, averageAmount: 12.34 }],
      categoryDistribution: [{ category: 'Food', transactionCount: 1, percentage: 100 }],
      anomalyCount: 0,
      customerRetention: { totalUniqueCustomers: 1, repeatCustomers: 0, singleTransactionCustomers: 1, averageTransactionsPerCustomer: 1 },
    });
    expect(one.body.hourlyPattern[8]).toEqual({ hour: 8, transactionCount: 1, averageAmount: 12.34 });
    const rows = Array.from({ length: 30 }, (_, i) => `E${i},M2,${i % 2 ? 'beta' : 'alpha'},Utilities,50.00,2026-03-02T0${i % 10}:00:00Z,+1555333${String(i).padStart(4, '0')}`);
    await load(org.key, 'transactions', `${header}${rows.join('\n')}\nE99,M3,Gamma,Food,12.34,2026-03-03T00:00:00Z,+15551112222\n`);
    const board = await get('zone-leaderboard', org.key).expect(200);
    expect(board.body.data.map((z: { zone: string; totalAmount: number }) => [z.zone, z.totalAmount])).toEqual([
      ['ALPHA', 750],
      ['BETA', 750],
      ['GAMMA', 12.34],
      ['HARBOR', 12.34],
    ]);
    const anomalies = await get('anomalies', org.key).expect(200);
    expect(anomalies.body.pagination.total).toBe(0);
    const retention = await get('customer-retention', org.key).expect(200);
    expect(retention.body).toMatchObject({ totalUniqueCustomers: 31, repeatCustomers: 1, repeatCustomerPercentage: 3.23, averageTransactionsPerCustomer: 1.03 });
  });

  it('should refuse bad filters with 400 naming the problem', async () => {
    const cases: Array<[string, number, string]> = [
      ['zone-leaderboard?from=yesterday', 400, 'INVALID_TIMESTAMP_FILTER'],
      ['zone-leaderboard?to=2026-02-30T00:00:00Z', 400, 'INVALID_TIMESTAMP_FILTER'],
      ['category-distribution?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z', 400, 'INVALID_TIME_RANGE'],
      ['anomalies?importId=not-a-uuid', 400, 'VALIDATION_FAILED'],
      ['anomalies?importId=00000000-0000-4000-8000-000000000000', 404, 'IMPORT_NOT_FOUND'],
      ['hourly-pattern?tz=Mars/Olympus', 400, 'INVALID_TIME_ZONE'],
      ['zone-leaderboard?limit=0', 400, 'VALIDATION_FAILED'],
      ['zone-leaderboard?limit=101', 400, 'VALIDATION_FAILED'],
      ['dormant-merchants?pageSize=1001', 400, 'VALIDATION_FAILED'],
      ['anomalies?page=0', 400, 'VALIDATION_FAILED'],
      ['customer-retention?cohorts=weekly', 400, 'VALIDATION_FAILED'],
    ];
    for (const [path, status, code] of cases) {
      const res = await get(path);
      expect({ path, status: res.status, error: res.body.error }).toEqual({ path, status, error: code });
      expect(res.body.message).toEqual(expect.any(String));
    }
    await request(t.http).get('/api/v1/analytics/zone-leaderboard').expect(401);
  });
});
