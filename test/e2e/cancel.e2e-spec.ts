import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import request from 'supertest';
import { INGESTION_QUEUE } from '../../src/modules/ingestion/jobs/ingestion.jobs';
import { partitionName } from '../../libs/ingest';
import { postFile, TRANSACTIONS_HEADER, writeTransactionsCsv } from '../factories/big-csv';
import { countRows, createOrg, startTestApp, TestApp, uploadCsv, waitForImport } from '../factories/test-app';

/** Big enough that loading takes several seconds, so a cancel lands while COPY is running. */
// Large enough that a load takes several seconds at full speed (~500K rows/s here), so a cancel
// sent as soon as the load starts always lands while rows are still being read.
const ROWS = 3_000_000;
// This spec's own queues and data folder (under the run's, which the global teardown cleans): workers
// of other spec files running at the same time never take its jobs, nor see its uploads.
const BASE_PREFIX = process.env.REDIS_PREFIX!;
const DATA_DIR = path.join(process.env.DATA_DIR!, 'cancel');
const MIXED = readFileSync(path.join(__dirname, '../fixtures/csv/ok/transactions-mixed.csv'));
const ENDED = ['COMPLETED', 'FAILED', 'CANCELLED'];

const exists = (file: string) =>
  fs.access(file).then(
    () => true,
    () => false,
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const smallCsv = (rows: number) =>
  `${TRANSACTIONS_HEADER}\n${Array.from({ length: rows }, (_, n) => `TXN_${n},MERCH_1,North,Food,1.00,2025-01-05 10:00:00,+15551234567\n`).join('')}`;

describe('Cancelling and removing imports (e2e)', () => {
  let t: TestApp;
  const csvPath = path.join(os.tmpdir(), `cancel-${process.env.TEST_RUN_ID ?? 'manual'}-${process.pid}.csv`);

  /** Nothing of the import is visible or left over: no rows, no partition table, no new data version. */
  const expectNothingPublished = async (id: string, orgId: string) => {
    expect(await countRows(t, 'transactions', id)).toBe(0);
    const table = await t.db.query('SELECT to_regclass($1) AS t', [partitionName('transactions', id)]);
    expect(table.rows[0].t).toBeNull();
    // The run closes its connection right after recording the outcome: give it a moment.
    let sessions = -1;
    for (let i = 0; i < 50 && sessions !== 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      sessions = (await t.db.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [`import ${id}`])).rows[0].n;
    }
    expect(sessions).toBe(0);
    const org = await t.db.query('SELECT data_version FROM organizations WHERE id = $1', [orgId]);
    expect(Number(org.rows[0].data_version)).toBe(0);
    expect(await exists(path.join(DATA_DIR, 'uploads', `${id}.csv`))).toBe(false);
  };

  beforeAll(async () => {
    const [app] = await Promise.all([
      // HTTP and an in-process worker, on this spec's own queue.
      startTestApp({ REDIS_PREFIX: `${BASE_PREFIX}:cancel`, DATA_DIR }),
      writeTransactionsCsv(csvPath, ROWS),
    ]);
    t = app;
  }, 60000);

  afterAll(async () => {
    await t?.close();
    await fs.rm(csvPath, { force: true });
  }, 15000);

  it('should cancel at once and delete the upload when the import is still QUEUED', async () => {
    // HTTP only, on a queue of its own: no worker anywhere can take the job.
    const api = await startTestApp({ APP_ROLE: 'api', REDIS_PREFIX: `${BASE_PREFIX}:cancel-queued`, DATA_DIR });
    try {
      const { key } = await createOrg(api, 'cancel-queued');
      const created = await request(api.http).post('/api/v1/imports/transactions').set('X-API-Key', key).set('Content-Type', 'text/csv').send(smallCsv(100)).expect(202);
      const id: string = created.body.importId;
      const upload = path.join(DATA_DIR, 'uploads', `${id}.csv`);
      expect(await exists(upload)).toBe(true);
      const queue = api.app.get<Queue>(getQueueToken(INGESTION_QUEUE));
      expect(await (await queue.getJob(id))!.getState()).toBe('waiting');

      const del = await request(api.http).delete(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(200);
      expect(del.body).toEqual({ importId: id, outcome: 'CANCELLED', rowsRemoved: 0 });

      const got = await request(api.http).get(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(200);
      expect(got.body).toMatchObject({ status: 'CANCELLED', attempts: 0, startedAt: null });
      expect(got.body.error).toMatch(/cancel/i);
      expect(got.body.finishedAt).not.toBeNull();
      expect(await exists(upload)).toBe(false);
      expect(await queue.getJob(id)).toBeNull();
    } finally {
      await api.close();
    }
  }, 30000);

  it('should remove a FAILED import and answer 404 for it afterwards', async () => {
    const { key } = await createOrg(t, 'remove-failed');
    const created = await uploadCsv(t, key, 'transactions', MIXED, 'mixed.csv').expect(202);
    const id: string = created.body.importId;
    const failed = await waitForImport(t, key, id, ENDED, 15000);
    expect(failed.status).toBe('FAILED');
    const row = await t.db.query('SELECT rejects_path FROM imports WHERE id = $1', [id]);
    const rejects = path.join(DATA_DIR, row.rows[0].rejects_path);
    expect(await exists(rejects)).toBe(true);

    const del = await request(t.http).delete(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(200);
    expect(del.body).toEqual({ importId: id, outcome: 'REMOVED', rowsRemoved: 0 });

    const gone = await request(t.http).get(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(404);
    expect(gone.body.statusCode).toBe(404);
    const left = await t.db.query('SELECT count(*)::int AS n FROM imports WHERE id = $1', [id]);
    expect(left.rows[0].n).toBe(0);
    expect(await exists(rejects)).toBe(false);
    expect(await exists(path.join(DATA_DIR, 'uploads', `${id}.csv`))).toBe(false);
    await request(t.http).delete(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(404);
  }, 30000);

  it('should publish nothing when the cancel arrives after the rows were copied but before the import published', async () => {
    const { key, orgId } = await createOrg(t, 'cancel-late');
    // White box: the runner takes this advisory lock after COPY, before dedupe and publish. Holding it
    // parks the import there, so the DELETE lands after its last progress check.
    const publishLock = `publish:transactions:${orgId}`;
    await t.db.query('SELECT pg_advisory_lock(hashtext($1))', [publishLock]);
    let id: string;
    try {
      const created = await request(t.http).post('/api/v1/imports/transactions').set('X-API-Key', key).set('Content-Type', 'text/csv').send(smallCsv(1000)).expect(202);
      id = created.body.importId;
      const deadline = Date.now() + 15000;
      for (;;) {
        const r = await t.db.query('SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE application_name = $1', [`import ${id}`]);
        if (r.rows[0]?.wait_event_type === 'Lock' && r.rows[0]?.wait_event === 'advisory') {
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(`The import never waited for the publish lock; its backend: ${JSON.stringify(r.rows)}`);
        }
        await sleep(50);
      }
      const del = await request(t.http).delete(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(200);
      expect(del.body).toEqual({ importId: id, outcome: 'CANCEL_REQUESTED', rowsRemoved: 0 });
    } finally {
      await t.db.query('SELECT pg_advisory_unlock(hashtext($1))', [publishLock]);
    }

    const ended = await waitForImport(t, key, id, ENDED, 15000);
    expect(ended).toMatchObject({ status: 'CANCELLED', cancelRequested: true });
    expect(ended.error).toMatch(/cancel/i);
    expect(ended.progress.rowsLoaded).toBe(0);
    await expectNothingPublished(id, orgId);
  }, 30000);

  // Last: if a cancel ever leaves the worker stuck, no other test here waits behind it.
  it('should stop the load, publish nothing and leave no partition table when a running import is cancelled', async () => {
    const { key, orgId } = await createOrg(t, 'cancel-running');
    const created = await postFile(t.http, '/api/v1/imports/transactions?fileName=big.csv', key, csvPath);
    expect(created.status).toBe(202);
    const id: string = created.body.importId;

    const running = await waitForImport(t, key, id, ['PROCESSING'], 20000);
    expect(running.progress.rowsRead).toBeLessThan(ROWS);
    const del = await request(t.http).delete(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(200);
    expect(del.body).toEqual({ importId: id, outcome: 'CANCEL_REQUESTED', rowsRemoved: 0 });

    const ended = await waitForImport(t, key, id, ENDED, 20000);
    expect(ended).toMatchObject({ status: 'CANCELLED', cancelRequested: true });
    expect(ended.error).toMatch(/cancel/i);
    expect(ended.progress.rowsLoaded).toBe(0);
    expect(ended.progress.rowsRead).toBeLessThan(ROWS); // stopped while loading, not at the end
    await expectNothingPublished(id, orgId);
  }, 40000);
});
