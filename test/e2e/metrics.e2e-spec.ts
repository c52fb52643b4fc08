import { randomUUID } from 'crypto';
import { createServer } from 'net';
import * as path from 'path';
import request from 'supertest';
import { spawnApp, SpawnedApp } from '../factories/big-csv';
import { startWebhookReceiver, WebhookReceiver } from '../factories/receivers';
import { sampleValue } from '../factories/prometheus';
import { createKey, createOrg, startTestApp, TestApp, uploadCsv, uploadRaw, waitForImport } from '../factories/test-app';

/**
 * GET /metrics over real HTTP on real Postgres and Redis: who may read it, and what it says after
 * real imports. Each app has its own queue prefix and data folder, so no other suite's worker
 * takes its jobs and its counters count exactly its own work. The worker part needs dist/
 * (`npx nest build`).
 */
const HEADER = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE';
/** Three rows loaded, one refused (its amount). */
const CSV = `${HEADER}\nTXN_1,M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567\nTXN_2,M1,South,Food,12.50,2025-01-05 11:00:00,+15551234568\nTXN_3,M2,North,Travel,99.99,2025-01-06 09:30:00,+15551234569\nTXN_4,M2,North,Travel,oops,2025-01-06 09:31:00,+15551234569\n`;
/** One row refused of two: over a reject threshold of 0.1, the import fails and loads nothing. */
const HALF_BAD = `${HEADER}\nTXN_9,M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567\nTXN_10,M1,North,Food,bad,2025-01-05 10:00:00,+15551234567\n`;
const TOKEN = `metrics-${randomUUID()}-${randomUUID()}`;
const PASSWORD = 'correct horse battery staple';
const QUEUES = ['ingestion', 'ingestion-maintenance', 'report-deliveries', 'reports'];

const own = (name: string) => ({ REDIS_PREFIX: `${process.env.REDIS_PREFIX}:${name}`, DATA_DIR: path.join(process.env.DATA_DIR!, name) });

