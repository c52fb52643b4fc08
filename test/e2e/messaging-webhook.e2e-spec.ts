import { createHmac } from 'crypto';
import * as path from 'path';
import request from 'supertest';
import { spawnApp, SpawnedApp } from '../factories/big-csv';
import { createKey, createOrg, startTestApp, TestApp, uploadRaw, waitForImport } from '../factories/test-app';

/**
 * The live WhatsApp status webhook through HTTP: the slug, the configuration, the handshake, the
 * signature check (401 and nothing stored), micro-batched loading visible to the answers within
 * 2 s, idempotency, events merging with file imports into one outcome per message, and a process
 * killed with SIGKILL right after acknowledging a payload losing nothing.
 */
const SECRET = 'test-app-secret-0123';
const TOKEN = 'verify-me';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Cloud API notification of these statuses. */
function payload(statuses: object[]): string {
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'WABA', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', statuses } }] }] });
}
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('Messaging webhook (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;
  let slug: string;
  const spawned: SpawnedApp[] = [];

  const post = (body: string, signature?: string, http: unknown = t.http) => {
    const r = request(http as never)
      .post(`/api/v1/messaging/webhooks/whatsapp/${slug}`)
      .set('Content-Type', 'application/json');
    return (signature === undefined ? r : r.set('X-Hub-Signature-256', signature)).send(body);
  };
  const delivery = async (from: string, to: string) =>
    (await request(t.http).get(`/api/v1/messaging/delivery?from=${from}&to=${to}&granularity=daily`).set('X-API-Key', key).expect(200)).body;
  const stored = async (messageId: string) =>
    (await t.db.query(`SELECT status, error_code FROM message_events WHERE org_id = $1 AND message_id = $2 ORDER BY ts`, [orgId, messageId])).rows;

  beforeAll(async () => {
    t = await startTestApp();
    ({ key, orgId } = await createOrg(t, 'Acme Messaging'));
    const me = await request(t.http).get('/api/v1/organizations/current').set('X-API-Key', key).expect(200);
    slug = me.body.slug;
    expect(me.body).toMatchObject({ id: orgId, slug: expect.stringMatching(/^acme-messaging-[a-z0-9]+-[0-9a-f]{8}$/) });
  });

  afterAll(async () => {
    await Promise.all(spawned.map((s) => s.stop(2000)));
    await t?.close();
  });

  it('should let only an admin set the secret, and answer the handshake with the verify token only', async () => {
    const viewer = await createKey(t, key, 'viewer');
    await request(t.http).put('/api/v1/messaging/webhooks/whatsapp/config').set('X-API-Key', viewer).send({ appSecret: SECRET, verifyToken: TOKEN }).expect(403);
    // Not configured yet: a signed post cannot be checked.
    expect((await post(payload([]), sign(payload([]))).expect(401)).body.error).toBe('WEBHOOK_NOT_CONFIGURED');
    await request(t.http).put('/api/v1/messaging/webhooks/whatsapp/config').set('X-API-Key', key).send({ appSecret: 'short', verifyToken: TOKEN }).expect(400);
    await request(t.http).put('/api/v1/messaging/webhooks/whatsapp/config').set('X-API-Key', key).send({ appSecret: SECRET, verifyToken: TOKEN }).expect(200);
    const ok = await request(t.http).get(`/api/v1/messaging/webhooks/whatsapp/${slug}?hub.mode=subscribe&hub.verify_token=${TOKEN}&hub.challenge=1158201444`).expect(200);
    expect(ok.text).toBe('1158201444');
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    await request(t.http).get(`/api/v1/messaging/webhooks/whatsapp/${slug}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`).expect(403);
    await request(t.http).get(`/api/v1/messaging/webhooks/whatsapp/nobody-00000000?hub.mode=subscribe&hub.verify_token=${TOKEN}&hub.challenge=1`).expect(404);
  });

  it('should refuse a missing or wrong signature with 401 and store nothing', async () => {
    const body = payload([{ id: 'wamid.forged', status: 'delivered', timestamp: '1748772005', recipient_id: '1555' }]);
    expect((await post(body).expect(401)).body.error).toBe('INVALID_SIGNATURE');
    await post(body, sign(body, 'another-secret-123')).expect(401);
    await post(body, sign(body + ' ')).expect(401);
    await post('{"not":"a payload"}', sign('{"not":"a payload"}')).expect(400);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM webhook_inbox WHERE org_id = $1`, [orgId])).rows[0].n).toBe(0);
    await sleep(600);
    expect(await stored('wamid.forged')).toEqual([]);
  });

  it('should show signed events in the answers within 2 s, once however often they come, merged with file imports', async () => {
    // The sent events came in a file; delivery and read come live.
    const file = 'message_id,status,timestamp\nwamid.A,sent,2025-06-01T10:00:00Z\nwamid.B,sent,2025-06-01T10:00:00Z\n';
    const res = await uploadRaw(t, key, 'message-events', file).expect(202);
    expect((await waitForImport(t, key, res.body.importId)).status).toBe('COMPLETED');
    const body = payload([
      { id: 'wamid.A', status: 'delivered', timestamp: '1748772003', recipient_id: '15550001', conversation: { id: 'c1' } },
      { id: 'wamid.A', status: 'read', timestamp: '1748772060', recipient_id: '15550001' },
      { id: 'wamid.B', status: 'failed', timestamp: '1748772009', recipient_id: '15550002', errors: [{ code: 131026, title: 'Message undeliverable' }] },
      { id: 'wamid.C', status: 'seen', timestamp: '1748772009' },
    ]);
    const started = Date.now();
    expect((await post(body, sign(body)).expect(200)).body).toEqual({ received: 4, accepted: 3 });
    let answer = await delivery('2025-06-01', '2025-06-02');
    while (answer.summary.delivered < 1 && Date.now() - started < 5000) {
      await sleep(50);
      answer = await delivery('2025-06-01', '2025-06-02');
    }
    expect(Date.now() - started).toBeLessThan(2000);
    expect(answer.buckets).toMatchObject([{ messages: 2, sent: 2, delivered: 1, read: 1, failed: 1, delivery_rate: 50, latency_ms: { p50: 3000 } }]);
    expect(answer.summary.top_failures).toEqual([{ error_code: '131026', messages: 1, share: 100 }]);

    // At least once: the same payload again changes nothing but the repeat count.
    await post(body, sign(body)).expect(200);
    await sleep(800);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM webhook_inbox`)).rows[0].n).toBe(0);
    expect(await stored('wamid.A')).toEqual([
      { status: 'sent', error_code: null },
      { status: 'delivered', error_code: null },
      { status: 'read', error_code: null },
    ]);
    const live = (await request(t.http).get('/api/v1/imports?kind=message-events').set('X-API-Key', key).expect(200)).body.data.find(
      (i: { fileName: string }) => i.fileName === 'whatsapp-webhook',
    );
    expect(live).toMatchObject({ status: 'COMPLETED', progress: { rowsLoaded: 3 }, rejectsByReason: { DUPLICATE_EVENT: 3 } });
    expect((await delivery('2025-06-01', '2025-06-02')).summary).toMatchObject({ messages: 2, delivered: 1 });
  });

  it('should lose nothing it acknowledged when the process is killed right after the 200', async () => {
    const port = 3900 + Math.floor(Math.random() * 90);
    const app = spawnApp({
      APP_ROLE: 'all',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      REDIS_PREFIX: `${process.env.REDIS_PREFIX}:webhook-kill`,
      DATA_DIR: path.join(process.env.DATA_DIR!, 'webhook-kill'),
    });
    spawned.push(app);
    const base = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
      const ok = await fetch(`${base}/health/live`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the spawned app did not start: ${app.output()}`);
    }
    const statuses = Array.from({ length: 50 }, (_, i) => ({ id: `wamid.K${i}`, status: 'delivered', timestamp: String(1748858400 + i), recipient_id: '1555' }));
    const body = payload(statuses);
    const res = await fetch(`${base}/api/v1/messaging/webhooks/whatsapp/${slug}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sign(body) },
      body,
    });
    process.kill(app.child.pid!, 'SIGKILL');
    expect(res.status).toBe(200);
    await app.exited;
    // This process loads whatever the killed one acknowledged and had not loaded yet.
    let answer = await delivery('2025-06-02', '2025-06-03');
    for (const deadline = Date.now() + 5000; answer.summary.messages < 50 && Date.now() < deadline; await sleep(100)) {
      answer = await delivery('2025-06-02', '2025-06-03');
    }
    expect(answer.summary).toMatchObject({ messages: 50, delivered: 50 });
  });
});
