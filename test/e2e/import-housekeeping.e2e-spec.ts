import { randomUUID } from 'crypto';
import { promises as fs } from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { Client } from 'pg';
import request from 'supertest';
import { transactionsCsvString } from '../../libs/datagen';
import { partitionName } from '../../libs/ingest';
import { createOrg, startTestApp, TestApp, uploadRaw, waitForImport, waitForPurge } from '../factories/test-app';

/**
 * What is left behind when things go wrong, and what other tenants pay: broken uploads leave no
 * file, the sweeper removes files nobody owns, and deleting an import neither waits for nor blocks
 * other organizations' readers; imports a dead worker left behind end or run again.
 */
const CSV = transactionsCsvString({ rows: 2000, seed: 31, now: new Date('2026-06-30T12:00:00Z'), merchants: 50, days: 20 }).csv;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Import housekeeping (e2e)', () => {
  let t: TestApp;
  let uploads: string;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp({ SWEEP_INTERVAL_MS: 1000, STALE_IMPORT_MS: 1000 });
    uploads = path.join(t.config.DATA_DIR, 'uploads');
    await fs.mkdir(uploads, { recursive: true });
    await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
    port = (t.http.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await t.close();
  });

  const uploadFiles = async () => new Set(await fs.readdir(uploads));

  /** Sends the headers and `sent` bytes of a body announced as `length`, then cuts the connection. */
  const abortedUpload = (urlPath: string, key: string, headers: Record<string, string>, sent: Buffer, length: number) =>
    new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: urlPath, headers: { 'X-API-Key': key, 'Content-Length': String(length), ...headers } });
      req.on('error', () => resolve());
      req.write(sent, () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 300),
      );
    });

  /** Waits until the uploads folder holds exactly `expected` again (a refused file is removed asynchronously). */
  const expectUploads = async (expected: Set<string>) => {
    for (let i = 0; i < 50 && JSON.stringify([...(await uploadFiles())].sort()) !== JSON.stringify([...expected].sort()); i++) {
      await sleep(100);
    }
    expect([...(await uploadFiles())].sort()).toEqual([...expected].sort());
  };

  it('should leave no file when a raw-body upload is cut off halfway', async () => {
    const { key } = await createOrg(t);
    const before = await uploadFiles();
    const body = Buffer.from(CSV);
    await abortedUpload('/api/v1/imports/transactions', key, { 'Content-Type': 'text/csv' }, body.subarray(0, 100_000), body.length);
    await expectUploads(before);
    const list = await request(t.http).get('/api/v1/imports').set('X-API-Key', key).expect(200);
    expect(list.body.total).toBe(0);
  });

  it('should leave no file when a multipart upload is cut off inside the file part, on POST /imports and POST /uploads', async () => {
    const { key } = await createOrg(t);
    const before = await uploadFiles();
    const boundary = 'xBOUNDARYx';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ntransactions\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="tx.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    const body = Buffer.concat([Buffer.from(head), Buffer.from(CSV)]);
    for (const route of ['/api/v1/imports', '/api/v1/uploads']) {
      await abortedUpload(route, key, { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body.subarray(0, 100_000), body.length + 100);
    }
    await expectUploads(before);
  });

  it('should leave no file when a multipart upload is cut off after its file part ended', async () => {
    const { key } = await createOrg(t);
    const before = await uploadFiles();
    const boundary = 'zBOUNDARYz';
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ntransactions\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="tx.csv"\r\n\r\n${CSV}\r\n--${boundary}\r\nContent-Disposition: form-data; name="rejectThreshold"\r\n\r\n0.`,
    );
    await abortedUpload('/api/v1/imports', key, { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body, body.length + 100);
    await expectUploads(before);
  });

  it('should refuse a multipart body whose file part never ends (no closing boundary) and keep no file', async () => {
    const { key } = await createOrg(t);
    const before = await uploadFiles();
    const boundary = 'yBOUNDARYy';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ntransactions\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="tx.csv"\r\n\r\n${CSV}`;
    const res = await request(t.http).post('/api/v1/imports').set('X-API-Key', key).set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/INVALID_MULTIPART|UPLOAD_ABORTED/);
    await expectUploads(before);
  });

  it('should sweep away upload files that belong to no import after an hour, and scratch files of imports not running', async () => {
    const orphan = path.join(uploads, `${randomUUID()}.csv`);
    const young = path.join(uploads, `${randomUUID()}.csv`);
    const scratchDir = path.join(t.config.DATA_DIR, 'scratch');
    await fs.mkdir(scratchDir, { recursive: true });
    const scratch = path.join(scratchDir, `${randomUUID()}.keys`);
    for (const file of [orphan, young, scratch]) {
      await fs.writeFile(file, 'leftover');
    }
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await fs.utimes(orphan, twoHoursAgo, twoHoursAgo);
    for (let i = 0; i < 100 && (await exists(orphan)); i++) {
      await sleep(100);
    }
    expect(await exists(orphan)).toBe(false);
    expect(await exists(scratch)).toBe(false);
    // A file younger than ORPHAN_FILE_AGE_MS may still be an upload about to get its import.
    expect(await exists(young)).toBe(true);
    await fs.rm(young);
  });

  it('should not make other organizations wait when an import is deleted while they read, and drop it once they are done', async () => {
    const a = await createOrg(t, 'deleter');
    const b = await createOrg(t, 'reader');
    const load = async (key: string) => {
      const res = await uploadRaw(t, key, 'transactions', CSV, 'rejectThreshold=0.9').expect(202);
      return waitForImport(t, key, res.body.importId, ['COMPLETED'], 60000, (body) => body.indexedAt !== null);
    };
    const mine = await load(a.key);
    const theirs = await load(b.key);
    // A long read by organization B holds the transactions table (as a long analytics query would).
    const reader = new Client({ connectionString: t.config.DATABASE_URL });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM transactions WHERE import_id = $1', [theirs.importId]);

      const started = Date.now();
      const del = await request(t.http).delete(`/api/v1/imports/${mine.importId}`).set('X-API-Key', a.key).expect(200);
      expect(del.body).toMatchObject({ outcome: 'REMOVED' });
      expect(Date.now() - started).toBeLessThan(3000);
      const leaderboard = await request(t.http).get('/api/v1/analytics/zone-leaderboard').set('X-API-Key', a.key).expect(200);
      expect(leaderboard.body.data).toEqual([]);

      // B's new reads of the same table go on (a DROP would have queued them behind its lock).
      const readStart = Date.now();
      const other = await request(t.http).get('/api/v1/analytics/zone-leaderboard?from=2026-06-11T00:00:07Z').set('X-API-Key', b.key).expect(200);
      expect(other.body.data.length).toBeGreaterThan(0);
      expect(Date.now() - readStart).toBeLessThan(3000);
      // The detach waits for B's open transaction: the partition is still there.
      await sleep(500);
      const still = await t.db.query('SELECT to_regclass($1) IS NOT NULL AS present', [partitionName('transactions', mine.importId)]);
      expect(still.rows[0].present).toBe(true);
    } finally {
      await reader.query('COMMIT');
      await reader.end();
    }
    await waitForPurge(t, mine.importId, ['transactions', 'tx_rollups', 'tx_merchant_days', 'tx_merchant_zones', 'tx_customers']);
  });

  it('should purge an import when a detach on the same table was left pending by a crash (finalizing that one first)', async () => {
    const { key } = await createOrg(t, 'after-crash');
    const res = await uploadRaw(t, key, 'transactions', CSV, 'rejectThreshold=0.9').expect(202);
    const mine = await waitForImport(t, key, res.body.importId, ['COMPLETED'], 60000, (body) => body.indexedAt !== null);
    // A partition whose DETACH … CONCURRENTLY was interrupted: a parent allows one such at a time,
    // and every later detach on it fails until it is finalized.
    const stray = partitionName('transactions', randomUUID());
    const strayId = stray.slice('transactions_p_'.length).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    await t.db.query(`CREATE TABLE ${stray} (LIKE transactions INCLUDING DEFAULTS)`);
    await t.db.query(`ALTER TABLE transactions ATTACH PARTITION ${stray} FOR VALUES IN ('${strayId}')`);
    const reader = new Client({ connectionString: t.config.DATABASE_URL });
    const detacher = new Client({ connectionString: t.config.DATABASE_URL });
    await reader.connect();
    await detacher.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM transactions WHERE import_id = $1', [mine.importId]);
      const pid = (await detacher.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const detach = detacher.query(`ALTER TABLE transactions DETACH PARTITION ${stray} CONCURRENTLY`).then(
        () => 'the detach was not cancelled',
        (err: Error) => err.message,
      );
      const isPending = async () => (await t.db.query('SELECT inhdetachpending AS p FROM pg_inherits WHERE inhrelid = to_regclass($1)', [stray])).rows[0]?.p === true;
      for (let i = 0; i < 100 && !(await isPending()); i++) {
        await sleep(50);
      }
      expect(await isPending()).toBe(true);
      await t.db.query('SELECT pg_cancel_backend($1)', [pid]);
      expect(String(await detach)).toContain('canceling statement');
    } finally {
      await reader.query('COMMIT');
      await reader.end();
      await detacher.end();
    }
    try {
      await request(t.http).delete(`/api/v1/imports/${mine.importId}`).set('X-API-Key', key).expect(200);
      await waitForPurge(t, mine.importId, ['transactions', 'tx_rollups', 'tx_merchant_days', 'tx_merchant_zones', 'tx_customers']);
      const left = await t.db.query('SELECT count(*)::int AS n FROM pg_inherits WHERE inhrelid = to_regclass($1)', [stray]);
      expect(left.rows[0].n).toBe(0);
    } finally {
      await t.db.query(`DROP TABLE IF EXISTS ${stray}`);
    }
  });

  it('should fail an import a dead worker left PROCESSING once its job is gone, and queue again one left QUEUED without a job', async () => {
    const { key } = await createOrg(t, 'abandoned');
    const res = await uploadRaw(t, key, 'transactions', CSV, 'rejectThreshold=0.9').expect(202);
    await waitForImport(t, key, res.body.importId, ['COMPLETED'], 60000);
    // Rows as a crash leaves them: claimed or queued long ago, and no job in the queue.
    const leftBehind = async (status: 'PROCESSING' | 'QUEUED') => {
      const id = randomUUID();
      await t.db.query(
        `INSERT INTO imports SELECT (jsonb_populate_record(NULL::imports, to_jsonb(i) || jsonb_build_object(
           'id', $2::uuid, 'status', $3::text, 'updated_at', now() - interval '1 hour', 'finished_at', NULL, 'indexed_at', NULL,
           'idempotency_key', NULL, 'attempts', 1, 'rows_loaded', 0))).* FROM imports i WHERE id = $1`,
        [res.body.importId, id, status],
      );
      return id;
    };
    const processing = await leftBehind('PROCESSING');
    const queued = await leftBehind('QUEUED');

    const failed = await waitForImport(t, key, processing, ['FAILED'], 20000);
    expect(failed).toMatchObject({ errorCode: 'RETRIES_EXHAUSTED', errorDetails: { attempts: 1, jobState: 'missing' } });
    expect(failed.error).toContain('worker died');
    // Queued again and run: its upload is gone (the original import's file was removed when it completed).
    const rerun = await waitForImport(t, key, queued, ['FAILED', 'COMPLETED'], 20000);
    expect(rerun).toMatchObject({ status: 'FAILED', errorCode: 'FILE_MISSING', attempts: 2 });
  });
});

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
