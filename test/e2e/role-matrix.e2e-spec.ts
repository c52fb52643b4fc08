import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import request from 'supertest';
import { CALLERS, expectedCell, renderRoleMatrix, ROLE_MATRIX } from '../access/role-matrix';
import { createKey, createOrg, startTestApp, TestApp, uploadCsv, waitForImport } from '../factories/test-app';

const CSV =
  'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\nTXN_1,M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567\nTXN_2,M1,North,Food,oops,2025-01-05 10:00:00,+15551234567\n';
const PASSWORD = 'correct horse battery staple';
type Caller = (typeof CALLERS)[number];

/**
 * Every route of the OpenAPI document, called by no one, a viewer (logged in with a password), an
 * analyst (API key as Bearer), an admin (X-API-Key), another organization's admin and the platform
 * key, against the matrix in test/access/role-matrix.ts. Paths name the first organization's real
 * import, report, template, schedule, user and key, so an outsider must get 404, never the thing.
 */
describe('Role matrix over every route (e2e)', () => {
  let t: TestApp;
  let base: string;
  const headers = {} as Record<Caller, Record<string, string>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    const a = await createOrg(t, 'matrix-a');
    const b = await createOrg(t, 'matrix-b');
    ids.org = a.orgId;
    const analyst = await createKey(t, a.key, 'analyst');
    const email = `viewer-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const viewer = await request(t.http).post('/api/v1/users').set('X-API-Key', a.key).send({ email, role: 'viewer' }).expect(201);
    await request(t.http).post('/api/v1/auth/password').send({ token: viewer.body.passwordSetToken, password: PASSWORD }).expect(204);
    const login = await request(t.http).post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(200);
    headers.none = {};
    headers.viewer = { Authorization: `Bearer ${login.body.accessToken}` };
    headers.analyst = { Authorization: `Bearer ${analyst}` };
    headers.admin = { 'X-API-Key': a.key };
    headers['other org admin'] = { 'X-API-Key': b.key };
    headers.platform = { 'X-API-Key': t.adminKey };

    const imported = await uploadCsv(t, analyst, 'transactions', CSV).expect(202);
    await waitForImport(t, analyst, imported.body.importId, ['COMPLETED']);
    ids.import = imported.body.importId;
    ids.report = (
      await request(t.http).post('/api/v1/reports').set('X-API-Key', analyst).send({ source: 'transactions.zone-leaderboard', format: 'csv' }).expect(202)
    ).body.reportId;
    ids.template = (
      await request(t.http).post('/api/v1/report-templates').set('X-API-Key', analyst).send({ name: 'm', source: 'transactions.zone-leaderboard', format: 'json' }).expect(201)
    ).body.id;
    ids.schedule = (
      await request(t.http).post('/api/v1/report-schedules').set('X-API-Key', analyst).send({ templateId: ids.template, cron: '0 9 * * 1', timezone: 'UTC' }).expect(201)
    ).body.id;
    ids.user = (
      await request(t.http)
        .post('/api/v1/users')
        .set('X-API-Key', a.key)
        .send({ email: `spare-${Math.random().toString(36).slice(2, 8)}@example.com`, role: 'viewer' })
        .expect(201)
    ).body.id;
    ids.key = (await request(t.http).post('/api/v1/api-keys').set('X-API-Key', a.key).send({ name: 'spare', role: 'viewer' }).expect(201)).body.id;
    ids.slug = (await request(t.http).get('/api/v1/organizations/current').set('X-API-Key', a.key).expect(200)).body.slug;
  }, 60000);

  afterAll(async () => {
    await t.close();
  });

  const fill = (route: string): string =>
    route
      .replace(/^(\w+) /, '')
      .replace('/organizations/{id}', `/organizations/${ids.org}`)
      .replace('/users/{id}', `/users/${ids.user}`)
      .replace('/api-keys/{id}', `/api-keys/${ids.key}`)
      .replace('/report-templates/{id}', `/report-templates/${ids.template}`)
      .replace('/report-schedules/{id}', `/report-schedules/${ids.schedule}`)
      .replace(/\/(reports|report-links|get_report)\/\{(id|reportId)\}/, `/$1/${ids.report}`)
      .replace('/messaging/reports/{type}', '/messaging/reports/delivery')
      .replace('{importId}', ids.import)
      .replace('{id}', ids.import)
      .replace('{kind}', 'transactions')
      .replace('{orgSlug}', ids.slug)
      .replace('{table}', 'store_status');

  /** A valid body where the route has one to check, so an outsider meets the lookup rather than validation. */
  const BODIES: Record<string, object> = {
    'PATCH /api/v1/users/{id}': { role: 'viewer' },
    'PATCH /api/v1/report-templates/{id}': { name: 'renamed' },
    'PATCH /api/v1/report-schedules/{id}': { enabled: false },
  };

  /** Status and (for non-streams) body text; a stream is cut once its headers arrive. */
  async function call(route: string, caller: Caller): Promise<{ status: number; text: string }> {
    const method = route.split(' ')[0];
    const res = await fetch(`${base}${fill(route)}`, {
      method,
      headers: { ...headers[caller], ...(method === 'GET' || method === 'DELETE' ? {} : { 'Content-Type': 'application/json' }) },
      body: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(BODIES[route] ?? {}),
      signal: AbortSignal.timeout(20000),
    });
    if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      await res.body?.cancel();
      return { status: res.status, text: '' };
    }
    return { status: res.status, text: await res.text() };
  }

  it('should list every route of the OpenAPI document in the matrix, and nothing else', async () => {
    const doc = (await request(t.http).get('/api/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(routes.filter((r) => !(r in ROLE_MATRIX))).toEqual([]);
    expect(Object.keys(ROLE_MATRIX).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('should answer every route for every caller as the matrix says', async () => {
    // Deletes and logout last, so each caller's pass sees the resources (and its own login).
    const routes = Object.keys(ROLE_MATRIX).sort((x, y) => rank(x) - rank(y));
    const wrong: string[] = [];
    // Outsiders before the organization's own analyst and admin, who delete things.
    const order: Caller[] = ['none', 'viewer', 'other org admin', 'platform', 'analyst', 'admin'];
    expect([...order].sort()).toEqual([...CALLERS].sort());
    for (const caller of order) {
      for (const route of routes) {
        const expected = expectedCell(ROLE_MATRIX[route], caller, route);
        const { status, text } = await call(route, caller);
        // A public route may still refuse (a webhook's signature, a link's): it must not fail.
        const ok = status < 500 && status !== 429 && (expected !== '✓' ? String(status) === expected : ROLE_MATRIX[route] === 'public' || (status !== 401 && status !== 403));
        // An outsider's answers never carry this organization's things (the platform's own audit
        // log names the organization it created, so the organization's id is not one of them).
        const things = [ids.import, ids.report, ids.template, ids.schedule, ids.user, ids.key];
        const leaked = (caller === 'other org admin' || caller === 'platform') && status < 300 && things.some((id) => text.includes(id));
        if (!ok || leaked) wrong.push(`${caller} → ${route}: ${status} (expected ${expected})${leaked ? ' LEAKED an id' : ''} ${text.slice(0, 160)}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 240000);

  it("should have written the walk's changes to the audit log", async () => {
    const page = await request(t.http).get('/api/v1/audit-events').set(headers.admin).query({ limit: 500 }).expect(200);
    const seen = (action: string, id?: string) =>
      page.body.items.some((e: { action: string; target: { id: string } | null }) => e.action === action && (!id || e.target?.id === id));
    expect(seen('import.create', ids.import)).toBe(true);
    expect(seen('import.delete', ids.import)).toBe(true);
    expect(seen('report.create', ids.report)).toBe(true);
    expect(seen('report-template.create', ids.template)).toBe(true);
    expect(seen('report-schedule.create', ids.schedule)).toBe(true);
    expect(seen('report-schedule.update', ids.schedule)).toBe(true);
    expect(seen('user.delete', ids.user)).toBe(true);
    expect(seen('api-key.revoke', ids.key)).toBe(true);
    // The other organization's failed attempts changed nothing and wrote nothing here.
    const outsider = (await request(t.http).get('/api/v1/auth/me').set(headers['other org admin']).expect(200)).body.id;
    expect(page.body.items.filter((e: { actor: { id: string } }) => e.actor.id === outsider)).toEqual([]);
  });

  it('should print the matrix in the README', () => {
    const file = path.join(__dirname, '../../README.md');
    const readme = readFileSync(file, 'utf8');
    const table = renderRoleMatrix();
    const [start, end] = ['<!-- role-matrix:start -->', '<!-- role-matrix:end -->'];
    const current = readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end)).trim();
    if (current !== table && process.env.WRITE_ROLE_MATRIX === '1') {
      writeFileSync(file, `${readme.slice(0, readme.indexOf(start) + start.length)}\n${table}\n${readme.slice(readme.indexOf(end))}`);
      return;
    }
    // WRITE_ROLE_MATRIX=1 npx jest --selectProjects e2e --testPathPatterns role-matrix rewrites it.
    expect(current).toBe(table);
  });
});

function rank(route: string): number {
  if (route === 'POST /api/v1/auth/logout') return 3;
  if (route.startsWith('DELETE /api/v1/users') || route.startsWith('DELETE /api/v1/api-keys')) return 2;
  return route.startsWith('DELETE') ? 1 : 0;
}
