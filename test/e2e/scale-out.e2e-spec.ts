import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import request from 'supertest';
import { postFile, spawnApp, SpawnedApp, writeTransactionsCsv } from '../factories/big-csv';
import { countRows, createOrg, startTestApp, TestApp } from '../factories/test-app';
import type { ImportResponseDto } from '../../src/modules/ingestion/dto/import-response.dto';

/**
 * One API process and two worker processes (APP_ROLE=api / worker, real processes from dist/)
 * sharing one Postgres and one Redis: imports of several organizations and report jobs spread
 * over both workers and each completes exactly once; a worker killed with -9 in the middle of an
 * import has its job finished by the other; a worker stopped with SIGTERM hands its running job
 * to the other at once rather than after the lock lapses. Needs dist/ (`npm test` builds first).
 */
// This spec's own queues and data folder, so that workers of other suites never take its jobs.
const REDIS_PREFIX = `${process.env.REDIS_PREFIX}:scale-out`;
const DATA_DIR = path.join(process.env.DATA_DIR!, 'scale-out');
const WORKER_ENV = { APP_ROLE: 'worker', REDIS_PREFIX, DATA_DIR, LOG_LEVEL: 'info' };
// Long enough to be mid-load when a worker is killed or stopped (several seconds here), short enough for CI.
const BIG_ROWS = 600_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lines of a process's output that mention `text`. */
const linesOf = (w: SpawnedApp, text: string) =>
  w
    .output()
    .split('\n')
    .filter((l) => l.includes(text));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe('Scale-out: one api and two worker processes (e2e)', () => {
  let t: TestApp;
  const workers: SpawnedApp[] = [];
  const files: string[] = [];
  const bigCsv = path.join(os.tmpdir(), `scale-out-${process.env.TEST_RUN_ID ?? 'manual'}-${process.pid}.csv`);

  const startWorker = async (env: Record<string, string> = {}): Promise<SpawnedApp> => {
    const w = spawnApp({ ...WORKER_ENV, ...env });
    workers.push(w);
    await waitFor('a worker to boot', () => (/Analytics platform up: role=worker/.test(w.output()) ? true : undefined), 60000);
    return w;
  };

  /** Runs a test body; on failure prints what the worker processes wrote, then rethrows. */
  const withWorkerLogs = async (body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (err) {
      for (const w of workers) {
        console.error(`--- worker pid ${w.child.pid} (exit ${w.child.exitCode ?? w.child.signalCode}) output, tail ---\n${w.output().slice(-5000)}`);
      }
      throw err;
    }
  };

  const importOf = async (key: string, id: string) => (await request(t.http).get(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(200)).body;

  const waitForStatus = (key: string, id: string, statuses: string[], timeoutMs: number, until: (b: ImportResponseDto) => boolean = () => true) =>
    waitFor(
      `import ${id} to be ${statuses.join('/')}`,
      async () => {
        const b = await importOf(key, id);
        return statuses.includes(b.status) && until(b) ? b : undefined;
      },
      timeoutMs,
    );

  /** The worker whose output says it started `importId`, once one does. */
  const runnerOf = (importId: string) => waitFor(`a worker to start import ${importId}`, () => workers.find((w) => linesOf(w, `Import ${importId}: attempt`).length > 0), 30000);

  beforeAll(async () => {
    [t] = await Promise.all([startTestApp({ APP_ROLE: 'api', REDIS_PREFIX, DATA_DIR }), writeTransactionsCsv(bigCsv, BIG_ROWS)]);
  }, 60000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(5000)));
    await t?.close();
    await fs.rm(bigCsv, { force: true });
    await Promise.all(files.map((f) => fs.rm(f, { force: true })));
  }, 30000);

  it(
    'should spread imports of several organizations and report jobs over both workers, each done exactly once',
    () =>
      withWorkerLogs(async () => {
        const [a, b] = await Promise.all([startWorker(), startWorker()]);
        const orgs = await Promise.all(['scale-a', 'scale-b', 'scale-c'].map((name) => createOrg(t, name)));
        // Two files per organization, 60K rows each (distinct ids per file so every row loads).
        const uploads: Array<{ key: string; importId: string; rows: number }> = [];
        await Promise.all(
          orgs.flatMap((org, o) =>
            [0, 1].map(async (n) => {
              const file = path.join(os.tmpdir(), `scale-out-${process.pid}-${o}-${n}.csv`);
              files.push(file);
              const rows = 60_000 + o * 1000 + n;
              await writeTransactionsCsv(file, rows, n * 1_000_000);
              const res = await postFile(t.http, `/api/v1/imports/transactions?fileName=org${o}-${n}.csv`, org.key, file);
              expect(res.status).toBe(202);
              uploads.push({ key: org.key, importId: res.body.importId, rows });
            }),
          ),
        );
        for (const u of uploads) {
          const done = await waitForStatus(u.key, u.importId, ['COMPLETED', 'FAILED'], 120000);
          expect(done).toMatchObject({ status: 'COMPLETED', progress: { rowsLoaded: u.rows } });
          expect(await countRows(t, 'transactions', u.importId)).toBe(u.rows);
        }
        // Exactly once: one COMPLETED line per import over both workers, and both workers took some.
        for (const u of uploads) {
          expect([a, b].reduce((n, w) => n + linesOf(w, `Import ${u.importId} COMPLETED`).length, 0)).toBe(1);
        }
        const importsBy = (w: SpawnedApp) => uploads.filter((u) => linesOf(w, `Import ${u.importId} COMPLETED`).length > 0).length;
        expect(importsBy(a)).toBeGreaterThan(0);
        expect(importsBy(b)).toBeGreaterThan(0);

        // Report jobs of every organization, asked for at once.
        const reports = await Promise.all(
          orgs.flatMap((org) =>
            [0, 1].map(async () => {
              const res = await request(t.http).post('/api/v1/reports').set('X-API-Key', org.key).send({ source: 'transactions.rows', format: 'csv' }).expect(202);
              return { key: org.key, reportId: res.body.reportId as string };
            }),
          ),
        );
        for (const r of reports) {
          await waitFor(
            `report ${r.reportId}`,
            async () => {
              const body = (await request(t.http).get(`/api/v1/reports/${r.reportId}`).set('X-API-Key', r.key).expect(200)).body;
              return ['COMPLETED', 'FAILED'].includes(body.status) ? body : undefined;
            },
            120000,
          ).then((body) => expect(body.status).toBe('COMPLETED'));
        }
        for (const r of reports) {
          expect([a, b].reduce((n, w) => n + linesOf(w, `Report ${r.reportId} COMPLETED`).length, 0)).toBe(1);
        }
        const reportsBy = (w: SpawnedApp) => reports.filter((r) => linesOf(w, `Report ${r.reportId} COMPLETED`).length > 0).length;
        expect(reportsBy(a) + reportsBy(b)).toBe(reports.length);
        expect(Math.min(reportsBy(a), reportsBy(b))).toBeGreaterThan(0);
      }),
    300000,
  );

  it(
    'should finish on the other worker an import whose worker was killed with -9 mid-load, exactly once',
    () =>
      withWorkerLogs(async () => {
        const { key } = await createOrg(t, 'scale-kill');
        const created = await postFile(t.http, '/api/v1/imports/transactions?fileName=big.csv', key, bigCsv);
        expect(created.status).toBe(202);
        const importId = created.body.importId as string;
        const victim = await runnerOf(importId);
        await waitForStatus(key, importId, ['PROCESSING'], 60000, (b) => b.progress.rowsRead > 0);
        process.kill(victim.child.pid!, 'SIGKILL');
        expect(await victim.exited).toBe('SIGKILL');
        const survivor = workers.find((w) => w !== victim && w.child.exitCode === null && w.child.signalCode === null)!;
        // The test env's 4 s job lock lapses, the stalled-job check hands the job to the survivor.
        const done = await waitForStatus(key, importId, ['COMPLETED', 'FAILED'], 180000);
        expect(done).toMatchObject({ status: 'COMPLETED', progress: { rowsLoaded: BIG_ROWS } });
        expect(await countRows(t, 'transactions', importId)).toBe(BIG_ROWS);
        expect(linesOf(survivor, `Import ${importId} COMPLETED`)).toHaveLength(1);
        expect(linesOf(victim, `Import ${importId} COMPLETED`)).toHaveLength(0);
      }),
    300000,
  );

  it(
    'should hand a running import to another worker at once when its worker gets SIGTERM, and exit within SHUTDOWN_GRACE_MS',
    () =>
      withWorkerLogs(async () => {
        // Locks of a minute: without the hand-back, the other worker would wait for the lock to lapse.
        const slowLocks = { QUEUE_LOCK_DURATION_MS: '60000', QUEUE_STALLED_INTERVAL_MS: '60000', SHUTDOWN_GRACE_MS: '1000' };
        for (const w of workers) await w.stop(5000);
        const pair = await Promise.all([startWorker(slowLocks), startWorker(slowLocks)]);
        const { key } = await createOrg(t, 'scale-term');
        const created = await postFile(t.http, '/api/v1/imports/transactions?fileName=big.csv', key, bigCsv);
        const importId = created.body.importId as string;
        const first = await runnerOf(importId);
        const other = pair.find((w) => w !== first)!;
        await waitForStatus(key, importId, ['PROCESSING'], 60000, (b) => b.progress.rowsRead > 0);

        const signalledAt = Date.now();
        first.child.kill('SIGTERM');
        expect(await first.exited).toBe(0);
        const exitedAfterMs = Date.now() - signalledAt;
        expect(exitedAfterMs).toBeLessThan(1000 + 6000);
        expect(linesOf(first, `handed back to the queue`).join('\n')).toContain(importId);

        // The other worker starts it within moments, not after the minute-long lock lapses.
        await waitFor('the other worker to start the import', () => (linesOf(other, `Import ${importId}: attempt`).length > 0 ? true : undefined), 15000);
        const done = await waitForStatus(key, importId, ['COMPLETED', 'FAILED'], 120000);
        expect({ ...done, error: done.error ?? null }).toMatchObject({ status: 'COMPLETED', error: null, progress: { rowsLoaded: BIG_ROWS } });
        expect(await countRows(t, 'transactions', importId)).toBe(BIG_ROWS);
        // Loaded once: by the other worker, or by the first one when its load had committed and the
        // job was handed back during its post-commit indexing (which the other then finishes).
        expect([...linesOf(first, `Import ${importId} COMPLETED`), ...linesOf(other, `Import ${importId} COMPLETED`)]).toHaveLength(1);
        // Handed back without counting a failed attempt.
        expect(linesOf(other, `Import ${importId}: attempt 1 started`)).toHaveLength(1);
      }),
    300000,
  );

  it(
    'should let a running import finish before exiting when it ends within SHUTDOWN_GRACE_MS',
    () =>
      withWorkerLogs(async () => {
        for (const w of workers) await w.stop(5000);
        const solo = await startWorker({ SHUTDOWN_GRACE_MS: '120000' });
        const { key } = await createOrg(t, 'scale-finish');
        const created = await postFile(t.http, '/api/v1/imports/transactions?fileName=finish.csv', key, bigCsv);
        const importId = created.body.importId as string;
        await waitForStatus(key, importId, ['PROCESSING'], 60000, (b) => b.progress.rowsRead > 0);
        solo.child.kill('SIGTERM');
        expect(await solo.exited).toBe(0);
        expect(linesOf(solo, `Import ${importId} COMPLETED`)).toHaveLength(1);
        expect(await importOf(key, importId)).toMatchObject({ status: 'COMPLETED', progress: { rowsLoaded: BIG_ROWS } });
      }),
    300000,
  );
});
