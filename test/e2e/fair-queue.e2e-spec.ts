import * as fs from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import request from 'supertest';
import { postFile, writeTransactionsCsv } from '../factories/big-csv';
import { createOrg, startTestApp, TestApp, uploadCsv, waitForImport } from '../factories/test-app';

const SMALL = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\nTXN_1,M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567\n';

/** One worker taking one import at a time: the queue's order is all that decides who waits. */
describe('Fair import queue and organization quotas (e2e)', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp({ WORKER_CONCURRENCY: 1 });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fair-'));
  });

  afterAll(async () => {
    await t.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("should run another organization's small import before the second of four big ones queued earlier", async () => {
    const big = await createOrg(t, 'big');
    const small = await createOrg(t, 'small');
    const file = path.join(dir, 'big.csv');
    await writeTransactionsCsv(file, 150_000);
    const bigIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await postFile(t.http, `/api/v1/imports/transactions?fileName=big${i}.csv`, big.key, file);
      expect(res.status).toBe(202);
      bigIds.push(res.body.importId);
    }
    // The first big import is running (or about to); the small one arrives behind three more.
    const smallId = (await uploadCsv(t, small.key, 'transactions', SMALL).expect(202)).body.importId;
    const done = await waitForImport(t, small.key, smallId, ['COMPLETED'], 120000);
    const bigs = await Promise.all(bigIds.map((id) => request(t.http).get(`/api/v1/imports/${id}`).set('X-API-Key', big.key).expect(200)));
    const started = bigs.map((r) => r.body.startedAt).filter((s: string | null) => s !== null);
    // At most the running big import started before the small one finished.
    expect(started.filter((s: string) => s < done.finishedAt).length).toBeLessThanOrEqual(1);
    // (The same file four times: the later three end FAILED as all-duplicate; only the order matters here.)
    for (const id of bigIds) await waitForImport(t, big.key, id, undefined, 180000);
  }, 300000);

  it('should refuse an upload past the organization quota of imports queued or running with 429 naming the quota', async () => {
    const { key, orgId } = await createOrg(t, 'active-quota');
    await request(t.http)
      .put(`/api/v1/organizations/${orgId}/quotas`)
      .set('X-API-Key', t.adminKey)
      .send({ quotas: { maxActiveImports: 1 } })
      .expect(200);
    const first = (await uploadCsv(t, key, 'transactions', SMALL).expect(202)).body.importId;
    await waitForImport(t, key, first, ['COMPLETED']);
    // Make it look running again: it now holds the organization's one slot.
    await t.db.query(`UPDATE imports SET status = 'PROCESSING' WHERE id = $1`, [first]);
    try {
      const refused = await uploadCsv(t, key, 'transactions', SMALL).expect(429);
      expect(refused.body).toMatchObject({ error: 'QUOTA_ACTIVE_IMPORTS', details: { quota: 'maxActiveImports', activeImports: 1, maxActiveImports: 1 } });
      expect(refused.headers['retry-after']).toBeDefined();
      const org = await request(t.http).get('/api/v1/organizations/current').set('X-API-Key', key).expect(200);
      expect(org.body).toMatchObject({ quotas: { maxActiveImports: 1 }, usage: { activeImports: 1 } });
    } finally {
      await t.db.query(`UPDATE imports SET status = 'COMPLETED' WHERE id = $1`, [first]);
    }
    await uploadCsv(t, key, 'transactions', SMALL).expect(202);
    const bad = await request(t.http)
      .put(`/api/v1/organizations/${orgId}/quotas`)
      .set('X-API-Key', t.adminKey)
      .send({ quotas: { maxActiveImports: 0 } })
      .expect(400);
    expect(bad.body.message).toMatch(/maxActiveImports must be a positive integer/);
    await request(t.http).put(`/api/v1/organizations/${orgId}/quotas`).set('X-API-Key', key).send({ quotas: null }).expect(403);
  });

  it('should let no more simultaneous uploads through than the quota of imports queued or running', async () => {
    // An API process only: nothing here runs the imports, so every one accepted stays queued.
    const api = await startTestApp({ APP_ROLE: 'api' } as never);
    try {
      const { key, orgId } = await createOrg(api, 'burst-quota');
      await request(api.http)
        .put(`/api/v1/organizations/${orgId}/quotas`)
        .set('X-API-Key', api.adminKey)
        .send({ quotas: { maxActiveImports: 2 } })
        .expect(200);
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => uploadCsv(api, key, 'transactions', SMALL.replace('TXN_1', `TXN_${i}`))));
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(2);
      expect(statuses.filter((s) => s === 429)).toHaveLength(4);
      const held = await api.db.query(`SELECT count(*)::int AS n FROM imports WHERE org_id = $1`, [orgId]);
      expect(held.rows[0].n).toBe(2);
    } finally {
      await api.close();
    }
  });

  it('should refuse an upload past the stored-bytes quota with 413, before or after receiving it, keeping nothing', async () => {
    const { key, orgId } = await createOrg(t, 'bytes-quota');
    const first = (await uploadCsv(t, key, 'transactions', SMALL).expect(202)).body.importId;
    await waitForImport(t, key, first, ['COMPLETED']);
    await request(t.http)
      .put(`/api/v1/organizations/${orgId}/quotas`)
      .set('X-API-Key', t.adminKey)
      .send({ quotas: { maxStoredBytes: Buffer.byteLength(SMALL) + 50 } })
      .expect(200);
    // Declared length: refused before the body is read.
    const declared = await request(t.http).post('/api/v1/imports/transactions').set('X-API-Key', key).set('Content-Type', 'text/csv').send(SMALL).expect(413);
    expect(declared.body).toMatchObject({ error: 'QUOTA_STORED_BYTES', details: { quota: 'maxStoredBytes' } });
    // Chunked (no length): refused once received, and the file is not kept.
    if (!t.http.listening) await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
    const chunked = await fetch(`http://127.0.0.1:${t.http.address().port}/api/v1/imports/transactions`, {
      method: 'POST',
      headers: { 'X-API-Key': key, 'Content-Type': 'text/csv' },
      body: Readable.toWeb(Readable.from([Buffer.from(SMALL.slice(0, 40)), Buffer.from(SMALL.slice(40))])) as ReadableStream,
      duplex: 'half',
    });
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { error: string }).error).toBe('QUOTA_STORED_BYTES');
    // Multipart: refused once the file is received.
    expect((await uploadCsv(t, key, 'transactions', SMALL).expect(413)).body.error).toBe('QUOTA_STORED_BYTES');
    const list = await request(t.http).get('/api/v1/imports').set('X-API-Key', key).expect(200);
    expect(list.body.data.map((i: { importId: string }) => i.importId)).toEqual([first]);
    // Deleting an import frees its bytes.
    await request(t.http).delete(`/api/v1/imports/${first}`).set('X-API-Key', key).expect(200);
    await uploadCsv(t, key, 'transactions', SMALL).expect(202);
  });
});
