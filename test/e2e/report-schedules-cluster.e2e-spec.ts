import * as os from 'os';
import * as path from 'path';
import request from 'supertest';
import { dropDatabase } from '../../libs/database/ensure-database';
import type { RunDto } from '../../src/modules/reports/schedules/dto/schedules.dto';
import { prepareDatabase } from '../../libs/database/migrate';
import { postFile, spawnApp, SpawnedApp, writeTransactionsCsv } from '../factories/big-csv';
import { startWebhookReceiver, WebhookReceiver } from '../factories/receivers';
import { createOrg, startTestApp, TestApp, waitForImport } from '../factories/test-app';

/**
 * Schedules across processes, over real ticks: this process serves the API (APP_ROLE=api, no
 * scheduler, no workers) and two spawned APP_ROLE=worker processes fire and run the schedules.
 * A one-minute cron fires exactly once per tick for several ticks; a run whose worker is killed
 * mid-report is taken over by the other worker (one report, one delivery); ticks missed while
 * every worker was down make one catch-up run when a worker comes back.
 * The suite has its own database and Redis prefix: no other suite's scheduler sees its schedules.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RUN_ID = process.env.TEST_RUN_ID ?? 'manual';
const DATABASE_URL = `${process.env.DATABASE_URL!}_cluster`;
const REDIS_PREFIX = `${process.env.REDIS_PREFIX!}:cluster`;
const DATA_DIR = path.join(process.env.DATA_DIR!, 'cluster');
const SLOW_ROWS = 150_000;

describe('Report schedules across processes (e2e)', () => {
  let t: TestApp;
  let key: string;
  let hooks: WebhookReceiver;
  const workers: SpawnedApp[] = [];
  const csvPath = path.join(os.tmpdir(), `schedules-cluster-${RUN_ID}-${process.pid}.csv`);

  const api = () => ({
    get: (p: string) => request(t.http).get(`/api/v1/${p}`).set('X-API-Key', key),
    post: (p: string, body: object = {}) => request(t.http).post(`/api/v1/${p}`).set('X-API-Key', key).send(body),
  });
  const startWorker = () => {
    const w = spawnApp({
      APP_ROLE: 'worker',
      DATABASE_URL,
      REDIS_PREFIX,
      DATA_DIR,
      LOG_LEVEL: 'warn',
      SCHEDULER_POLL_MS: '500',
      STALE_REPORT_MS: '60000',
      DELIVERY_BACKOFF_MS: '200',
      QUEUE_LOCK_DURATION_MS: '4000',
      QUEUE_STALLED_INTERVAL_MS: '2000',
    });
    workers.push(w);
    return w;
  };
  const runs = async (scheduleId: string) => (await api().get(`report-schedules/${scheduleId}/runs?pageSize=200`).expect(200)).body.data as RunDto[];
  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; workers said:\n${workers.map((w) => w.output().slice(-3000)).join('\n---\n')}`);
      await sleep(250);
    }
  };

  beforeAll(async () => {
    await prepareDatabase(DATABASE_URL);
    hooks = await startWebhookReceiver();
    t = await startTestApp({ APP_ROLE: 'api', DATABASE_URL, REDIS_PREFIX, DATA_DIR });
    ({ key } = await createOrg(t, 'cluster'));
    startWorker();
    startWorker();
    await writeTransactionsCsv(csvPath, SLOW_ROWS);
    const created = await postFile(t.http, '/api/v1/imports/transactions?fileName=slow.csv', key, csvPath);
    expect(created.status).toBe(202);
    expect((await waitForImport(t, key, created.body.importId, undefined, 120_000)).status).toBe('COMPLETED');
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(2000)));
    await t?.close();
    await hooks?.close();
    await dropDatabase(DATABASE_URL).catch(() => undefined);
    await import('fs').then((fs) => fs.promises.rm(csvPath, { force: true }));
  });

  it('should fire a one-minute cron once per tick across two workers, take over a run whose worker dies, and catch up once', async () => {
    const zones = (await api().post('report-templates', { name: 'Zones', source: 'transactions.zone-leaderboard', format: 'csv' }).expect(201)).body;
    const ticking = (
      await api()
        .post('report-schedules', {
          templateId: zones.id,
          cron: '* * * * *',
          timezone: 'Europe/London',
          deliveries: [{ type: 'webhook', url: hooks.url('/tick'), secret: 'cluster-secret' }],
        })
        .expect(201)
    ).body;
    const firstTick = new Date(ticking.nextRunAt).getTime();

    // Meanwhile a slow run (150K rows as XLSX): its worker is killed mid-report.
    const rows = (await api().post('report-templates', { name: 'All rows', source: 'transactions.rows', format: 'xlsx' }).expect(201)).body;
    const slow = (
      await api()
        .post('report-schedules', { templateId: rows.id, cron: '0 0 1 1 *', timezone: 'UTC', deliveries: [{ type: 'webhook', url: hooks.url('/slow') }] })
        .expect(201)
    ).body;
    const slowRunId = (await api().post(`report-schedules/${slow.id}/run-now`).expect(202)).body.runId;
    const running = await waitFor(
      'the slow run to start',
      async () => {
        const run = (await runs(slow.id)).find((r) => r.id === slowRunId);
        if (run?.state !== 'RUNNING' || !run.worker || !run.reportId) return undefined;
        const report = (await api().get(`reports/${run.reportId}`).expect(200)).body;
        return report.status === 'RUNNING' && report.progress.rowsDone > 0 ? run : undefined;
      },
      60_000,
    );
    const victim = workers.find((w) => running.worker!.endsWith(`:${w.child.pid}`))!;
    expect(victim).toBeDefined();
    process.kill(victim.child.pid!, 'SIGKILL');
    await victim.exited;
    const survivor = workers.find((w) => w !== victim)!;
    const takenOver = await waitFor(
      'the slow run to be taken over',
      async () => {
        const run = (await runs(slow.id)).find((r) => r.id === slowRunId);
        return run?.state === 'SUCCESS' ? run : undefined;
      },
      120_000,
    );
    expect(takenOver).toMatchObject({ attempts: 2, reportId: running.reportId, worker: expect.stringMatching(new RegExp(`:${survivor.child.pid}$`)) });
    expect(takenOver.deliveries).toEqual([expect.objectContaining({ state: 'SUCCESS', attempts: 1 })]);
    expect(hooks.received('/slow')).toHaveLength(1);
    const slowReport = (await api().get(`reports/${running.reportId}`).expect(200)).body;
    expect(slowReport).toMatchObject({ status: 'COMPLETED', rows: SLOW_ROWS });
    // A replacement: two workers again.
    startWorker();

    // Three real ticks, each fired once.
    const ticks = await waitFor(
      'three ticks delivered',
      async () => {
        const done = (await runs(ticking.id)).filter((r) => r.trigger === 'tick' && r.state === 'SUCCESS');
        return done.length >= 3 ? done : undefined;
      },
      260_000,
    );
    await sleep(1500);
    const all = await runs(ticking.id);
    const bySlot = new Map<string, number>();
    for (const r of all) bySlot.set(r.scheduledFor, (bySlot.get(r.scheduledFor) ?? 0) + 1);
    expect([...bySlot.values()].every((n) => n === 1)).toBe(true);
    const slots = [...bySlot.keys()].map((s) => new Date(s).getTime()).sort((a, b) => a - b);
    expect(slots[0]).toBe(firstTick);
    slots.forEach((s, i) => expect(s).toBe(firstTick + i * 60_000));
    expect(ticks.every((r) => r.missedTicks === 0 && /T\d\d:\d\d:00[+-]0[01]:00$/.test(r.scheduledForLocal))).toBe(true);
    // One POST per run, each naming its own run.
    const posted = hooks.received('/tick').map((r) => JSON.parse(r.body.toString('utf8')).run.id as string);
    const ended = all.filter((r) => r.state === 'SUCCESS').map((r) => r.id);
    expect(new Set(posted).size).toBe(posted.length);
    expect(new Set(posted)).toEqual(new Set([...ended, ...posted.filter((id) => !ended.includes(id))]));
    for (const id of ended) expect(posted.filter((p) => p === id)).toHaveLength(1);

    // Every worker down for five minutes. Five minutes are not waited for: the database is put
    // in the state they leave, as if the workers had died five minutes ago, right after a tick
    // (the next tick five minutes back, the runs since then never made).
    await Promise.all(workers.map((w) => (w.child.exitCode === null && w.child.signalCode === null ? (process.kill(w.child.pid!, 'SIGKILL'), w.exited) : w.exited)));
    await t.db.query(`UPDATE report_schedules SET next_run_at = next_run_at - interval '5 minutes' WHERE id = $1`, [ticking.id]);
    await t.db.query(`DELETE FROM report_runs WHERE schedule_id = $1 AND scheduled_for >= (SELECT next_run_at FROM report_schedules WHERE id = $1)`, [ticking.id]);
    const before = (await runs(ticking.id)).length;
    startWorker();
    const catchUp = await waitFor('the catch-up run', async () => (await runs(ticking.id)).find((r) => r.trigger === 'catch-up' && r.state === 'SUCCESS'), 60_000);
    expect(catchUp.missedTicks).toBeGreaterThanOrEqual(4);
    await sleep(2000);
    const afterRuns = await runs(ticking.id);
    // One catch-up run (and at most the next regular tick if a minute turned meanwhile), not a burst of five.
    expect(afterRuns.length - before).toBeLessThanOrEqual(2);
    expect(afterRuns.filter((r) => r.trigger === 'catch-up')).toHaveLength(1);
  }, 600_000);
});
