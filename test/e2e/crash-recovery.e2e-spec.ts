import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import request from 'supertest';
import type { ImportResponseDto } from '../../src/modules/ingestion/dto/import-response.dto';
import { ImportRunner } from '../../src/modules/ingestion/import-runner.service';
import { INGESTION_QUEUE } from '../../src/modules/ingestion/jobs/ingestion.jobs';
import { IngestionProducer } from '../../src/modules/ingestion/jobs/ingestion.producer';
import { partitionName } from '../../libs/ingest';
import { createWriteStream } from 'fs';
import { finished } from 'stream/promises';
import { TransactionsGenResult, writeTransactionsCsv as writeGeneratedCsv } from '../../libs/datagen';
import { postFile, spawnApp, SpawnedApp, writeTransactionsCsv } from '../factories/big-csv';
import { countRows, createOrg, startTestApp, TestApp } from '../factories/test-app';

/**
 * A worker process is SIGKILLed in the middle of COPY. The import's single transaction must leave
 * nothing behind, and Bull's stalled-job check must hand the job to a new worker that loads the file
 * exactly once. The file has the adversarial shape (a new customer on every row, 100K merchants,
 * zones and categories, ten years, faults) and the workers the small memory budget of the limits
 * spec, so the rerun goes through every fallback. Then a worker is killed after a publish but
 * before its post-commit indexing, which a new worker must redo. Needs dist/ (`npx nest build`;
 * `npm test` builds first).
 */
