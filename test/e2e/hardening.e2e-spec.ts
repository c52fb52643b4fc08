import request from 'supertest';
import { createOrg, startTestApp, TestApp, uploadCsv, waitForImport, withOwnDatabase } from '../factories/test-app';

const CSV = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\nTXN_1,M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567\n';

interface Param {
  name: string;
  in: string;
  schema?: { type?: string; minimum?: number; maximum?: number; enum?: unknown[] };
}

describe('Hardening (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let importId: string;
  let doc: { paths: Record<string, Record<string, { parameters?: Param[] }>> };

  beforeAll(async () => {
    t = await startTestApp();
    ({ key: admin } = await createOrg(t, 'hard'));
    importId = (await uploadCsv(t, admin, 'transactions', CSV).expect(202)).body.importId;
    await waitForImport(t, admin, importId, ['COMPLETED']);
    doc = (await request(t.http).get('/api/docs-json').expect(200)).body;
  });

  afterAll(async () => {
    await t.close();
  });

  it('should send security headers: no X-Powered-By, nosniff, a CSP, on answers and errors alike', async () => {
    for (const res of [await request(t.http).get('/health/live'), await request(t.http).get('/api/v1/imports'), await request(t.http).get('/api/docs/')]) {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    }
  });

  it('should keep Swagger public and free of secrets', async () => {
    const ui = await request(t.http).get('/api/docs/').expect(200);
    // Every script of the page comes from this origin (the CSP allows nothing else).
    expect(ui.text).not.toMatch(/<script>(?!\s*<\/script>)/);
    const json = JSON.stringify(doc);
    expect(json).not.toContain(t.adminKey);
    expect(json).not.toMatch(/ak_[A-Za-z0-9_-]{20,}|rt_[A-Za-z0-9_-]{20,}|pst_[A-Za-z0-9_-]{20,}|eyJhbGci/);
    expect(Object.keys((doc as unknown as { components: { securitySchemes: object } }).components.securitySchemes).sort()).toEqual(['api-key', 'bearer']);
  });

  it('should say which dependency is down in /health/ready, without its error text', async () => {
    const ready = await request(t.http).get('/health/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { postgres: { status: 'up' }, redis: { status: 'up' }, migrations: { status: 'up' } } });
  });

  it('should answer every numeric query parameter of every route out of range or malformed with 400, never 500', async () => {
    const failures: string[] = [];
    for (const [route, ops] of Object.entries(doc.paths)) {
      const get = ops.get;
      if (!get || (/\{/.test(route) && !route.includes('{id}') && !route.includes('{importId}'))) continue;
      const path = route.replace('{id}', importId).replace('{importId}', importId);
      for (const p of (get.parameters ?? []).filter((x) => x.in === 'query' && (x.schema?.type === 'number' || x.schema?.type === 'integer'))) {
        const values = ['-1', '1e300', '99999999999999999999999', 'abc', '1.5', '', '0x10', 'NaN', 'Infinity'];
        for (const v of values) {
          const res = await request(t.http)
            .get(path)
            .query({ [p.name]: v })
            .set('X-API-Key', admin);
          if (res.status >= 500) failures.push(`${route}?${p.name}=${v}: ${res.status} ${res.text.slice(0, 120)}`);
          const max = p.schema?.maximum;
          const isOut = v === '99999999999999999999999' || v === '1e300' || v === 'Infinity';
          if (isOut && max !== undefined && res.status !== 400) failures.push(`${route}?${p.name}=${v}: ${res.status}, expected 400 (maximum ${max})`);
        }
        if (p.schema?.maximum === undefined && !/^(from|to)$/.test(p.name)) failures.push(`${route}?${p.name}: no maximum documented`);
      }
    }
    expect(failures).toEqual([]);
  }, 120000);

  it('should answer oversized and odd path and query values with 4xx, never 500', async () => {
    const long = 'x'.repeat(5000);
    for (const path of [
      `/api/v1/imports/${long}`,
      `/api/v1/reports/${long}`,
      `/api/v1/imports?page=${long}`,
      `/api/v1/imports?status=${long}`,
      `/api/v1/analytics/hourly-pattern?tz=${long}`,
      `/api/v1/analytics/zone-leaderboard?from=${long}`,
      '/api/v1/imports/%00',
      '/api/v1/analytics/zone-leaderboard?importId=%FF',
    ]) {
      const res = await request(t.http).get(path).set('X-API-Key', admin);
      expect([400, 404, 414, 431]).toContain(res.status);
    }
  });

  it('should name a header too long to read instead of calling the file empty', async () => {
    const header = Array.from({ length: 20000 }, (_, i) => `column_${i}`).join(',');
    const res = await request(t.http).post('/api/v1/imports/transactions').set('X-API-Key', admin).set('Content-Type', 'text/csv').send(`${header}\n1\n`).expect(400);
    expect(res.body).toMatchObject({ error: 'CSV_HEADER_TOO_LONG' });
  });

  it('should refuse an Idempotency-Key over 200 characters', async () => {
    const res = await request(t.http)
      .post('/api/v1/imports/transactions')
      .set('X-API-Key', admin)
      .set('Idempotency-Key', 'k'.repeat(201))
      .set('Content-Type', 'text/csv')
      .send(CSV)
      .expect(400);
    expect(res.body).toMatchObject({ error: 'IDEMPOTENCY_KEY_INVALID' });
    expect(res.body.message).toMatch(/200/);
    await request(t.http)
      .post('/api/v1/imports/transactions')
      .set('X-API-Key', admin)
      .set('Idempotency-Key', 'k'.repeat(200))
      .set('Content-Type', 'text/csv')
      .send(CSV)
      .expect(202);
  });

  it('should cancel a request-time query at QUERY_TIMEOUT_MS with 503 QUERY_TIMEOUT, and not a job', async () => {
    const timed = await startTestApp({ QUERY_TIMEOUT_MS: 400 });
    const { Client } = await import('pg');
    const locker = new Client({ connectionString: timed.config.DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE imports IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const res = await request(timed.http).get('/api/v1/imports').set('X-API-Key', admin).expect(503);
      expect(res.body).toMatchObject({ error: 'QUERY_TIMEOUT' });
      expect(res.body.message).not.toMatch(/canceling statement/);
      expect(Date.now() - started).toBeLessThan(5000);
      // A query outside any request (what jobs run) waits for the lock instead of being cancelled.
      const db = timed.app.get((await import('typeorm')).DataSource);
      const waiting = db.query('SELECT count(*) FROM imports');
      await new Promise((r) => setTimeout(r, 800));
      await locker.query('COMMIT');
      await expect(waiting).resolves.toBeDefined();
      await request(timed.http).get('/api/v1/imports').set('X-API-Key', admin).expect(200);
    } finally {
      await locker.end();
      await timed.close();
    }
  });

  it('should give the computation of an analytics answer ANALYTICS_QUERY_TIMEOUT_MS instead of QUERY_TIMEOUT_MS', async () => {
    const patient = await startTestApp({ QUERY_TIMEOUT_MS: 400, DB_POOL_API: 1 });
    const strict = await startTestApp({ QUERY_TIMEOUT_MS: 400, ANALYTICS_QUERY_TIMEOUT_MS: 400 });
    const { Client } = await import('pg');
    const locker = new Client({ connectionString: patient.config.DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE tx_rollups IN ACCESS EXCLUSIVE MODE');
      setTimeout(() => void locker.query('COMMIT'), 1500);
      // Distinct time zones: each asks an answer no cache holds.
      const started = Date.now();
      const [waited, cut] = await Promise.all([
        request(patient.http).get('/api/v1/analytics/hourly-pattern?tz=Asia/Kolkata').set('X-API-Key', admin),
        request(strict.http).get('/api/v1/analytics/hourly-pattern?tz=Asia/Kathmandu').set('X-API-Key', admin),
      ]);
      expect(cut.status).toBe(503);
      expect(cut.body.error).toBe('QUERY_TIMEOUT');
      expect(waited.status).toBe(200);
      expect(waited.body.cached).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      // The connection that waited goes back to QUERY_TIMEOUT_MS for other requests.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE imports IN ACCESS EXCLUSIVE MODE');
      expect((await request(patient.http).get('/api/v1/imports').set('X-API-Key', admin)).status).toBe(503);
      await locker.query('COMMIT');
    } finally {
      await locker.end();
      await Promise.all([patient.close(), strict.close()]);
    }
  });

  it("should keep internal error text from tenants: a request's 500 and a report's failure say only what to quote", async () => {
    // Its own database, so a table can be taken away without touching the other suites.
    await withOwnDatabase(t, 'internal', async (broken) => {
      const { key } = await createOrg(broken, 'internal');
      await broken.db.query('ALTER TABLE report_templates RENAME TO report_templates_away');
      const res = await request(broken.http).get('/api/v1/report-templates').set('X-API-Key', key).expect(500);
      expect(res.body).toEqual({ statusCode: 500, error: 'INTERNAL_ERROR', message: 'Internal server error', requestId: res.headers['x-request-id'] });
      expect(res.text).not.toMatch(/relation|report_templates|SELECT/);

      const ok = await uploadCsv(broken, key, 'transactions', CSV).expect(202);
      await waitForImport(broken, key, ok.body.importId, ['COMPLETED']);
      await broken.db.query('ALTER TABLE transactions RENAME TO transactions_away');
      const report = (await request(broken.http).post('/api/v1/reports').set('X-API-Key', key).send({ source: 'transactions.rows', format: 'csv' }).expect(202)).body.reportId;
      let body: { status: string; error: string | null } = { status: 'QUEUED', error: null };
      for (let i = 0; i < 300 && !['FAILED', 'COMPLETED'].includes(body.status); i++) {
        await new Promise((r) => setTimeout(r, 100));
        body = (await request(broken.http).get(`/api/v1/reports/${report}`).set('X-API-Key', key).expect(200)).body;
      }
      expect(body.status).toBe('FAILED');
      expect(body.error).toBe(`The report failed on an internal error; the server log has the cause under report ${report}`);
    });
  }, 60000);

  it('should keep answering without rate limits while Redis is away, and refuse logins with 503 rather than count nothing', async () => {
    const own = await startTestApp({ APP_ROLE: 'api' } as never);
    const { RedisService } = await import('../../src/common/redis/redis.module');
    const redis = own.app.get(RedisService);
    try {
      const { key } = await createOrg(own, 'redis-away');
      expect((await request(own.http).get('/api/v1/imports').set('X-API-Key', key).expect(200)).headers['x-ratelimit-limit']).toBeDefined();
      redis.client.disconnect();
      const live = await request(own.http).get('/health/live').expect(200);
      expect(live.headers['x-ratelimit-limit']).toBeUndefined();
      await request(own.http).get('/api/v1/imports').set('X-API-Key', key).expect(200);
      const login = await request(own.http).post('/api/v1/auth/login').send({ email: 'anyone@example.com', password: 'whatever it is' }).expect(503);
      expect(login.body).toMatchObject({ error: 'LOGIN_UNAVAILABLE' });
      expect(login.headers['retry-after']).toBe('5');
      await redis.client.connect();
      expect((await request(own.http).get('/health/live').expect(200)).headers['x-ratelimit-limit']).toBeDefined();
      await request(own.http).post('/api/v1/auth/login').send({ email: 'anyone@example.com', password: 'whatever it is' }).expect(401);
    } finally {
      if (redis.client.status !== 'ready') await redis.client.connect().catch(() => undefined);
      await own.close();
    }
  }, 60000);
});
