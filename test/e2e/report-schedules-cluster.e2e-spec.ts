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
 * scheduler, no workers) and spawned APP_ROLE=worker processes fire and run the schedules.
 * A cron every five seconds (six fields: seconds first) fires exactly once per tick for several
 * ticks while two workers poll; a run whose worker is killed mid-report is taken over by the other
 * worker (one report, one delivery); ticks missed while every worker was down make one catch-up
 * run when a worker comes back.
 * The suite has its own database and Redis prefix: no other suite's scheduler sees its schedules.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RUN_ID = process.env.TEST_RUN_ID ?? 'manual';
const DATABASE_URL = `${process.env.DATABASE_URL!}_cluster`;
const REDIS_PREFIX = `${process.env.REDIS_PREFIX!}:cluster`;
const DATA_DIR = path.join(process.env.DATA_DIR!, 'cluster');
const SLOW_ROWS = 150_000;
/** The ticking schedule: every 5 s, ten times the workers' poll (SCHEDULER_POLL_MS below). */
const CRON = '*/5 * * * * *';
const TICK_MS = 5000;

describe('Report schedules across processes (e2e)', () => {
  let t: TestApp;
  let key: string;
  let hooks: WebhookReceiver;
  const workers: SpawnedApp[] = [];
  const csvPath = path.join(os.tmpdir(), `schedules-cluster-${RUN_ID}-${process.pid}.csv`);

  const api = () => ({
    get: (p: string) => request(t.http).get(`/api/v1/${p}`).set('X-API-Key', key),
    post: (p: string, body: object = {}) => request(t.http).post(`/api/v1/${p}`).set('X-API-Key', key).send(body),
    patch: (p: string, body: object) => request(t.http).patch(`/api/v1/${p}`).set('X-API-Key', key).send(body),
  });
  const startWorker = () => {
    const w = spawnApp({
      APP_ROLE: 'worker',
      DATABASE_URL,
      REDIS_PREFIX,
      DATA_DIR,
      // info: the boot line says when its scheduler polls.
      LOG_LEVEL: 'info',
      SCHEDULER_POLL_MS: '500',
      STALE_REPORT_MS: '60000',
      DELIVERY_BACKOFF_MS: '200',
      QUEUE_LOCK_DURATION_MS: '4000',
      QUEUE_STALLED_INTERVAL_MS: '2000',
    });
    workers.push(w);
    return w;
  };
  const isUp = (w: SpawnedApp) => /Analytics platform up: role=worker/.test(w.output());
  const runs = async (scheduleId: string) => (await api().get(`report-schedules/${scheduleId}/runs?pageSize=200`).expect(200)).body.data as RunDto[];
  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> => {
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
    await waitFor('both workers to be up', () => workers.every(isUp) || undefined, 60_000);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(2000)));
    await t?.close();
    await hooks?.close();
    await dropDatabase(DATABASE_URL).catch(() => undefined);
    await import('fs').then((fs) => fs.promises.rm(csvPath, { force: true }));
  });

  it('should fire a cron every 5 s once per tick across two workers, take over a run whose worker dies, and catch up once', async () => {
    // Real ticks, each fired once, while both workers poll every 500 ms.
    const zones = (await api().post('report-templates', { name: 'Zones', source: 'transactions.zone-leaderboard', format: 'csv' }).expect(201)).body;
    const ticking = (
      await api()
        .post('report-schedules', {
          templateId: zones.id,
          cron: CRON,
          timezone: 'Europe/London',
          deliveries: [{ type: 'webhook', url: hooks.url('/tick'), secret: 'cluster-secret' }],
        })
        .expect(201)
    ).body;
    const firstTick = new Date(ticking.nextRunAt).getTime();
    expect(firstTick % TICK_MS).toBe(0);
    expect(ticking.nextRunAtLocal).toMatch(/T\d\d:\d\d:[0-5][05][+-]0[01]:00$/);
    await waitFor(
      'three ticks delivered',
      async () => {
        const done = (await runs(ticking.id)).filter((r) => r.trigger === 'tick' && r.state === 'SUCCESS');
        return done.length >= 3 ? done : undefined;
      },
      60_000,
    );
    // Paused, and every run it made ended: the checks below see all of them.
    await api().patch(`report-schedules/${ticking.id}`, { enabled: false }).expect(200);
    const all = await waitFor(
      'the last ticks to end',
      async () => {
        const r = await runs(ticking.id);
        return r.every((x) => x.state === 'SUCCESS') ? r : undefined;
      },
      30_000,
    );
    expect(all.length).toBeGreaterThanOrEqual(3);
    const bySlot = new Map<string, number>();
    for (const r of all) bySlot.set(r.scheduledFor, (bySlot.get(r.scheduledFor) ?? 0) + 1);
    expect([...bySlot.values()].every((n) => n === 1)).toBe(true);
    const slots = [...bySlot.keys()].map((s) => new Date(s).getTime()).sort((a, b) => a - b);
    expect(slots[0]).toBe(firstTick);
    slots.forEach((s, i) => expect(s).toBe(firstTick + i * TICK_MS));
    expect(all.every((r) => r.trigger === 'tick' && r.missedTicks === 0 && /T\d\d:\d\d:[0-5][05][+-]0[01]:00$/.test(r.scheduledForLocal))).toBe(true);
    // One POST per run, each naming its own run.
    const posted = hooks.received('/tick').map((r) => JSON.parse(r.body.toString('utf8')).run.id as string);
    expect([...posted].sort()).toEqual(all.map((r) => r.id).sort());

    // A slow run (150K rows as XLSX): its worker is killed mid-report.
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

    // Every worker down for five ticks. They are not waited for: the ticking schedule is resumed
    // while no worker runs, and the database is put in the state five ticks of downtime leave, as
    // if the workers had died right after a tick (the next tick five back, the runs since never made).
    process.kill(survivor.child.pid!, 'SIGKILL');
    await survivor.exited;
    await api().patch(`report-schedules/${ticking.id}`, { enabled: true }).expect(200);
    await t.db.query(`UPDATE report_schedules SET next_run_at = next_run_at - $2 * interval '1 millisecond' WHERE id = $1`, [ticking.id, 5 * TICK_MS]);
    await t.db.query(`DELETE FROM report_runs WHERE schedule_id = $1 AND scheduled_for >= (SELECT next_run_at FROM report_schedules WHERE id = $1)`, [ticking.id]);
    const before = new Set((await runs(ticking.id)).map((r) => r.id));
    const downSince = new Date((await t.db.query(`SELECT next_run_at FROM report_schedules WHERE id = $1`, [ticking.id])).rows[0].next_run_at).getTime();
    startWorker();
    const catchUp = await waitFor('the catch-up run', async () => (await runs(ticking.id)).find((r) => r.trigger === 'catch-up' && r.state === 'SUCCESS'), 60_000);
    const latest = new Date(catchUp.scheduledFor).getTime();
    // For the latest due tick, counting the others since the first missed one.
    expect(latest % TICK_MS).toBe(0);
    expect(latest).toBeGreaterThanOrEqual(downSince + 4 * TICK_MS);
    expect(catchUp.missedTicks).toBe((latest - downSince) / TICK_MS);
    await sleep(2000);
    const made = (await runs(ticking.id)).filter((r) => !before.has(r.id));
    // One catch-up run, not a burst: no other run for a missed tick; after it, the regular ticks.
    expect(made.filter((r) => r.trigger === 'catch-up')).toHaveLength(1);
    const after = made.filter((r) => r.id !== catchUp.id);
    expect(after.every((r) => r.trigger === 'tick' && r.missedTicks === 0 && new Date(r.scheduledFor).getTime() > latest)).toBe(true);
    after
      .map((r) => new Date(r.scheduledFor).getTime())
      .sort((a, b) => a - b)
      .forEach((s, i) => expect(s).toBe(latest + (i + 1) * TICK_MS));
  }, 300_000);
});