const ROWS = 1_000_000;
// This spec's own queue and data folder, so that workers of other spec files running at the same
// time never take its job (nor its workers theirs) and its big upload never shows up in their
// folders. Both sit under the run's own prefix / folder, which the global teardown cleans.
const REDIS_PREFIX = `${process.env.REDIS_PREFIX}:crash-recovery`;
const DATA_DIR = path.join(process.env.DATA_DIR!, 'crash-recovery');
const WORKER_ENV = { APP_ROLE: 'worker', REDIS_PREFIX, DATA_DIR, LOG_LEVEL: 'info', IMPORT_MEMORY_MB: '16', LOAD_THREAD_HEAP_MB: '16' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Crash recovery (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;
  let importId: string;
  let partition: string;
  const csvPath = path.join(os.tmpdir(), `crash-recovery-${process.env.TEST_RUN_ID ?? 'manual'}-${process.pid}.csv`);
  const secondPath = `${csvPath}.second.csv`;
  let generated: TransactionsGenResult;
  /** Rows the cleaner and the duplicate check keep: every row but the generator's faulty ones. */
  const expectedRows = () => ROWS - generated.faultyRows;
  const workers: SpawnedApp[] = [];

  /** Runs a test body; on failure prints what the worker processes wrote, then rethrows. */
  const withWorkerLogs = async (body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (err) {
      for (const [i, w] of workers.entries()) {
        console.error(`--- worker ${i + 1} (pid ${w.child.pid}, exit ${w.child.exitCode ?? w.child.signalCode}) output, tail ---\n${w.output().slice(-6000)}`);
      }
      throw err;
    }
  };

  /** Polls GET /imports/{id} until `done(body)`; fails early if `worker` dies meanwhile. */
  const pollImport = async (done: (body: ImportResponseDto) => boolean, timeoutMs: number, worker?: SpawnedApp): Promise<ImportResponseDto> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (worker && (worker.child.exitCode !== null || worker.child.signalCode !== null)) {
        throw new Error(`Worker pid ${worker.child.pid} exited (${worker.child.exitCode ?? worker.child.signalCode}); import last: ${JSON.stringify(last)}`);
      }
      const res = await request(t.http).get(`/api/v1/imports/${importId}`).set('X-API-Key', key);
      last = res.body;
      if (res.status === 200 && done(res.body)) {
        return res.body;
      }
      await sleep(100);
    }
    throw new Error(`Import ${importId} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  };

  const importBackends = async () => (await t.db.query(`SELECT pid, state, xact_start, query FROM pg_stat_activity WHERE application_name = $1`, [`import ${importId}`])).rows;

  beforeAll(async () => {
    const [app] = await Promise.all([
      // HTTP only: nothing in this process processes the queue.
      startTestApp({ APP_ROLE: 'api', REDIS_PREFIX, DATA_DIR }),
      (async () => {
        const out = createWriteStream(csvPath, { highWaterMark: 1 << 20 });
        // Now: its future-timestamp faults must be in the future for the import too.
        generated = await writeGeneratedCsv(out, { rows: ROWS, seed: 5, now: new Date(), shape: 'adversarial' });
        out.end();
        await finished(out);
      })(),
      writeTransactionsCsv(secondPath, 1_000_000),
    ]);
    t = app;
    ({ key, orgId } = await createOrg(t, 'crash'));
  }, 60000);

  afterAll(async () => {
    // SIGTERM (then SIGKILL): every spawned worker is gone before the app and the database.
    await Promise.all(workers.map((w) => w.stop(5000)));
    await t?.close();
    await fs.rm(csvPath, { force: true });
    await fs.rm(secondPath, { force: true });
  }, 30000);

  it(
    'should leave no rows and no partition table when the worker is killed in the middle of COPY',
    () =>
      withWorkerLogs(async () => {
        const worker = spawnApp(WORKER_ENV);
        workers.push(worker);
        const created = await postFile(t.http, '/api/v1/imports/transactions?fileName=big.csv', key, csvPath);
        expect(created.status).toBe(202);
        expect(created.body).toMatchObject({ status: 'QUEUED', kind: 'transactions' });
        importId = created.body.importId;
        partition = partitionName('transactions', importId);

        const running = await pollImport((b) => b.status === 'PROCESSING' && b.progress.rowsRead > 0, 45000, worker);
        expect(running.progress.rowsRead).toBeLessThan(ROWS);
        // The worker's backend is inside its transaction, streaming COPY into the import's own table.
        const [backend] = await importBackends();
        expect(backend).toMatchObject({ state: 'active' });
        expect(backend.xact_start).not.toBeNull();
        expect(backend.query).toMatch(new RegExp(`^COPY ${partition} `));

        process.kill(worker.child.pid!, 'SIGKILL');
        expect(await worker.exited).toBe('SIGKILL');

        // Postgres aborts the transaction when it sees the connection drop; wait for the backend to go.
        const deadline = Date.now() + 10000;
        while ((await importBackends()).length > 0) {
          if (Date.now() > deadline) {
            throw new Error(`The killed worker's backend is still there: ${JSON.stringify(await importBackends())}`);
          }
          await sleep(100);
        }
        expect(await countRows(t, 'transactions', importId)).toBe(0);
        const table = await t.db.query('SELECT to_regclass($1) AS t, (SELECT count(*)::int FROM pg_class WHERE relname = $1) AS n', [partition]);
        expect(table.rows[0]).toEqual({ t: null, n: 0 });
        const org = await t.db.query('SELECT data_version FROM organizations WHERE id = $1', [orgId]);
        expect(Number(org.rows[0].data_version)).toBe(0);
        // The claim is committed outside the load transaction: the import still looks taken by the dead worker.
        const stale = await request(t.http).get(`/api/v1/imports/${importId}`).set('X-API-Key', key).expect(200);
        expect(stale.body).toMatchObject({ status: 'PROCESSING', attempts: 1 });
      }),
    90000,
  );

  it(
    'should load every row exactly once when a new worker reruns the stalled job',
    () =>
      withWorkerLogs(async () => {
        expect(importId).toBeDefined();
        const worker = spawnApp(WORKER_ENV);
        workers.push(worker);
        // Lock 4 s, stalled check every 2 s: the job goes back to wait and the new worker reruns it.
        const done = await pollImport((b) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(b.status), 120000, worker);
        expect(done.status).toBe('COMPLETED');
        expect(done.error).toBeNull();
        expect(done.attempts).toBeGreaterThanOrEqual(2);
        expect(done.progress).toMatchObject({ rowsRead: ROWS, rowsLoaded: expectedRows(), rowsRejected: generated.faultyRows });
        expect(done.rejectsByReason.DUPLICATE_ID).toBe(generated.faultsByType.duplicate_id);
        expect(done.metrics!.folds!.missingRollups).toEqual(expect.arrayContaining(['zoneHours', 'categoryHours', 'merchantDays']));
        const counts = await t.db.query('SELECT count(*)::int AS n, count(DISTINCT transaction_id)::int AS d FROM transactions WHERE import_id = $1', [importId]);
        expect(counts.rows[0]).toEqual({ n: expectedRows(), d: expectedRows() });
        const attached = await t.db.query('SELECT inhparent::regclass::text AS parent FROM pg_inherits WHERE inhrelid = to_regclass($1)', [partition]);
        expect(attached.rows).toEqual([{ parent: 'transactions' }]);
        const org = await t.db.query('SELECT data_version FROM organizations WHERE id = $1', [orgId]);
        expect(Number(org.rows[0].data_version)).toBe(1);
        await expect(fs.access(path.join(t.config.DATA_DIR, 'uploads', `${importId}.csv`))).rejects.toThrow();
      }),
    150000,
  );

  it(
    'should change nothing when an already COMPLETED import is run or enqueued again',
    () =>
      withWorkerLogs(async () => {
        expect(importId).toBeDefined();
        const before = await request(t.http).get(`/api/v1/imports/${importId}`).set('X-API-Key', key).expect(200);
        expect(before.body.status).toBe('COMPLETED');

        const outcome = await t.app
          .get(ImportRunner)
          .run(importId, () => Promise.resolve(), false)
          .catch((err: unknown) => ({ threw: String(err) }));
        expect(outcome).toEqual({ importId, status: 'SKIPPED' });

        // jobId = import id: the finished job is still known to Bull, so enqueueing again adds nothing.
        const queue = t.app.get<Queue>(getQueueToken(INGESTION_QUEUE));
        const jobState = async () => (await queue.getJob(importId))?.getState();
        // The worker marks the job completed in Redis only after the post-commit work (the partition's
        // indexes and ANALYZE over 1.5M rows), which takes seconds on a busy machine.
        for (const deadline = Date.now() + 60000; (await jobState()) !== 'completed' && Date.now() < deadline;) {
          await sleep(50);
        }
        expect(await jobState()).toBe('completed');
        await t.app.get(IngestionProducer).enqueueImport(importId);
        expect(await jobState()).toBe('completed');
        await sleep(1000); // the second worker is still alive: give it a chance to (wrongly) pick something up

        const after = await request(t.http).get(`/api/v1/imports/${importId}`).set('X-API-Key', key).expect(200);
        expect(after.body).toMatchObject({ status: 'COMPLETED', attempts: before.body.attempts, finishedAt: before.body.finishedAt });
        expect(after.body.progress).toEqual(before.body.progress);
        expect(await countRows(t, 'transactions', importId)).toBe(expectedRows());
        const org = await t.db.query('SELECT data_version FROM organizations WHERE id = $1', [orgId]);
        expect(Number(org.rows[0].data_version)).toBe(1);
      }),
    90000,
  );

  it(
    'should redo the post-commit indexing when the worker dies after the publish but before it',
    () =>
      withWorkerLogs(async () => {
        await Promise.all(workers.map((w) => w.stop(5000)));
        const worker = spawnApp(WORKER_ENV);
        workers.push(worker);
        const created = await postFile(t.http, '/api/v1/imports/transactions?fileName=second.csv', key, secondPath);
        expect(created.status).toBe(202);
        importId = created.body.importId;
        partition = partitionName('transactions', importId);
        // Published, its indexes not yet built: kill the worker in that window.
        const published = await pollImport((b) => b.status === 'COMPLETED' || b.status === 'FAILED', 120000, worker);
        process.kill(worker.child.pid!, 'SIGKILL');
        expect(await worker.exited).toBe('SIGKILL');
        expect(published).toMatchObject({ status: 'COMPLETED', indexedAt: null, progress: { rowsLoaded: 1_000_000 } });
        const indexes = async () => (await t.db.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1`, [partition])).rows.map((r) => r.indexname);
        // (A CREATE INDEX already running when the worker died may still finish: the backend notices
        // its client is gone only afterwards. The rest, and the statistics, are the new worker's.)

        const next = spawnApp(WORKER_ENV);
        workers.push(next);
        const indexed = await pollImport((b) => b.indexedAt !== null, 120000, next);
        expect(indexed.status).toBe('COMPLETED');
        expect(await indexes()).toEqual([`${partition}_amt_id_idx`, `${partition}_key_idx`, `${partition}_time_idx`]);
        const customers = partitionName('tx_customers', importId);
        const phone = await t.db.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1`, [customers]);
        expect(phone.rows).toEqual([{ indexname: `${customers}_phone_idx` }]);
        const stats = await t.db.query(`SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = $1`, [partition]);
        expect(stats.rows[0].analyzed).toBe(true);
      }),
    240000,
  );
});
