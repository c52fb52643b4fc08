import request from 'supertest';
import { AuthService } from '../../src/modules/auth/auth.service';
import { spawnApp, SpawnedApp } from '../factories/big-csv';
import { createKey, createOrg, startTestApp, TestApp, uploadCsv, waitForImport, withOwnDatabase } from '../factories/test-app';

const CSV = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\nTXN_1,M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567\n';

describe('Auth, organizations and API keys (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should answer 401 without a key and with an unknown key', async () => {
    const missing = await request(t.http).get('/api/v1/imports').expect(401);
    expect(missing.body).toMatchObject({ statusCode: 401, error: 'API_KEY_MISSING' });
    const unknown = await request(t.http).get('/api/v1/imports').set('X-API-Key', 'ak_nope').expect(401);
    expect(unknown.body.error).toBe('API_KEY_INVALID');
  });

  it('should let the bootstrap admin create an organization whose first key is an admin key', async () => {
    const res = await request(t.http).post('/api/v1/organizations').set('X-API-Key', t.adminKey).send({ name: 'Acme' }).expect(201);
    expect(res.body).toMatchObject({ name: 'Acme', adminKey: { role: 'admin', name: 'initial-admin' } });
    expect(res.body.adminKey.key).toMatch(/^ak_/);
    await request(t.http).get('/api/v1/api-keys').set('X-API-Key', res.body.adminKey.key).expect(200);
    const invalid = await request(t.http).post('/api/v1/organizations').set('X-API-Key', t.adminKey).send({ name: '' }).expect(400);
    expect(invalid.body.error).toBe('VALIDATION_FAILED');
  });

  it('should enforce roles: viewers read, analysts import, only admins manage keys', async () => {
    const { key: admin } = await createOrg(t);
    const analyst = await createKey(t, admin, 'analyst');
    const viewer = await createKey(t, admin, 'viewer');
    await request(t.http).get('/api/v1/imports').set('X-API-Key', viewer).expect(200);
    const denied = await uploadCsv(t, viewer, 'transactions', CSV).expect(403);
    expect(denied.body).toMatchObject({ statusCode: 403, error: 'FORBIDDEN' });
    expect(denied.body.message).toMatch(/viewer/);
    const ok = await uploadCsv(t, analyst, 'transactions', CSV).expect(202);
    await waitForImport(t, viewer, ok.body.importId);
    await request(t.http).post('/api/v1/api-keys').set('X-API-Key', analyst).send({ name: 'x', role: 'viewer' }).expect(403);
    await request(t.http).get('/api/v1/api-keys').set('X-API-Key', viewer).expect(403);
    await request(t.http).post('/api/v1/organizations').set('X-API-Key', analyst).send({ name: 'x' }).expect(403);
    const badRole = await request(t.http).post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: 'x', role: 'owner' }).expect(400);
    expect(badRole.body.message).toMatch(/role/);
  });

  it('should keep a revoked bootstrap key revoked when the app starts again', async () => {
    // Its own value: the run's bootstrap key stays usable for the other suites.
    const bootstrap = `bootstrap-${Math.random().toString(36).slice(2)}-key`;
    const auth = t.app.get(AuthService);
    await auth.ensureBootstrapKey(bootstrap);
    const keys = await request(t.http).get('/api/v1/api-keys').set('X-API-Key', bootstrap).expect(200);
    const mine = keys.body.find((k: { keyPrefix: string; revokedAt: string | null }) => k.keyPrefix === bootstrap.slice(0, 7) && k.revokedAt === null);
    // Revoked by another admin of the organization (a key cannot revoke itself).
    await request(t.http).delete(`/api/v1/api-keys/${mine.id}`).set('X-API-Key', t.adminKey).expect(200);
    await request(t.http).get('/api/v1/api-keys').set('X-API-Key', bootstrap).expect(401);
    // What every boot does with BOOTSTRAP_ADMIN_API_KEY set.
    await auth.ensureBootstrapKey(bootstrap);
    await auth.ensureBootstrapKey(bootstrap);
    await request(t.http).get('/api/v1/api-keys').set('X-API-Key', bootstrap).expect(401);
    expect(
      (await request(t.http).get('/api/v1/api-keys').set('X-API-Key', t.adminKey).expect(200)).body.filter((k: { keyPrefix: string }) => k.keyPrefix === bootstrap.slice(0, 7)),
    ).toHaveLength(1);
  });

  it('should give the platform role to the key BOOTSTRAP_ADMIN_API_KEY names, never for a key name', async () => {
    // Its own database: migration 15 takes the role from every key.
    await withOwnDatabase(t, 'platform', async (own) => {
      const { key: tenantAdmin } = await createOrg(own, 'tenant');
      const named = (await request(own.http).post('/api/v1/api-keys').set('X-API-Key', tenantAdmin).send({ name: 'bootstrap-admin', role: 'admin' }).expect(201)).body;
      // What migration 14 did to any admin key of that name, then what the next deploy does.
      await own.db.query(`UPDATE api_keys SET platform_admin = true WHERE name = 'bootstrap-admin' AND role = 'admin'`);
      const { PlatformRoleByKey1764000000015 } = await import('../../migrations/1764000000015-PlatformRoleByKey');
      await new PlatformRoleByKey1764000000015().up({ query: (sql: string) => own.db.query(sql) } as never);
      await own.app.get(AuthService).ensureBootstrapKey(own.adminKey);
      own.app.get((await import('../../src/modules/auth/auth-cache')).AuthCache).clear();
      expect((await request(own.http).post('/api/v1/organizations').set('X-API-Key', named.key).send({ name: 'not allowed' }).expect(403)).body.error).toBe(
        'PLATFORM_ROLE_REQUIRED',
      );
      await request(own.http).post('/api/v1/organizations').set('X-API-Key', own.adminKey).send({ name: 'allowed' }).expect(201);
    });
  }, 60000);

  it('should list keys without their secrets and revoke one at once', async () => {
    const { key: admin } = await createOrg(t);
    const created = await request(t.http).post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: 'bot', role: 'analyst' }).expect(201);
    const secret = created.body.key;
    await request(t.http).get('/api/v1/imports').set('X-API-Key', secret).expect(200);
    const list = await request(t.http).get('/api/v1/api-keys').set('X-API-Key', admin).expect(200);
    expect(list.body.map((k: { name: string }) => k.name)).toEqual(['initial-admin', 'bot']);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body[1].keyPrefix).toBe(secret.slice(0, 7));
    const stored = await t.db.query('SELECT key_hash FROM api_keys WHERE id = $1', [created.body.id]);
    expect(stored.rows[0].key_hash).not.toContain(secret);
    const revoked = await request(t.http).delete(`/api/v1/api-keys/${created.body.id}`).set('X-API-Key', admin).expect(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    await request(t.http).get('/api/v1/imports').set('X-API-Key', secret).expect(401);
    await request(t.http).delete('/api/v1/api-keys/00000000-0000-4000-8000-000000000000').set('X-API-Key', admin).expect(404);
  });

  it('should keep organizations apart: another organization cannot see, read or delete an import', async () => {
    const a = await createOrg(t);
    const b = await createOrg(t);
    const res = await uploadCsv(t, a.key, 'transactions', CSV).expect(202);
    await waitForImport(t, a.key, res.body.importId);
    await request(t.http).get(`/api/v1/imports/${res.body.importId}`).set('X-API-Key', b.key).expect(404);
    await request(t.http).get(`/api/v1/imports/${res.body.importId}/rejects`).set('X-API-Key', b.key).expect(404);
    await request(t.http).get(`/api/v1/performance-stats/${res.body.importId}`).set('X-API-Key', b.key).expect(404);
    await request(t.http).delete(`/api/v1/imports/${res.body.importId}`).set('X-API-Key', b.key).expect(404);
    const list = await request(t.http).get('/api/v1/imports').set('X-API-Key', b.key).expect(200);
    expect(list.body.total).toBe(0);
    const keysOfA = await request(t.http).get('/api/v1/api-keys').set('X-API-Key', a.key).expect(200);
    await request(t.http).delete(`/api/v1/api-keys/${keysOfA.body[0].id}`).set('X-API-Key', b.key).expect(404);
    await request(t.http).get(`/api/v1/imports/${res.body.importId}`).set('X-API-Key', a.key).expect(200);
  });
});

