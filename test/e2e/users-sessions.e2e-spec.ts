import * as jwt from 'jsonwebtoken';
import request from 'supertest';
import { createKey, createOrg, startTestApp, TestApp, uploadCsv } from '../factories/test-app';

const CSV = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\nTXN_1,M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567\n';
const PASSWORD = 'correct horse battery staple';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('Users, logins and tokens (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let orgId: string;

  beforeAll(async () => {
    t = await startTestApp();
    ({ key: admin, orgId } = await createOrg(t, 'users'));
  });

  afterAll(async () => {
    await t.close();
  });

  /** A user of the test organization with a password set; answers its id and e-mail. */
  async function user(role: 'viewer' | 'analyst' | 'admin', key = admin): Promise<{ id: string; email: string }> {
    const email = `${role}-${Math.random().toString(36).slice(2, 10)}@example.com`;
    const created = await request(t.http).post('/api/v1/users').set('X-API-Key', key).send({ email, role }).expect(201);
    await request(t.http).post('/api/v1/auth/password').send({ token: created.body.passwordSetToken, password: PASSWORD }).expect(204);
    return { id: created.body.id, email };
  }

  const login = (email: string, password = PASSWORD) => request(t.http).post('/api/v1/auth/login').send({ email, password });

  it('should create a user with a one-time password-set token, then log in with the password', async () => {
    const email = `Ana.${Math.random().toString(36).slice(2, 8)}@Example.com`;
    const created = await request(t.http).post('/api/v1/users').set('X-API-Key', admin).send({ email, role: 'viewer' }).expect(201);
    expect(created.body).toMatchObject({ email, role: 'viewer', hasPassword: false, lastLoginAt: null });
    expect(created.body.passwordSetToken).toMatch(/^pst_/);
    expect((await login(email)).status).toBe(401);

    const weak = await request(t.http).post('/api/v1/auth/password').send({ token: created.body.passwordSetToken, password: 'short' }).expect(400);
    expect(weak.body).toMatchObject({ error: 'PASSWORD_REJECTED' });
    expect(weak.body.message).toMatch(/12 characters/);
    const sameAsEmail = await request(t.http).post('/api/v1/auth/password').send({ token: created.body.passwordSetToken, password: email.toLowerCase() }).expect(400);
    expect(sameAsEmail.body.message).toMatch(/e-mail/);
    await request(t.http).post('/api/v1/auth/password').send({ token: created.body.passwordSetToken, password: PASSWORD }).expect(204);
    const again = await request(t.http)
      .post('/api/v1/auth/password')
      .send({ token: created.body.passwordSetToken, password: `${PASSWORD}!` })
      .expect(400);
    expect(again.body.error).toBe('PASSWORD_TOKEN_INVALID');

    const stored = await t.db.query('SELECT password_hash FROM users WHERE id = $1', [created.body.id]);
    expect(stored.rows[0].password_hash).toMatch(/^\$argon2id\$/);

    // The address is matched without regard to case.
    const res = await login(email.toUpperCase()).expect(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(res.body.refreshToken).toMatch(/^rt_/);
    const claims = jwt.decode(res.body.accessToken) as jwt.JwtPayload;
    expect(claims.exp! - claims.iat!).toBe(900);
    const me = await request(t.http).get('/api/v1/auth/me').set(bearer(res.body.accessToken)).expect(200);
    expect(me.body).toMatchObject({ actorType: 'user', id: created.body.id, orgId, role: 'viewer', platform: false, email });
    const list = await request(t.http).get('/api/v1/users').set('X-API-Key', admin).expect(200);
    expect(list.body.find((u: { id: string }) => u.id === created.body.id)).toMatchObject({ hasPassword: true });
    expect(JSON.stringify(list.body)).not.toMatch(/argon2|pst_/);
  });

  it('should take a login token and an API key as Bearer everywhere, and apply the role', async () => {
    const viewer = await user('viewer');
    const analyst = await user('analyst');
    const viewerToken = (await login(viewer.email).expect(200)).body.accessToken;
    const analystToken = (await login(analyst.email).expect(200)).body.accessToken;
    await request(t.http).get('/api/v1/imports').set(bearer(viewerToken)).expect(200);
    const denied = await request(t.http).post('/api/v1/imports').set(bearer(viewerToken)).field('kind', 'transactions').attach('file', Buffer.from(CSV), 'a.csv').expect(403);
    expect(denied.body).toMatchObject({ error: 'FORBIDDEN' });
    await request(t.http).post('/api/v1/imports').set(bearer(analystToken)).field('kind', 'transactions').attach('file', Buffer.from(CSV), 'a.csv').expect(202);
    await request(t.http).get('/api/v1/users').set(bearer(analystToken)).expect(403);
    // An API key as a bearer token.
    await request(t.http).get('/api/v1/api-keys').set(bearer(admin)).expect(200);
    // Wrong schemes and forged tokens.
    expect(
      (
        await request(t.http)
          .get('/api/v1/imports')
          .set('Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`)
          .expect(401)
      ).body.error,
    ).toBe('AUTH_SCHEME_UNSUPPORTED');
    const [h, p] = viewerToken.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...(jwt.decode(viewerToken) as object), org: '00000000-0000-0000-0000-000000000000' })).toString('base64url');
    expect(
      (
        await request(t.http)
          .get('/api/v1/imports')
          .set(bearer(`${h}.${forgedPayload}.${viewerToken.split('.')[2]}`))
          .expect(401)
      ).body.error,
    ).toBe('TOKEN_INVALID');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    expect((await request(t.http).get('/api/v1/imports').set(bearer(none)).expect(401)).body.error).toBe('TOKEN_INVALID');
    // An expired token signed with the platform's own secret.
    const { rows } = await t.db.query(`SELECT value FROM platform_secrets WHERE name = 'access-tokens'`);
    const decoded = jwt.decode(viewerToken) as jwt.JwtPayload;
    const expired = jwt.sign({ sid: decoded.sid, org: decoded.org, exp: Math.floor(Date.now() / 1000) - 5 }, rows[0].value, {
      subject: decoded.sub,
      issuer: decoded.iss,
      audience: decoded.aud as string,
    });
    expect((await request(t.http).get('/api/v1/imports').set(bearer(expired)).expect(401)).body.error).toBe('TOKEN_EXPIRED');
  });

  it('should rotate refresh tokens and revoke the whole login when a used one comes back', async () => {
    const u = await user('analyst');
    const first = (await login(u.email).expect(200)).body;
    const second = (await request(t.http).post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200)).body;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await request(t.http).get('/api/v1/imports').set(bearer(second.accessToken)).expect(200);
    const third = (await request(t.http).post('/api/v1/auth/refresh').send({ refreshToken: second.refreshToken }).expect(200)).body;
    await request(t.http).get('/api/v1/imports').set(bearer(first.accessToken)).expect(200);

    // The first token again: someone kept a copy. The family (every token of this login) ends.
    const reused = await request(t.http).post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken }).expect(401);
    expect(reused.body.error).toBe('REFRESH_TOKEN_REUSED');
    expect((await request(t.http).post('/api/v1/auth/refresh').send({ refreshToken: third.refreshToken }).expect(401)).body.error).toBe('REFRESH_TOKEN_INVALID');
    expect((await request(t.http).get('/api/v1/imports').set(bearer(third.accessToken)).expect(401)).body.error).toBe('SESSION_ENDED');
    // Another login of the same user is untouched.
    const other = (await login(u.email).expect(200)).body;
    await request(t.http).get('/api/v1/imports').set(bearer(other.accessToken)).expect(200);
    expect((await request(t.http).post('/api/v1/auth/refresh').send({ refreshToken: 'rt_unknown-token-value' }).expect(401)).body.error).toBe('REFRESH_TOKEN_INVALID');
  });

  it('should answer one of two simultaneous refreshes with the same token and end the login', async () => {
    const u = await user('viewer');
    const first = (await login(u.email).expect(200)).body;
    const answers = await Promise.all([0, 1].map(() => request(t.http).post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
    const winner = answers.find((a) => a.status === 200)!.body;
    await request(t.http).get('/api/v1/imports').set(bearer(winner.accessToken)).expect(401);
  });

  it('should log out: the access and refresh tokens stop working at once', async () => {
    const u = await user('viewer');
    const a = (await login(u.email).expect(200)).body;
    await request(t.http).post('/api/v1/auth/logout').set(bearer(a.accessToken)).expect(204);
    expect((await request(t.http).get('/api/v1/imports').set(bearer(a.accessToken)).expect(401)).body.error).toBe('SESSION_ENDED');
    await request(t.http).post('/api/v1/auth/refresh').send({ refreshToken: a.refreshToken }).expect(401);
    // By refresh token, without an access token.
    const b = (await login(u.email).expect(200)).body;
    await request(t.http).post('/api/v1/auth/logout').send({ refreshToken: b.refreshToken }).expect(204);
    await request(t.http).get('/api/v1/imports').set(bearer(b.accessToken)).expect(401);
    // An API key has no login to end.
    expect((await request(t.http).post('/api/v1/auth/logout').set('X-API-Key', admin).expect(400)).body.error).toBe('NOT_A_LOGIN');
    await request(t.http).post('/api/v1/auth/logout').expect(401);
  });

  it("should apply a role change at the user's next request and end a removed user's logins", async () => {
    const u = await user('viewer');
    const token = (await login(u.email).expect(200)).body.accessToken;
    await request(t.http).get('/api/v1/api-keys').set(bearer(token)).expect(403);
    const changed = await request(t.http).patch(`/api/v1/users/${u.id}`).set('X-API-Key', admin).send({ role: 'admin' }).expect(200);
    expect(changed.body.role).toBe('admin');
    await request(t.http).get('/api/v1/api-keys').set(bearer(token)).expect(200);
    // An admin user cannot demote or remove themself.
    expect((await request(t.http).delete(`/api/v1/users/${u.id}`).set(bearer(token)).expect(409)).body.error).toBe('USER_IS_CALLER');
    await request(t.http).delete(`/api/v1/users/${u.id}`).set('X-API-Key', admin).expect(204);
    expect((await request(t.http).get('/api/v1/imports').set(bearer(token)).expect(401)).body.error).toBe('SESSION_ENDED');
    expect((await login(u.email)).status).toBe(401);
    await request(t.http).get(`/api/v1/users/${u.id}`).set('X-API-Key', admin).expect(404);
  });

  it('should reissue a password-set token and end every login when the password is set again', async () => {
    const u = await user('viewer');
    const token = (await login(u.email).expect(200)).body.accessToken;
    const reset = await request(t.http).post(`/api/v1/users/${u.id}/password-token`).set('X-API-Key', admin).expect(201);
    // The old password works until the new token is redeemed.
    await login(u.email).expect(200);
    await request(t.http).post('/api/v1/auth/password').send({ token: reset.body.passwordSetToken, password: 'another long passphrase' }).expect(204);
    await request(t.http).get('/api/v1/imports').set(bearer(token)).expect(401);
    expect((await login(u.email)).status).toBe(401);
    await login(u.email, 'another long passphrase').expect(200);
    // An expired token.
    const late = await request(t.http).post(`/api/v1/users/${u.id}/password-token`).set('X-API-Key', admin).expect(201);
    await t.db.query(`UPDATE users SET password_set_token_expires_at = now() - interval '1 second' WHERE id = $1`, [u.id]);
    expect((await request(t.http).post('/api/v1/auth/password').send({ token: late.body.passwordSetToken, password: PASSWORD }).expect(400)).body.error).toBe(
      'PASSWORD_TOKEN_EXPIRED',
    );
  });

  it('should refuse a taken e-mail, a bad role, and users of another organization', async () => {
    const u = await user('viewer');
    expect((await request(t.http).post('/api/v1/users').set('X-API-Key', admin).send({ email: u.email.toUpperCase(), role: 'viewer' }).expect(409)).body.error).toBe('USER_EXISTS');
    expect((await request(t.http).post('/api/v1/users').set('X-API-Key', admin).send({ email: 'not-an-address', role: 'viewer' }).expect(400)).body.message).toMatch(/email/);
    expect((await request(t.http).post('/api/v1/users').set('X-API-Key', admin).send({ email: 'x@example.com', role: 'owner' }).expect(400)).body.message).toMatch(/role/);
    const other = await createOrg(t, 'other');
    await request(t.http).get(`/api/v1/users/${u.id}`).set('X-API-Key', other.key).expect(404);
    await request(t.http).patch(`/api/v1/users/${u.id}`).set('X-API-Key', other.key).send({ role: 'admin' }).expect(404);
    await request(t.http).delete(`/api/v1/users/${u.id}`).set('X-API-Key', other.key).expect(404);
    expect((await request(t.http).get('/api/v1/users').set('X-API-Key', other.key).expect(200)).body).toEqual([]);
  });

  it('should let only the platform role create organizations', async () => {
    const res = await request(t.http).post('/api/v1/organizations').set('X-API-Key', admin).send({ name: 'not mine to make' }).expect(403);
    expect(res.body.error).toBe('PLATFORM_ROLE_REQUIRED');
    const adminUser = await user('admin');
    const token = (await login(adminUser.email).expect(200)).body.accessToken;
    await request(t.http).post('/api/v1/organizations').set(bearer(token)).send({ name: 'nor mine' }).expect(403);
    const ok = await request(t.http).post('/api/v1/organizations').set('X-API-Key', t.adminKey).send({ name: 'platform made' }).expect(201);
    expect(ok.body.adminKey.platform).toBe(false);
    const me = await request(t.http).get('/api/v1/auth/me').set('X-API-Key', t.adminKey).expect(200);
    expect(me.body).toMatchObject({ actorType: 'api-key', role: 'admin', platform: true });
  });

  it('should write audit events with actor, address and request id, for admins only', async () => {
    const u = await user('viewer');
    await request(t.http).post('/api/v1/auth/login').set('X-Request-Id', 'audit-req-1').send({ email: u.email, password: 'wrong password!' }).expect(401);
    await request(t.http).post('/api/v1/auth/login').set('X-Request-Id', 'audit-req-2').send({ email: u.email, password: PASSWORD }).expect(200);
    const key = await createKey(t, admin, 'viewer');
    const page = await request(t.http).get('/api/v1/audit-events').set('X-API-Key', admin).query({ limit: 500 }).expect(200);
    const events = page.body.items as Array<{ action: string; actor: { type: string; id: string }; target: { id: string } | null; ip: string; requestId: string; orgId: string }>;
    expect(events.every((e) => e.orgId === orgId)).toBe(true);
    const failed = events.find((e) => e.action === 'auth.login-failed' && e.requestId === 'audit-req-1');
    expect(failed).toMatchObject({ actor: { type: 'anonymous' }, target: { id: u.id } });
    expect(failed!.ip).toMatch(/127\.0\.0\.1|::1/);
    expect(events.find((e) => e.action === 'auth.login' && e.requestId === 'audit-req-2')).toMatchObject({ actor: { type: 'user', id: u.id } });
    expect(events.find((e) => e.action === 'user.create' && e.target?.id === u.id)).toBeDefined();
    expect(events.find((e) => e.action === 'user.password-set' && e.target?.id === u.id)).toBeDefined();
    expect(events.filter((e) => e.action === 'api-key.create').length).toBeGreaterThanOrEqual(1);
    // Filters and paging.
    const logins = await request(t.http).get('/api/v1/audit-events').set('X-API-Key', admin).query({ action: 'auth.*', limit: 1 }).expect(200);
    expect(logins.body.items).toHaveLength(1);
    expect(logins.body.items[0].action).toMatch(/^auth\./);
    const next = await request(t.http).get('/api/v1/audit-events').set('X-API-Key', admin).query({ action: 'auth.*', limit: 1, before: logins.body.nextBefore }).expect(200);
    expect(Number(next.body.items[0].id)).toBeLessThan(Number(logins.body.items[0].id));
    await request(t.http).get('/api/v1/audit-events').set('X-API-Key', key).expect(403);
    expect((await request(t.http).get('/api/v1/audit-events').set('X-API-Key', admin).query({ limit: 0 }).expect(400)).body.error).toBe('VALIDATION_FAILED');
    // A request id that does not look like an id is replaced, not logged.
    const odd = await request(t.http).get('/api/v1/imports').set('X-API-Key', admin).set('X-Request-Id', 'a b\tc<script>').expect(200);
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await request(t.http).get('/api/v1/imports').set('X-API-Key', admin).set('X-Request-Id', 'abc-123').expect(200)).headers['x-request-id']).toBe('abc-123');
  });

  it('should refuse logins for an account after repeated failures, even with the right password, with Retry-After', async () => {
    const u = await user('viewer');
    for (let i = 0; i < 5; i++) {
      expect((await login(u.email, `wrong password ${i}`)).status).toBe(401);
    }
    const limited = await login(u.email).expect(429);
    expect(limited.body).toMatchObject({ error: 'LOGIN_RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(800);
    // Another account from the same address is not affected by this account's limit.
    const other = await user('viewer');
    await login(other.email).expect(200);
  });

  it('should let no more password guesses through than the limit when they arrive all at once', async () => {
    const u = await user('viewer');
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => login(u.email, `wrong password ${i}`)));
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    await login(u.email).expect(429);
  });

  it('should refuse logins from an address after too many failures across accounts', async () => {
    const limited = await startTestApp({ LOGIN_MAX_FAILURES_PER_IP: 3, LOGIN_MAX_FAILURES_PER_ACCOUNT: 100, REDIS_PREFIX: `${t.config.REDIS_PREFIX}_ip` });
    try {
      const u = await user('viewer');
      for (let i = 0; i < 3; i++) {
        expect(
          (
            await request(limited.http)
              .post('/api/v1/auth/login')
              .send({ email: `nobody${i}@example.com`, password: 'whatever it is' })
          ).status,
        ).toBe(401);
      }
      const res = await request(limited.http).post('/api/v1/auth/login').send({ email: u.email, password: PASSWORD }).expect(429);
      expect(res.headers['retry-after']).toBeDefined();
      // The first app keeps its own counters (its own prefix): the same user logs in there.
      await login(u.email).expect(200);
    } finally {
      await limited.close();
    }
  });

  it('should keep answering X-API-Key as before', async () => {
    const viewer = await createKey(t, admin, 'viewer');
    await request(t.http).get('/api/v1/imports').set('X-API-Key', viewer).expect(200);
    expect((await uploadCsv(t, viewer, 'transactions', CSV).expect(403)).body.error).toBe('FORBIDDEN');
  });
});
