import { promises as fs } from 'fs';
import * as path from 'path';
import request from 'supertest';
import { sampleValue } from '../factories/prometheus';
import { createKey, createOrg, startTestApp, TestApp, uploadCsv, waitForImport } from '../factories/test-app';

/**
 * The queue dashboard (@bull-board) at /admin/queues over real HTTP, Postgres and Redis: who may
 * open it (a browser's Basic credentials included), what its page loads under the CSP, its JSON
 * API, and a job that really failed in the worker, shown with its error and retried from the
 * dashboard. The app has its own queue prefix and data folder: no other suite's worker takes its jobs.
 */
const REDIS_PREFIX = `${process.env.REDIS_PREFIX}:queue-dashboard`;
const DATA_DIR = path.join(process.env.DATA_DIR!, 'queue-dashboard');
const QUEUES = ['ingestion', 'ingestion-maintenance', 'report-deliveries', 'reports'];
const CHALLENGE = 'Basic realm="analytics queues", charset="UTF-8"';
const PASSWORD = 'correct horse battery staple';
const CSV =
  'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\nTXN_1,M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567\nTXN_2,M1,South,Food,12.50,2025-01-05 11:00:00,+15551234568\n';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Queue dashboard at /admin/queues (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let analyst: string;
  let adminEmail: string;
  let viewerEmail: string;
  let asAdmin: string;

  const user = async (role: 'admin' | 'viewer') => {
    const email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const created = await request(t.http).post('/api/v1/users').set('X-API-Key', admin).send({ email, role }).expect(201);
    await request(t.http).post('/api/v1/auth/password').send({ token: created.body.passwordSetToken, password: PASSWORD }).expect(204);
    return email;
  };
  const dashboard = (p: string, auth = asAdmin) => request(t.http).get(`/admin/queues${p}`).set('Authorization', auth);
  const ingestionJobs = async (status: string) =>
    (await dashboard(`/api/queues?activeQueue=ingestion&status=${status}&page=1&jobsPerPage=50`).expect(200)).body.queues.find((q: { name: string }) => q.name === 'ingestion');

  beforeAll(async () => {
    t = await startTestApp({ REDIS_PREFIX, DATA_DIR });
    ({ key: admin } = await createOrg(t, 'dashboard'));
    analyst = await createKey(t, admin, 'analyst');
    adminEmail = await user('admin');
    viewerEmail = await user('viewer');
    asAdmin = basic('platform', t.adminKey);
  });

  afterAll(async () => {
    await t.close();
  });

  it('should ask a caller without credentials to log in (401 with WWW-Authenticate) and refuse non-admins with 403', async () => {
    for (const p of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues', '/admin/queues/static/images/logo.svg']) {
      const res = await request(t.http).get(p).expect(401);
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'API_KEY_MISSING', message: expect.any(String) });
    }
    const wrongKey = await dashboard('', basic('admin', `${admin}x`)).expect(401);
    expect(wrongKey.headers['www-authenticate']).toBe(CHALLENGE);
    expect(wrongKey.body).toMatchObject({ statusCode: 401, error: 'API_KEY_INVALID' });
    const wrongPassword = await dashboard('', basic(adminEmail, `${PASSWORD}!`)).expect(401);
    expect(wrongPassword.headers['www-authenticate']).toBe(CHALLENGE);
    expect(wrongPassword.body).toMatchObject({ statusCode: 401, error: 'LOGIN_FAILED' });

    for (const res of [
      await dashboard('', basic('analyst', analyst)),
      await request(t.http).get('/admin/queues/api/queues').set('X-API-Key', analyst),
      await dashboard('', basic(viewerEmail, PASSWORD)),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'FORBIDDEN', message: expect.stringMatching(/needs admin/) });
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
    // An organization's admin (key or e-mail and password) is not the platform's: the queues hold every tenant's jobs.
    for (const res of [
      await dashboard('', basic('admin', admin)),
      await request(t.http).get('/admin/queues').set('X-API-Key', admin),
      await dashboard('', basic(adminEmail, PASSWORD)),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'PLATFORM_ROLE_REQUIRED' });
    }
    // Outside the API's prefix.
    await request(t.http).get('/api/v1/admin/queues').set('Authorization', asAdmin).expect(404);
  });

  it('should serve its page to a platform admin (Basic with the key as password or as user name, or the usual headers) with everything it loads allowed by its CSP', async () => {
    for (const res of [await dashboard('/'), await dashboard('', basic(t.adminKey, '')), await request(t.http).get('/admin/queues').set('X-API-Key', t.adminKey)]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('<base href="/admin/queues/"');
      expect(res.text).toContain('<title>Analytics queues</title>');
    }
    const page = await dashboard('/').expect(200);
    const csp = String(page.headers['content-security-policy']);
    const directive = (name: string) =>
      csp
        .split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith(`${name} `));
    // Scripts from this origin only: no inline script runs (the one inline block is JSON data).
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('default-src')).toBe("default-src 'self'");
    expect(directive('style-src')).toBe("style-src 'self' 'unsafe-inline'");
    const inline = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => !/\bsrc=/.test(m[1]));
    expect(inline.map((m) => m[1].trim())).toEqual(['id="__UI_CONFIG__" type="application/json"']);
    // Relaxed here only: browsers reaching it over plain HTTP at an address other than localhost
    // would otherwise ask https:// for its scripts.
    expect(csp).not.toMatch(/upgrade-insecure-requests/);
    expect((await request(t.http).get('/health/live')).headers['content-security-policy']).toMatch(/upgrade-insecure-requests/);

    // Every script, stylesheet and icon it names, under its base path, with the page's credentials.
    const assets = [...page.text.matchAll(/<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !/^https?:/.test(u));
    expect(assets.filter((u) => u.endsWith('.js'))).toHaveLength(4);
    expect(assets.filter((u) => u.endsWith('.css'))).toHaveLength(1);
    for (const asset of assets) {
      expect(asset).toMatch(/^static\//);
      const res = await dashboard(`/${asset}`);
      expect([asset, res.status]).toEqual([asset, 200]);
      expect(res.headers['content-type']).toMatch(/javascript|css|image/);
    }
  });

  it('should list every queue the app registers in its JSON API', async () => {
    const res = await dashboard('/api/queues?page=1&jobsPerPage=10').expect(200);
    expect(res.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(QUEUES);
    for (const q of res.body.queues) {
      expect(q.counts).toEqual(expect.objectContaining({ waiting: expect.any(Number), active: expect.any(Number), failed: expect.any(Number), delayed: expect.any(Number) }));
    }
  });

  it('should show a job that failed in the worker with its error, refuse destructive actions, and put the job back on retry', async () => {
    // A file where the worker makes its rejects folder: every attempt of the import's job throws.
    await fs.mkdir(DATA_DIR, { recursive: true });
    const blocker = path.join(DATA_DIR, 'rejects');
    await fs.rm(blocker, { recursive: true, force: true });
    await fs.writeFile(blocker, 'not a folder');
    const importId = (await uploadCsv(t, analyst, 'transactions', CSV).expect(202)).body.importId;

    // Three attempts, 5 s and 10 s apart (the import job's backoff).
    let failed: { id: string; failedReason: string; stacktrace: string[]; data: { importId: string } } | undefined;
    const deadline = Date.now() + 60000;
    while (!failed && Date.now() < deadline) {
      const queue = await ingestionJobs('failed');
      failed = queue.jobs.find((j: { id: string }) => j.id === importId);
      if (!failed) await new Promise((r) => setTimeout(r, 500));
    }
    expect(failed).toMatchObject({ id: importId, data: { importId }, failedReason: expect.stringMatching(/EEXIST.*rejects/) });
    // One stack trace per attempt the worker ran.
    expect(failed!.stacktrace).toHaveLength(3);
    expect((await ingestionJobs('failed')).counts.failed).toBe(1);
    const metrics = (await request(t.http).get('/metrics').set('X-API-Key', t.adminKey).expect(200)).text;
    expect(sampleValue(metrics, 'analytics_queue_jobs', { queue: 'ingestion', state: 'failed' })).toBe(1);
    expect(sampleValue(metrics, 'analytics_queue_job_duration_seconds_count', { queue: 'ingestion', outcome: 'failed' })).toBe(3);

    // Only viewing and retrying: emptying or cleaning a queue would touch every organization's jobs.
    for (const p of ['/api/queues/ingestion/empty', '/api/queues/ingestion/clean/failed', `/api/queues/ingestion/${importId}/clean`, '/api/queues/pause']) {
      const res = await request(t.http).put(`/admin/queues${p}`).set('Authorization', asAdmin).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'QUEUE_ACTION_FORBIDDEN' });
    }
    await request(t.http).put(`/admin/queues/api/queues/ingestion/${importId}/retry`).set('Authorization', basic('analyst', analyst)).expect(403);
    expect((await ingestionJobs('failed')).counts.failed).toBe(1);

    await fs.rm(blocker);
    await request(t.http).put(`/admin/queues/api/queues/ingestion/${importId}/retry`).set('Authorization', asAdmin).expect(204);
    expect(await waitForImport(t, analyst, importId, ['COMPLETED', 'FAILED'], 30000)).toMatchObject({ status: 'COMPLETED', progress: { rowsLoaded: 2 } });
    const after = await ingestionJobs('failed');
    expect(after.counts.failed).toBe(0);
    expect(after.jobs.find((j: { id: string }) => j.id === importId)).toBeUndefined();
  }, 90000);
});