describe('Bootstrap key across real restarts (e2e)', () => {
  it('should keep a bootstrap key revoked through the API revoked when the process starts again', async () => {
    const bootstrap = `restart-bootstrap-${Math.random().toString(36).slice(2)}`;
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = { PORT: String(port), APP_ROLE: 'api', BOOTSTRAP_ADMIN_API_KEY: bootstrap, LOG_LEVEL: 'warn' };
    const url = `http://127.0.0.1:${port}`;
    const up = async (app: SpawnedApp) => {
      for (let i = 0; ; i++) {
        if (
          await fetch(`${url}/health/ready`).then(
            (r) => r.ok,
            () => false,
          )
        )
          return;
        if (i > 300 || app.child.exitCode !== null) throw new Error(`app did not start: ${app.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const first = spawnApp(env);
    try {
      await up(first);
      const keys = (await (await fetch(`${url}/api/v1/api-keys`, { headers: { 'X-API-Key': bootstrap } })).json()) as Array<{ id: string; keyPrefix: string; platform: boolean }>;
      const mine = keys.find((k) => k.keyPrefix === bootstrap.slice(0, 7))!;
      expect(mine.platform).toBe(true);
      // Another admin of its organization revokes it (a key cannot revoke itself).
      const other = (await (
        await fetch(`${url}/api/v1/api-keys`, {
          method: 'POST',
          headers: { 'X-API-Key': bootstrap, 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'second', role: 'admin' }),
        })
      ).json()) as { key: string };
      expect((await fetch(`${url}/api/v1/api-keys/${mine.id}`, { method: 'DELETE', headers: { 'X-API-Key': other.key } })).status).toBe(200);
      expect((await fetch(`${url}/api/v1/api-keys`, { headers: { 'X-API-Key': bootstrap } })).status).toBe(401);
    } finally {
      await first.stop();
    }
    const second = spawnApp(env);
    try {
      await up(second);
      expect((await fetch(`${url}/api/v1/api-keys`, { headers: { 'X-API-Key': bootstrap } })).status).toBe(401);
      expect(second.output()).toMatch(/BOOTSTRAP_ADMIN_API_KEY names a revoked key/);
    } finally {
      await second.stop();
    }
  }, 90000);
});

describe('Health, docs and errors (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should stop at once with one line naming REDIS_URL and how to get Redis when it does not answer, without its password', async () => {
    const started = Date.now();
    const app = spawnApp({ REDIS_URL: 'redis://:s3cret-pass@127.0.0.1:1', PORT: '0' });
    expect(await app.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(15000);
    const lines = app.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Redis is not reachable at REDIS_URL=redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)\. Start one with `docker compose up -d redis`/);
    expect(app.output()).not.toContain('s3cret-pass');
  }, 30000);

  it('should stop at once with one line naming DATABASE_URL when PostgreSQL does not answer', async () => {
    const app = spawnApp({ DATABASE_URL: 'postgres://postgres:s3cret-pass@127.0.0.1:1/analytics', PORT: '0' });
    expect(await app.exited).toBe(1);
    const lines = app.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^PostgreSQL is not reachable at DATABASE_URL=postgres:\/\/127\.0\.0\.1:1\/analytics \(ECONNREFUSED\)\. Start it with `docker compose up -d postgres`/,
    );
    expect(app.output()).not.toContain('s3cret-pass');
  }, 30000);

  it('should report live and ready without a key', async () => {
    await request(t.http)
      .get('/health/live')
      .expect(200)
      .expect((r) => expect(r.body.status).toBe('ok'));
    const ready = await request(t.http).get('/health/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { postgres: { status: 'up' }, redis: { status: 'up' }, migrations: { status: 'up' } } });
  });

  it('should serve Swagger UI and an OpenAPI document with every route', async () => {
    await request(t.http).get('/api/docs').redirects(1).expect(200).expect('Content-Type', /html/);
    const doc = await request(t.http).get('/api/docs-json').expect(200);
    for (const p of [
      '/api/v1/imports',
      '/api/v1/imports/{kind}',
      '/api/v1/imports/{id}',
      '/api/v1/imports/{id}/events',
      '/api/v1/imports/{id}/rejects',
      '/api/v1/kinds',
      '/api/v1/uploads',
      '/api/v1/performance-stats/{importId}',
      '/api/v1/organizations',
      '/api/v1/api-keys',
      '/api/v1/api-keys/{id}',
      '/health/live',
      '/health/ready',
      ...['monthly-summary', 'top-products', 'region-performance', 'category-discounts', 'anomalies', 'top-transactions', 'data-quality', 'demo-runs'].map(
        (r) => `/api/v1/sales/${r}`,
      ),
    ]) {
      expect(doc.body.paths).toHaveProperty([p]);
    }
    expect(doc.body.paths['/api/v1/imports'].post.responses).toHaveProperty(['413']);
  });

  it('should answer an unknown route with 404 in the common error shape, with a request id', async () => {
    const res = await request(t.http).get('/api/v1/nope').set('X-Request-Id', 'req-123').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'ROUTE_NOT_FOUND', message: 'No route GET /api/v1/nope' });
    expect(res.headers['x-request-id']).toBe('req-123');
  });
});

describe('Upload size limit (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ MAX_UPLOAD_BYTES: 1000 });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should answer 413 for a file over MAX_UPLOAD_BYTES and keep no partial file', async () => {
    const { key } = await createOrg(t);
    const big = CSV + 'TXN_2,M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567\n'.repeat(40);
    const res = await uploadCsv(t, key, 'transactions', big).expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, error: 'FILE_TOO_LARGE' });
    const raw = await request(t.http).post('/api/v1/imports/transactions').set('X-API-Key', key).set('Content-Type', 'text/csv').send(big).expect(413);
    expect(raw.body.error).toBe('FILE_TOO_LARGE');
    const { readdir } = await import('fs/promises');
    const left = await readdir(`${t.config.DATA_DIR}/uploads`).catch(() => []);
    const imports = await t.db.query('SELECT file_path FROM imports');
    const known = new Set(imports.rows.map((r) => r.file_path.replace('uploads/', '')));
    expect(left.filter((f) => !known.has(f))).toEqual([]);
    const small = await uploadCsv(t, key, 'transactions', CSV).expect(202);
    expect(small.body.sizeBytes).toBe(Buffer.byteLength(CSV));
  });
});
