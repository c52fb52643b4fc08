import * as jwt from 'jsonwebtoken';
import request from 'supertest';
import { spawnApp, SpawnedApp } from '../factories/big-csv';
import { createKey, createOrg, startTestApp, TestApp, uploadCsv, waitForImport } from '../factories/test-app';

const CSV = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\nTXN_1,M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567\n';

/**
 * Rate limits at their defaults (the other suites raise them), shared by this process's app and a
 * second app process on the same Redis prefix: one budget for both. Stream slots and the end of
 * streams whose credentials stop working.
 */
describe('Rate limits and event streams (e2e)', () => {
  let t: TestApp;
  let other: SpawnedApp;
  let otherUrl: string;
  const env = () => ({ RATE_LIMITS: '{}', MAX_SSE_STREAMS_PER_KEY: '2', SSE_SLOT_TTL_MS: '3000', REDIS_PREFIX: `${process.env.REDIS_PREFIX}_rl` });

  beforeAll(async () => {
    t = await startTestApp({ ...env(), MAX_SSE_STREAMS_PER_KEY: 2 } as never);
    const port = 20000 + Math.floor(Math.random() * 20000);
    other = spawnApp({ ...env(), PORT: String(port), APP_ROLE: 'api' });
    otherUrl = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${otherUrl}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 200) throw new Error(`second app did not start: ${other.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60000);

  afterAll(async () => {
    await other?.stop();
    await t?.close();
  });

  it('should share one reads budget of 200 (100/min sustained) across processes, with headers, then 429 with Retry-After', async () => {
    const { key: admin } = await createOrg(t, 'rl');
    const viewer = await createKey(t, admin, 'viewer');
    const remaining: number[] = [];
    for (let i = 0; i < 200; i++) {
      const res =
        i % 2 === 0
          ? await request(t.http).get('/api/v1/kinds').set('X-API-Key', viewer)
          : await fetch(`${otherUrl}/api/v1/kinds`, { headers: { 'X-API-Key': viewer } }).then((r) => ({ status: r.status, headers: Object.fromEntries(r.headers) }));
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('200');
      remaining.push(Number(res.headers['x-ratelimit-remaining']));
    }
    // Refill (100/min, one every 0.6 s) may add a token or two during the loop; never more.
    expect(remaining[0]).toBe(199);
    expect(remaining[199]).toBeLessThanOrEqual(3);
    for (let i = 1; i < remaining.length; i++) expect(remaining[i]).toBeLessThanOrEqual(remaining[i - 1] + 1);
    let refused: request.Response | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const res = await request(t.http).get('/api/v1/kinds').set('X-API-Key', viewer);
      if (res.status === 429) refused = res;
    }
    expect(refused!.body).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED', details: { class: 'reads', limitPerMinute: 100, burst: 200 } });
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused!.headers['x-ratelimit-remaining']).toBe('0');
    const fromOther = await fetch(`${otherUrl}/api/v1/kinds`, { headers: { 'X-API-Key': viewer } });
    expect(fromOther.status).toBe(429);
    // Another key of the same organization has its own budget.
    const second = await createKey(t, admin, 'viewer');
    await request(t.http).get('/api/v1/kinds').set('X-API-Key', second).expect(200);
    // Another class of the same key too.
    await request(t.http)
      .get(`/api/v1/imports/${'0'.repeat(8)}-0000-0000-0000-000000000000/rejects`)
      .set('X-API-Key', admin)
      .expect(404);
  }, 60000);

  it('should limit exports to 10, imports to 20 and report creation to 50 a minute', async () => {
    const { key: admin } = await createOrg(t, 'rl-classes');
    const missing = '00000000-0000-0000-0000-000000000001';
    for (let i = 0; i < 10; i++) await request(t.http).get(`/api/v1/reports/${missing}/download`).set('X-API-Key', admin).expect(404);
    const exports = await request(t.http).get(`/api/v1/imports/${missing}/rejects`).set('X-API-Key', admin).expect(429);
    expect(exports.body.details).toMatchObject({ class: 'exports', limitPerMinute: 10 });
    expect(exports.headers['x-ratelimit-limit']).toBe('10');
    for (let i = 0; i < 20; i++) await request(t.http).post('/api/v1/imports/transactions').set('X-API-Key', admin).set('Content-Type', 'text/csv').send('').expect(400);
    expect((await request(t.http).post('/api/v1/imports/transactions').set('X-API-Key', admin).set('Content-Type', 'text/csv').send('').expect(429)).body.details.class).toBe(
      'imports',
    );
    for (let i = 0; i < 50; i++) await request(t.http).post('/api/v1/reports').set('X-API-Key', admin).send({}).expect(400);
    expect((await request(t.http).post('/api/v1/reports').set('X-API-Key', admin).send({}).expect(429)).body.details.class).toBe('reports');
    // Reads were not touched by any of it.
    const read = await request(t.http).get('/api/v1/kinds').set('X-API-Key', admin).expect(200);
    expect(read.headers['x-ratelimit-remaining']).toBe('199');
    const health = await request(t.http).get('/health/live').expect(200);
    expect(health.headers['x-ratelimit-limit']).toBe('1000');
  }, 60000);

  it("should apply an organization's own limits, set by the platform role only", async () => {
    const { key: admin, orgId } = await createOrg(t, 'rl-org');
    const denied = await request(t.http)
      .put(`/api/v1/organizations/${orgId}/rate-limits`)
      .set('X-API-Key', admin)
      .send({ limits: { reads: { perMinute: 5 } } })
      .expect(403);
    expect(denied.body.error).toBe('PLATFORM_ROLE_REQUIRED');
    const bad = await request(t.http)
      .put(`/api/v1/organizations/${orgId}/rate-limits`)
      .set('X-API-Key', t.adminKey)
      .send({ limits: { readz: { perMinute: 5 } } })
      .expect(400);
    expect(bad.body.message).toMatch(/unknown class readz/);
    await request(t.http)
      .put(`/api/v1/organizations/${orgId}/rate-limits`)
      .set('X-API-Key', t.adminKey)
      .send({ limits: { reads: { perMinute: 1000 } } })
      .expect(200);
    const set = await request(t.http)
      .put(`/api/v1/organizations/${orgId}/rate-limits`)
      .set('X-API-Key', t.adminKey)
      .send({ limits: { reads: { perMinute: 5, burst: 6 } } })
      .expect(200);
    expect(set.body.rateLimits.reads).toEqual({ perMinute: 5, burst: 6 });
    expect(set.body.rateLimits.exports).toEqual({ perMinute: 10, burst: 10 });
    const viewer = await createKey(t, admin, 'viewer');
    for (let i = 0; i < 6; i++) await request(t.http).get('/api/v1/organizations/current').set('X-API-Key', viewer).expect(200);
    const res = await request(t.http).get('/api/v1/kinds').set('X-API-Key', viewer).expect(429);
    expect(res.body.details).toMatchObject({ limitPerMinute: 5, burst: 6 });
    await request(t.http).put(`/api/v1/organizations/${orgId}/rate-limits`).set('X-API-Key', t.adminKey).send({ limits: null }).expect(200);
    const events = await request(t.http).get('/api/v1/audit-events').set('X-API-Key', admin).query({ action: 'organization.rate-limits' }).expect(200);
    expect(events.body.items).toHaveLength(3);
  }, 60000);

  describe('event streams', () => {
    let admin: string;
    let importId: string;
    let base: string;

    beforeAll(async () => {
      ({ key: admin } = await createOrg(t, 'sse'));
      await t.app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
      const res = await uploadCsv(t, admin, 'transactions', CSV).expect(202);
      importId = res.body.importId;
      await waitForImport(t, admin, importId, ['COMPLETED']);
      // A stream of an ended import ends at once; this one is held open by making its import look running.
      await t.db.query(`UPDATE imports SET status = 'PROCESSING' WHERE id = $1`, [importId]);
    });

    afterAll(async () => {
      await t.db.query(`UPDATE imports SET status = 'COMPLETED' WHERE id = $1`, [importId]);
    });

    /** Opens a stream (on this process, or at `on`) and collects what it sends until it ends. */
    function open(headers: Record<string, string>, on = base) {
      const ctrl = new AbortController();
      let text = '';
      const response = fetch(`${on}/api/v1/imports/${importId}/events`, { headers, signal: ctrl.signal });
      const done = response.then(async (r) => {
        if (!r.body) return r.status;
        const reader = r.body.getReader();
        try {
          for (;;) {
            const { value, done: end } = await reader.read();
            if (end) break;
            text += Buffer.from(value).toString('utf8');
          }
        } catch {
          // aborted
        }
        return r.status;
      });
      return { response, done, text: () => text, close: () => ctrl.abort() };
    }

    const waitFor = async (cond: () => boolean, ms = 10000) => {
      const deadline = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error('condition not met');
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    it('should cap open streams per key across processes and free a slot when one closes', async () => {
      const key = await createKey(t, admin, 'viewer');
      const a = open({ 'X-API-Key': key });
      expect((await a.response).status).toBe(200);
      const b = await fetch(`${otherUrl}/api/v1/imports/${importId}/events`, { headers: { 'X-API-Key': key } });
      expect(b.status).toBe(200);
      const third = await fetch(`${base}/api/v1/imports/${importId}/events`, { headers: { 'X-API-Key': key } });
      expect(third.status).toBe(429);
      expect(await third.json()).toMatchObject({ error: 'SSE_STREAMS_LIMIT' });
      a.close();
      await a.done;
      let again: Response | undefined;
      for (let i = 0; i < 50; i++) {
        again = await fetch(`${base}/api/v1/imports/${importId}/events`, { headers: { 'X-API-Key': key } });
        if (again.status === 200) break;
        await again.body?.cancel();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(again!.status).toBe(200);
      await again!.body?.cancel();
      await b.body?.cancel();
    });

    it('should keep the cap for as long as the streams stay open, past the slot lifetime', async () => {
      const key = await createKey(t, admin, 'viewer');
      const a = open({ 'X-API-Key': key });
      const b = open({ 'X-API-Key': key }, otherUrl);
      expect((await a.response).status).toBe(200);
      expect((await b.response).status).toBe(200);
      // SSE_SLOT_TTL_MS is 3 s here: the slots (and the set holding them) live on while renewed.
      await new Promise((r) => setTimeout(r, 7000));
      const third = await fetch(`${base}/api/v1/imports/${importId}/events`, { headers: { 'X-API-Key': key } });
      expect(third.status).toBe(429);
      await third.body?.cancel();
      a.close();
      b.close();
      await Promise.all([a.done, b.done]);
    }, 20000);

    it('should end a stream with an `ended` event when its key is revoked, on any process', async () => {
      const key = (await request(t.http).post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: 's', role: 'viewer' }).expect(201)).body;
      const here = open({ 'X-API-Key': key.key });
      const there = open({ 'X-API-Key': key.key }, otherUrl);
      expect((await here.response).status).toBe(200);
      expect((await there.response).status).toBe(200);
      await waitFor(() => here.text().includes('event: progress') && there.text().includes('event: progress'));
      await request(t.http).delete(`/api/v1/api-keys/${key.id}`).set('X-API-Key', admin).expect(200);
      await Promise.all([here.done, there.done]);
      expect(here.text()).toMatch(/event: ended\ndata: \{"reason":"key-revoked"\}/);
      expect(there.text()).toMatch(/event: ended\ndata: \{"reason":"key-revoked"\}/);
    });

    it('should end a stream whose key was revoked without a notice reaching its process (Redis away then)', async () => {
      const key = (await request(t.http).post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: 'quiet', role: 'viewer' }).expect(201)).body;
      const there = open({ 'X-API-Key': key.key }, otherUrl);
      expect((await there.response).status).toBe(200);
      // Revoked behind the app's back: no notice is published, as when Redis was away at that moment.
      await t.db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [key.id]);
      // Each renewal (a third of SSE_SLOT_TTL_MS = 3 s here) reads the credential again.
      await there.done;
      expect(there.text()).toMatch(/event: ended\ndata: \{"reason":"key-revoked"\}/);
    }, 20000);

    it('should end a stream when its login ends or its access token expires', async () => {
      const email = `sse-${Math.random().toString(36).slice(2, 8)}@example.com`;
      const created = await request(t.http).post('/api/v1/users').set('X-API-Key', admin).send({ email, role: 'viewer' }).expect(201);
      await request(t.http).post('/api/v1/auth/password').send({ token: created.body.passwordSetToken, password: 'a long enough password' }).expect(204);
      const login = (await request(t.http).post('/api/v1/auth/login').send({ email, password: 'a long enough password' }).expect(200)).body;
      const s1 = open({ Authorization: `Bearer ${login.accessToken}` });
      expect((await s1.response).status).toBe(200);
      await request(t.http).post('/api/v1/auth/logout').send({ refreshToken: login.refreshToken }).expect(204);
      await s1.done;
      expect(s1.text()).toMatch(/"reason":"login-ended"/);

      // A token that expires in 2 s, signed with the platform's secret for a live login.
      const live = (await request(t.http).post('/api/v1/auth/login').send({ email, password: 'a long enough password' }).expect(200)).body;
      const claims = jwt.decode(live.accessToken) as jwt.JwtPayload;
      const { rows } = await t.db.query(`SELECT value FROM platform_secrets WHERE name = 'access-tokens'`);
      const short = jwt.sign({ sid: claims.sid, org: claims.org, exp: Math.floor(Date.now() / 1000) + 2 }, rows[0].value, {
        subject: claims.sub,
        issuer: claims.iss,
        audience: claims.aud as string,
      });
      const started = Date.now();
      const s2 = open({ Authorization: `Bearer ${short}` });
      expect((await s2.response).status).toBe(200);
      await s2.done;
      expect(s2.text()).toMatch(/"reason":"token-expired"/);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe('credentials cached in each process', () => {
    const onOther = (p: string, headers: Record<string, string>) => fetch(`${otherUrl}${p}`, { headers });

    it('should stop a revoked key and apply a role change in the other process at once', async () => {
      const { key: admin } = await createOrg(t, 'cache');
      const made = (await request(t.http).post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: 'c', role: 'viewer' }).expect(201)).body;
      expect((await onOther('/api/v1/imports', { 'X-API-Key': made.key })).status).toBe(200); // now cached there
      await request(t.http).delete(`/api/v1/api-keys/${made.id}`).set('X-API-Key', admin).expect(200);
      let status = 200;
      for (let i = 0; i < 20 && status === 200; i++) {
        status = (await onOther('/api/v1/imports', { 'X-API-Key': made.key })).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 10));
      }
      expect(status).toBe(401);

      const email = `cache-${Math.random().toString(36).slice(2, 8)}@example.com`;
      const u = (await request(t.http).post('/api/v1/users').set('X-API-Key', admin).send({ email, role: 'viewer' }).expect(201)).body;
      await request(t.http).post('/api/v1/auth/password').send({ token: u.passwordSetToken, password: 'a long enough password' }).expect(204);
      const token = (await request(t.http).post('/api/v1/auth/login').send({ email, password: 'a long enough password' }).expect(200)).body.accessToken;
      expect((await onOther('/api/v1/api-keys', { Authorization: `Bearer ${token}` })).status).toBe(403);
      await request(t.http).patch(`/api/v1/users/${u.id}`).set('X-API-Key', admin).send({ role: 'admin' }).expect(200);
      let role = 403;
      for (let i = 0; i < 20 && role === 403; i++) {
        role = (await onOther('/api/v1/api-keys', { Authorization: `Bearer ${token}` })).status;
        if (role === 403) await new Promise((r) => setTimeout(r, 10));
      }
      expect(role).toBe(200);
    });

    it('should answer with the new data version in the other process as soon as an import is published', async () => {
      const { key } = await createOrg(t, 'cache-dv');
      const first = await onOther('/api/v1/analytics/zone-leaderboard', { 'X-API-Key': key });
      const before = ((await first.json()) as { dataVersion: string }).dataVersion;
      const id = (await uploadCsv(t, key, 'transactions', CSV).expect(202)).body.importId;
      await waitForImport(t, key, id, ['COMPLETED']);
      const after = (await (await onOther('/api/v1/analytics/zone-leaderboard', { 'X-API-Key': key })).json()) as { dataVersion: string; data: Array<{ zone: string }> };
      expect(BigInt(after.dataVersion)).toBeGreaterThan(BigInt(before));
      expect(after.data.map((z) => z.zone)).toEqual(['NORTH']);
    });
  });

  it('should count refused credentials against the address, ending in 429', async () => {
    let last = 0;
    for (let i = 0; i < 210 && last !== 429; i++) {
      last = (await request(t.http).get('/api/v1/kinds').set('X-API-Key', `ak_guess_${i}`)).status;
    }
    expect(last).toBe(429);
  }, 60000);
});