describe('GET /metrics (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let analyst: string;
  let adminJwt: string;
  let hooks: WebhookReceiver;
  const scrape = async () => (await request(t.http).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200)).text;

  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    t = await startTestApp({ ...own('metrics'), METRICS_TOKEN: TOKEN, SCHEDULER_POLL_MS: 60_000, DELIVERY_ATTEMPTS: 3, DELIVERY_BACKOFF_MS: 200 });
    ({ key: admin } = await createOrg(t, 'metrics'));
    analyst = await createKey(t, admin, 'analyst');
    const email = `ops-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const user = await request(t.http).post('/api/v1/users').set('X-API-Key', admin).send({ email, role: 'admin' }).expect(201);
    await request(t.http).post('/api/v1/auth/password').send({ token: user.body.passwordSetToken, password: PASSWORD }).expect(204);
    adminJwt = (await request(t.http).post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(200)).body.accessToken;
  });

  afterAll(async () => {
    await t.close();
    await hooks?.close();
  });

  it('should answer 401 without a credential and 403 to an analyst, in the API error shape', async () => {
    const none = await request(t.http).get('/metrics').expect(401);
    expect(none.body).toMatchObject({ statusCode: 401, error: 'API_KEY_MISSING', message: expect.any(String) });
    const wrongToken = await request(t.http).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
    expect(wrongToken.body).toMatchObject({ statusCode: 401, error: 'API_KEY_INVALID' });
    // The token is a bearer token, not an API key.
    await request(t.http).get('/metrics').set('X-API-Key', TOKEN).expect(401);
    const forbidden = await request(t.http).get('/metrics').set('X-API-Key', analyst).expect(403);
    expect(forbidden.body).toMatchObject({ statusCode: 403, error: 'FORBIDDEN', message: expect.stringMatching(/analyst.*admin/) });
    expect(forbidden.text).not.toContain('analytics_');
    // An organization's admin (key or login) is not the platform's: the metrics are every tenant's.
    for (const headers of [{ 'X-API-Key': admin }, { Authorization: `Bearer ${admin}` }, { Authorization: `Bearer ${adminJwt}` }]) {
      const res = await request(t.http).get('/metrics').set(headers).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'PLATFORM_ROLE_REQUIRED' });
    }
  });

  it('should answer 200 in the Prometheus text format to a platform admin key and to METRICS_TOKEN', async () => {
    for (const headers of [{ 'X-API-Key': t.adminKey }, { Authorization: `Bearer ${t.adminKey}` }, { Authorization: `Bearer ${TOKEN}` }]) {
      const res = await request(t.http).get('/metrics').set(headers).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
      expect(res.text).toMatch(/^# HELP http_request_duration_seconds /m);
      expect(res.text).toMatch(/^# TYPE analytics_imports_total counter$/m);
    }
    // Outside the API's prefix, like the health checks.
    await request(t.http).get('/api/v1/metrics').set('X-API-Key', admin).expect(404);
  });

  it('should count a real import exactly: outcome, rows loaded and rejected, duration, job duration', async () => {
    const ok = (await uploadCsv(t, analyst, 'transactions', CSV).expect(202)).body.importId;
    expect(await waitForImport(t, analyst, ok)).toMatchObject({ status: 'COMPLETED', progress: { rowsLoaded: 3, rowsRejected: 1 } });
    const bad = (await uploadRaw(t, analyst, 'transactions', HALF_BAD, 'rejectThreshold=0.1').expect(202)).body.importId;
    expect(await waitForImport(t, analyst, bad)).toMatchObject({ status: 'FAILED', errorCode: 'REJECT_THRESHOLD_EXCEEDED', progress: { rowsLoaded: 0, rowsRejected: 1 } });
    // The job ends in Bull a moment after the import is published (its post-commit work comes between).
    const text = await until(scrape, (m) => sampleValue(m, 'analytics_queue_job_duration_seconds_count', { queue: 'ingestion', outcome: 'completed' }) === 2);
    const tx = { kind: 'transactions' };
    expect(sampleValue(text, 'analytics_imports_total', { ...tx, outcome: 'completed' })).toBe(1);
    expect(sampleValue(text, 'analytics_imports_total', { ...tx, outcome: 'failed' })).toBe(1);
    expect(sampleValue(text, 'analytics_imports_total', { ...tx, outcome: 'cancelled' })).toBeUndefined();
    expect(sampleValue(text, 'analytics_import_rows_loaded_total', tx)).toBe(3);
    expect(sampleValue(text, 'analytics_import_rows_rejected_total', tx)).toBe(2);
    for (const outcome of ['completed', 'failed']) {
      expect(sampleValue(text, 'analytics_import_duration_seconds_count', { ...tx, outcome })).toBe(1);
      expect(sampleValue(text, 'analytics_import_duration_seconds_bucket', { ...tx, outcome, le: '+Inf' })).toBe(1);
      const seconds = sampleValue(text, 'analytics_import_duration_seconds_sum', { ...tx, outcome })!;
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThan(60);
    }
    // Both import jobs ended well as far as the queue is concerned (a refused file is the import's failure, not the job's).
    expect(sampleValue(text, 'analytics_queue_job_duration_seconds_count', { queue: 'ingestion', outcome: 'completed' })).toBe(2);
    expect(sampleValue(text, 'analytics_queue_job_duration_seconds_count', { queue: 'ingestion', outcome: 'failed' })).toBeUndefined();
  });

  it('should label HTTP durations by route pattern, never by URL, with unmatched requests under one label', async () => {
    const id = (await uploadCsv(t, analyst, 'transactions', CSV.replace(/TXN_/g, 'R_')).expect(202)).body.importId;
    await waitForImport(t, analyst, id);
    const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
    const unmatchedBefore = sampleValue(await scrape(), 'http_request_duration_seconds_count', unmatched) ?? 0;
    for (let i = 0; i < 3; i++) await request(t.http).get('/api/v1/kinds').set('X-API-Key', analyst).expect(200);
    const stray = randomUUID();
    await request(t.http).get(`/api/v1/no-such-route/${stray}`).set('X-API-Key', analyst).expect(404);
    await request(t.http).get(`/${stray}?q=${stray}`).expect(404);
    await request(t.http).get('/metrics').expect(401);
    const text = await scrape();
    expect(sampleValue(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/kinds', status: '200' })).toBe(3);
    expect(sampleValue(text, 'http_request_duration_seconds_bucket', { method: 'GET', route: '/api/v1/kinds', status: '200', le: '+Inf' })).toBe(3);
    expect(sampleValue(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/imports/:id', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/imports', status: '202' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, 'http_request_duration_seconds_count', unmatched)).toBe(unmatchedBefore + 2);
    expect(sampleValue(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/metrics', status: '401' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(id);
    expect(text).not.toContain(stray);
  });

  it('should show every queue’s depth by state, cache lookups, database pools and the process metrics', async () => {
    const zones = () => request(t.http).get('/api/v1/analytics/zone-leaderboard').set('X-API-Key', analyst).expect(200);
    expect((await zones()).body.cached).toBe(false);
    expect((await zones()).body.cached).toBe(true);
    const text = await scrape();
    for (const queue of QUEUES) {
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'paused']) {
        expect([queue, state, sampleValue(text, 'analytics_queue_jobs', { queue, state })]).toEqual([queue, state, expect.any(Number)]);
      }
    }
    // The repeating sweep and report-retention jobs wait for their next turn.
    expect(sampleValue(text, 'analytics_queue_jobs', { queue: 'ingestion-maintenance', state: 'delayed' })).toBe(1);
    expect(sampleValue(text, 'analytics_cache_requests_total', { kind: 'transactions', result: 'miss' })).toBe(1);
    expect(sampleValue(text, 'analytics_cache_requests_total', { kind: 'transactions', result: 'memory' })).toBe(1);
    expect(sampleValue(text, 'analytics_db_pool_max_connections', { pool: 'api' })).toBe(t.config.DB_POOL_API);
    expect(sampleValue(text, 'analytics_db_pool_max_connections', { pool: 'worker' })).toBe(t.config.DB_POOL_WORKER);
    for (const pool of ['api', 'worker']) {
      expect(sampleValue(text, 'analytics_db_pool_connections', { pool })).toBeGreaterThanOrEqual(1);
      expect(sampleValue(text, 'analytics_db_pool_idle_connections', { pool })).toEqual(expect.any(Number));
      expect(sampleValue(text, 'analytics_db_pool_waiting_requests', { pool })).toBe(0);
    }
    expect(sampleValue(text, 'nodejs_eventloop_lag_seconds')).toEqual(expect.any(Number));
    expect(sampleValue(text, 'nodejs_eventloop_lag_p99_seconds')).toEqual(expect.any(Number));
    expect(sampleValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(sampleValue(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('should count report files by source, schedule runs by outcome and delivery tries by type and outcome', async () => {
    const api = (method: 'get' | 'post', p: string, body?: object) => request(t.http)[method](`/api/v1/${p}`).set('X-API-Key', analyst).send(body);
    const until = async <T>(probe: () => Promise<T | undefined>): Promise<T> => {
      for (const deadline = Date.now() + 30000; ; await new Promise((r) => setTimeout(r, 100))) {
        const found = await probe();
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error('timed out');
      }
    };
    const reportEnded = (id: string) =>
      until(async () => {
        const r = (await api('get', `reports/${id}`).expect(200)).body;
        return ['COMPLETED', 'FAILED'].includes(r.status) ? r : undefined;
      });
    const adHoc = (await api('post', 'reports', { source: 'transactions.zone-leaderboard', format: 'csv' }).expect(202)).body.reportId;
    expect(await reportEnded(adHoc)).toMatchObject({ status: 'COMPLETED' });
    const store = (await api('post', 'store-monitoring/trigger_report', {}).expect(202)).body.reportId;
    expect(await reportEnded(store)).toMatchObject({ status: 'COMPLETED', source: 'store-monitoring.uptime' });

    // One delivery answers at once, the other after a failed try.
    hooks.respond('/flaky', (_r, nth) => ({ status: nth === 1 ? 503 : 200 }));
    const template = (await api('post', 'report-templates', { name: 'zones', source: 'transactions.zone-leaderboard', format: 'json' }).expect(201)).body.id;
    const schedule = (
      await api('post', 'report-schedules', {
        templateId: template,
        cron: '0 9 * * 1',
        timezone: 'UTC',
        deliveries: [
          { type: 'webhook', url: hooks.url('/ok') },
          { type: 'webhook', url: hooks.url('/flaky') },
        ],
      }).expect(201)
    ).body.id;
    const runId = (await api('post', `report-schedules/${schedule}/run-now`).expect(202)).body.runId;
    expect(
      await until(async () => {
        const run = (await api('get', `report-schedules/${schedule}/runs?pageSize=200`).expect(200)).body.data.find((r: { id: string }) => r.id === runId);
        return ['SUCCESS', 'FAILED'].includes(run?.state) ? run : undefined;
      }),
    ).toMatchObject({ state: 'SUCCESS' });

    const text = await scrape();
    expect(sampleValue(text, 'analytics_reports_total', { source: 'transactions.zone-leaderboard', outcome: 'completed' })).toBe(2);
    expect(sampleValue(text, 'analytics_reports_total', { source: 'store-monitoring.uptime', outcome: 'completed' })).toBe(1);
    expect(sampleValue(text, 'analytics_reports_total', { outcome: 'failed' })).toBeUndefined();
    expect(sampleValue(text, 'analytics_schedule_runs_total', { outcome: 'success' })).toBe(1);
    expect(sampleValue(text, 'analytics_report_deliveries_total', { type: 'webhook', outcome: 'success' })).toBe(2);
    expect(sampleValue(text, 'analytics_report_deliveries_total', { type: 'webhook', outcome: 'retrying' })).toBe(1);
    expect(sampleValue(text, 'analytics_queue_job_duration_seconds_count', { queue: 'report-deliveries', outcome: 'completed' })).toBe(2);
    expect(sampleValue(text, 'analytics_queue_job_duration_seconds_count', { queue: 'report-deliveries', outcome: 'failed' })).toBe(1);
  }, 60000);

  it('should document GET /metrics in Swagger: its tag, credentials, text answer and errors', async () => {
    const doc = (await request(t.http).get('/api/docs-json').expect(200)).body;
    const op = doc.paths['/metrics']?.get;
    expect(op).toBeDefined();
    expect(op.tags).toEqual(['Operations']);
    expect(op.security).toEqual(expect.arrayContaining([{ 'api-key': [] }, { bearer: [] }]));
    expect(op.responses['200'].content).toHaveProperty(['text/plain']);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
    expect(op.summary).toMatch(/METRICS_TOKEN/);
  });
});

describe('A worker process serves its own /metrics on METRICS_PORT (e2e)', () => {
  const env = own('metrics-worker');
  let api: TestApp;
  let worker: SpawnedApp;
  let url: string;
  let admin: string;
  let analyst: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    // This process serves HTTP only: the spawned worker is the one that runs the import.
    api = await startTestApp({ ...env, APP_ROLE: 'api', METRICS_TOKEN: TOKEN });
    worker = spawnApp({ ...env, APP_ROLE: 'worker', METRICS_PORT: String(port), METRICS_TOKEN: TOKEN, LOG_LEVEL: 'warn' });
    for (
      let i = 0;
      !(await fetch(url).then(
        () => true,
        () => false,
      ));
      i++
    ) {
      if (i > 300 || worker.child.exitCode !== null) throw new Error(`worker did not serve ${url}: ${worker.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    ({ key: admin } = await createOrg(api, 'metrics-worker'));
    analyst = await createKey(api, admin, 'analyst');
  }, 60000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
  });

  const get = (headers: Record<string, string> = {}, target = url) => fetch(target, { headers, signal: AbortSignal.timeout(10000) });

  it('should count the import it ran, behind the same credentials as the API', async () => {
    const id = (await uploadCsv(api, analyst, 'transactions', CSV).expect(202)).body.importId;
    expect(await waitForImport(api, analyst, id)).toMatchObject({ status: 'COMPLETED', progress: { rowsLoaded: 3, rowsRejected: 1 } });

    const none = await get();
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ statusCode: 401, error: 'API_KEY_MISSING' });
    const forbidden = await get({ 'X-API-Key': analyst });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ statusCode: 403, error: 'FORBIDDEN' });
    expect((await get({ 'X-API-Key': api.adminKey })).status).toBe(200);
    expect(await (await get({ 'X-API-Key': admin })).json()).toMatchObject({ statusCode: 403, error: 'PLATFORM_ROLE_REQUIRED' });
    const other = await get({ Authorization: `Bearer ${TOKEN}` }, url.replace('/metrics', '/other'));
    expect(other.status).toBe(404);

    const res = await get({ Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const scrapeWorker = async () => (await get({ Authorization: `Bearer ${TOKEN}` })).text();
    const text = await until(scrapeWorker, (m) => sampleValue(m, 'analytics_queue_job_duration_seconds_count', { queue: 'ingestion', outcome: 'completed' }) === 1);
    const tx = { kind: 'transactions' };
    expect(sampleValue(text, 'analytics_imports_total', { ...tx, outcome: 'completed' })).toBe(1);
    expect(sampleValue(text, 'analytics_import_rows_loaded_total', tx)).toBe(3);
    expect(sampleValue(text, 'analytics_import_rows_rejected_total', tx)).toBe(1);
    expect(sampleValue(text, 'analytics_import_duration_seconds_count', { ...tx, outcome: 'completed' })).toBe(1);
    expect(sampleValue(text, 'analytics_queue_job_duration_seconds_count', { queue: 'ingestion', outcome: 'completed' })).toBe(1);
    expect(sampleValue(text, 'analytics_queue_jobs', { queue: 'ingestion', state: 'waiting' })).toBe(0);
    expect(sampleValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // No HTTP server in a worker: no request durations.
    expect(text).not.toMatch(/^http_request_duration_seconds_count/m);

    // The api process queued it but did not run it: its own counters have no import, its queue gauges the same depth.
    const apiText = (await request(api.http).get('/metrics').set('X-API-Key', api.adminKey).expect(200)).text;
    expect(sampleValue(apiText, 'analytics_imports_total', { ...tx, outcome: 'completed' })).toBeUndefined();
    expect(sampleValue(apiText, 'analytics_queue_jobs', { queue: 'ingestion', state: 'waiting' })).toBe(0);
    expect(sampleValue(apiText, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/imports', status: '202' })).toBe(1);
  }, 60000);
});

/** `read()`'s answer once `done` holds of it (or the last one after 10 s, for the assertions to show). */
async function until(read: () => Promise<string>, done: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 10000;
  for (;;) {
    const text = await read();
    if (done(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
