import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { createHmac } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import request from 'supertest';
import { REPORT_DELIVERIES_QUEUE } from '../../src/modules/reports/jobs/reports.jobs';
import type { RunDto, RunListDto } from '../../src/modules/reports/schedules/dto/schedules.dto';
import { ReportScheduler } from '../../src/modules/reports/schedules/report-scheduler';
import { writeTransactionsCsv } from '../factories/big-csv';
import { createKey, createOrg, startTestApp, TestApp, uploadRaw, waitForImport } from '../factories/test-app';
import { ReceivedRequest, SmtpReceiver, startSmtpReceiver, startWebhookReceiver, WebhookReceiver } from '../factories/receivers';

/**
 * Report templates and schedules through HTTP, real Bull workers, a real local HTTP receiver for
 * webhooks and a real SMTP server for email. Ticks are made due by moving a schedule's next tick
 * into the past in the database (what a minute of waiting would do) and the scheduler's passes
 * are called here (its own loop polls once a minute in this suite, so only these passes fire);
 * the multi-process spec (report-schedules-cluster) waits for real ticks.
 */
const SAMPLES = path.resolve(__dirname, '../../../shared/samples');
const SECRET = 'webhook-secret-123';

describe('Report schedules (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;
  let viewer: string;
  let hooks: WebhookReceiver;
  let smtp: SmtpReceiver;
  let importId: string;
  let rowsTemplate: string;
  let answerTemplate: string;

  const api = (k = key) => ({
    get: (p: string) => request(t.http).get(`/api/v1/${p}`).set('X-API-Key', k),
    post: (p: string, body: object = {}) => request(t.http).post(`/api/v1/${p}`).set('X-API-Key', k).send(body),
    patch: (p: string, body: object) => request(t.http).patch(`/api/v1/${p}`).set('X-API-Key', k).send(body),
    del: (p: string) => request(t.http).delete(`/api/v1/${p}`).set('X-API-Key', k),
  });
  const binary = (req: request.Test) =>
    req.buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
  const schedule = async (body: object) =>
    (
      await api()
        .post('report-schedules', { timezone: 'Europe/London', cron: '0 9 * * 1', ...body })
        .expect(201)
    ).body;
  /** Waits until the run is in one of `states` (and `until` holds); the run as the log shows it. */
  const runUntil = async (scheduleId: string, runId: string, states: string[], until: (r: RunDto) => boolean = () => true, timeoutMs = 30_000): Promise<RunDto> => {
    const deadline = Date.now() + timeoutMs;
    let last: RunDto | undefined;
    for (;;) {
      const res = await api().get(`report-schedules/${scheduleId}/runs?pageSize=200`).expect(200);
      last = (res.body as RunListDto).data.find((r) => r.id === runId);
      if (last && states.includes(last.state) && until(last)) return last;
      if (Date.now() > deadline) throw new Error(`run ${runId} did not reach ${states.join('|')}: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const runNow = async (scheduleId: string) => (await api().post(`report-schedules/${scheduleId}/run-now`).expect(202)).body.runId as string;
  const waitFor = async <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const payloadOf = (r: ReceivedRequest) => JSON.parse(r.body.toString('utf8'));

  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    smtp = await startSmtpReceiver();
    t = await startTestApp({
      SMTP_URL: smtp.url,
      SCHEDULER_POLL_MS: 60_000,
      STALE_REPORT_MS: 1000,
      DELIVERY_ATTEMPTS: 3,
      DELIVERY_BACKOFF_MS: 200,
      DELIVERY_TIMEOUT_MS: 2000,
      EMAIL_ATTACHMENT_MAX_BYTES: 20_000,
      PUBLIC_BASE_URL: 'http://reports.example.test',
    });
    ({ key, orgId } = await createOrg(t, 'schedules'));
    viewer = await createKey(t, key, 'viewer');
    const res = await uploadRaw(t, key, 'transactions', await fs.readFile(path.join(SAMPLES, 'transactions/test_small.csv'))).expect(202);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done.status).toBe('COMPLETED');
    importId = done.importId;
  });

  afterAll(async () => {
    await t?.close();
    await hooks?.close();
    await smtp?.close();
  });

  describe('templates', () => {
    it('should create, list, read, change and delete templates, checking source and parameters like POST /reports', async () => {
      const made = await api().post('report-templates', { name: 'All transactions', source: 'transactions.rows', params: { importId }, format: 'csv' }).expect(201);
      expect(made.body).toMatchObject({ id: expect.any(String), name: 'All transactions', source: 'transactions.rows', params: { importId }, format: 'csv' });
      rowsTemplate = made.body.id;
      answerTemplate = (await api().post('report-templates', { name: 'Zones', source: 'transactions.zone-leaderboard', format: 'json' }).expect(201)).body.id;

      const dup = await api().post('report-templates', { name: 'Zones', source: 'transactions.zone-leaderboard', format: 'json' }).expect(409);
      expect(dup.body).toMatchObject({ error: 'REPORT_TEMPLATE_EXISTS' });
      const unknown = await api().post('report-templates', { name: 'x', source: 'transactions.nope', format: 'csv' }).expect(400);
      expect(unknown.body).toMatchObject({ error: 'UNKNOWN_REPORT_SOURCE' });
      const badParams = await api()
        .post('report-templates', { name: 'x', source: 'transactions.zone-leaderboard', params: { limit: 'many' }, format: 'csv' })
        .expect(400);
      expect(badParams.body).toMatchObject({ error: 'INVALID_REPORT_PARAMS' });
      await api().post('report-templates', { name: 'x', source: 'transactions.rows', format: 'pdf' }).expect(400);
      await api(viewer).post('report-templates', { name: 'v', source: 'transactions.rows', format: 'csv' }).expect(403);

      const list = await api(viewer).get('report-templates').expect(200);
      expect(list.body.total).toBe(2);
      expect((await api().get(`report-templates/${answerTemplate}`).expect(200)).body.name).toBe('Zones');
      const changed = await api()
        .patch(`report-templates/${answerTemplate}`, { params: { limit: 3 }, format: 'csv' })
        .expect(200);
      expect(changed.body).toMatchObject({ params: { limit: 3 }, format: 'csv', source: 'transactions.zone-leaderboard' });
      await api().patch(`report-templates/${answerTemplate}`, { name: 'All transactions' }).expect(409);

      const other = await createOrg(t, 'schedules-other');
      await api(other.key).get(`report-templates/${answerTemplate}`).expect(404);
      const temp = (await api().post('report-templates', { name: 'Temp', source: 'sales.rows', format: 'csv' }).expect(201)).body.id;
      await api().del(`report-templates/${temp}`).expect(200);
      await api().get(`report-templates/${temp}`).expect(404);
    });
  });

  describe('schedules', () => {
    it('should answer 400 naming a bad cron, zone or delivery, and 404 for an unknown template', async () => {
      const bad = async (body: object, error: string, text: RegExp) => {
        const res = await api()
          .post('report-schedules', { templateId: rowsTemplate, cron: '0 9 * * *', timezone: 'Europe/London', ...body })
          .expect(400);
        expect(res.body.error).toBe(error);
        expect(res.body.message).toMatch(text);
      };
      await bad({ cron: '61 * * * *' }, 'INVALID_CRON', /minute/i);
      await bad({ cron: '0 9 * *' }, 'INVALID_CRON', /field/i);
      await bad({ cron: '0 0 30 2 *' }, 'INVALID_CRON', /never fires/);
      await bad({ cron: '60 0 9 * * *' }, 'INVALID_CRON', /second 60 is out of range 0-59/);
      await bad({ cron: '0 60 9 * * *' }, 'INVALID_CRON', /minute 60 is out of range 0-59/);
      await bad({ cron: '0 0 9 * * * 2027' }, 'INVALID_CRON', /got 7 \(years are not supported\)/);
      await bad({ timezone: 'Mars/Olympus' }, 'INVALID_TIMEZONE', /Mars\/Olympus/);
      await bad({ timezone: '+01:00' }, 'INVALID_TIMEZONE', /\+01:00/);
      await bad({ deliveries: [{ type: 'webhook', url: 'ftp://x' }] }, 'INVALID_DELIVERIES', /deliveries\[0\]\.url/);
      await bad({ deliveries: [{ type: 'webhook', url: 'https://user:pw@hooks.example.test/x' }] }, 'INVALID_DELIVERIES', /credentials/);
      await bad({ deliveries: [{ type: 'email', to: ['not-an-address'] }] }, 'INVALID_DELIVERIES', /not-an-address/);
      await bad({ deliveries: [{ type: 'sms', to: '1' }] }, 'INVALID_DELIVERIES', /deliveries\[0\]\.type/);
      const noZone = await api().post('report-schedules', { templateId: rowsTemplate, cron: '0 9 * * *' }).expect(400);
      expect(JSON.stringify(noZone.body)).toMatch(/timezone/);
      await api().post('report-schedules', { templateId: '00000000-0000-4000-8000-000000000000', cron: '0 9 * * *', timezone: 'UTC' }).expect(404);
      await api(viewer).post('report-schedules', { templateId: rowsTemplate, cron: '0 9 * * *', timezone: 'UTC' }).expect(403);
    });

    it("should read the cron in the schedule's zone, replace the next tick when the cron changes, pause and resume", async () => {
      const s = await schedule({ templateId: rowsTemplate, cron: '0 9 * * *', deliveries: [{ type: 'webhook', url: hooks.url('/never'), secret: SECRET }] });
      expect(s.nextRunAtLocal).toMatch(/T09:00:00\+0[01]:00$/);
      expect(new Date(s.nextRunAt).getTime()).toBeGreaterThan(Date.now());
      expect(s.deliveries).toEqual([{ type: 'webhook', url: hooks.url('/never'), attachFile: false, hasSecret: true }]);
      expect(JSON.stringify(s)).not.toContain(SECRET);

      const moved = await api().patch(`report-schedules/${s.id}`, { cron: '30 17 * * *', timezone: 'America/New_York' }).expect(200);
      expect(moved.body.nextRunAtLocal).toMatch(/T17:30:00-0[45]:00$/);
      const [{ next_run_at }] = (await t.db.query('SELECT next_run_at FROM report_schedules WHERE id = $1', [s.id])).rows;
      expect(next_run_at.toISOString()).toBe(moved.body.nextRunAt);

      const paused = await api().patch(`report-schedules/${s.id}`, { enabled: false }).expect(200);
      expect(paused.body).toMatchObject({ enabled: false, nextRunAt: null });
      const resumed = await api()
        .patch(`report-schedules/${s.id}`, { enabled: true, deliveries: [{ type: 'webhook', url: hooks.url('/never') }] })
        .expect(200);
      expect(resumed.body.nextRunAt).toBe(moved.body.nextRunAt);
      // The secret is kept when the same URL comes back without it (the API never shows it).
      expect(resumed.body.deliveries[0]).toMatchObject({ hasSecret: true });
      // …also when the URL comes back as the API shows it (normalised: a bare host gains its /).
      const bare = hooks.url('').replace(/\/$/, '');
      await api()
        .patch(`report-schedules/${s.id}`, { deliveries: [{ type: 'webhook', url: bare, secret: SECRET }] })
        .expect(200);
      const shown = (await api().get(`report-schedules/${s.id}`).expect(200)).body.deliveries[0];
      expect(shown.url).toBe(`${bare}/`);
      const sentBack = await api()
        .patch(`report-schedules/${s.id}`, { deliveries: [{ type: 'webhook', url: shown.url }] })
        .expect(200);
      expect(sentBack.body.deliveries[0]).toMatchObject({ hasSecret: true });
      expect((await api().get(`report-schedules/${s.id}`).expect(200)).body).toMatchObject({ id: s.id, enabled: true, lastRun: null });
      expect((await api(viewer).get('report-schedules').expect(200)).body.total).toBeGreaterThanOrEqual(1);
      await api().del(`report-templates/${rowsTemplate}`).expect(409);
      await api().del(`report-schedules/${s.id}`).expect(200);
    });

    it('should take a six-field cron (seconds first) and give its next tick to the second', async () => {
      const s = await schedule({ templateId: rowsTemplate, cron: '30 0 9 * * *' });
      expect(s).toMatchObject({ cron: '30 0 9 * * *', timezone: 'Europe/London' });
      expect(s.nextRunAtLocal).toMatch(/T09:00:30\+0[01]:00$/);
      const moved = await api().patch(`report-schedules/${s.id}`, { cron: '15 30 17 * * *', timezone: 'America/New_York' }).expect(200);
      expect(moved.body.nextRunAtLocal).toMatch(/T17:30:15-0[45]:00$/);
      const [{ next_run_at }] = (await t.db.query('SELECT next_run_at FROM report_schedules WHERE id = $1', [s.id])).rows;
      expect(next_run_at.toISOString()).toBe(moved.body.nextRunAt);
      expect(new Date(moved.body.nextRunAt).getUTCSeconds()).toBe(15);
      await api().patch(`report-schedules/${s.id}`, { cron: '61 30 17 * * *' }).expect(400);
      await api().del(`report-schedules/${s.id}`).expect(200);
    });

    it('should make one run per due tick however many passes race for it, and one catch-up run for ticks missed', async () => {
      const s = await schedule({ templateId: answerTemplate, cron: '* * * * *', timezone: 'UTC' });
      const scheduler = t.app.get(ReportScheduler);
      // Due now: its tick is this minute's start.
      await t.db.query(`UPDATE report_schedules SET next_run_at = date_trunc('minute', clock_timestamp()) WHERE id = $1`, [s.id]);
      await Promise.all(Array.from({ length: 6 }, () => scheduler.tick()));
      const runs = await waitFor('one run', async () => {
        const r = (await api().get(`report-schedules/${s.id}/runs`).expect(200)).body;
        return r.total >= 1 ? r : undefined;
      });
      await new Promise((r) => setTimeout(r, 500));
      expect((await api().get(`report-schedules/${s.id}/runs`).expect(200)).body.total).toBe(1);
      expect(runs.data[0]).toMatchObject({ trigger: 'tick', missedTicks: 0 });
      expect(new Date(runs.data[0].scheduledFor).getUTCSeconds()).toBe(0);
      const done = await runUntil(s.id, runs.data[0].id, ['SUCCESS']);
      expect(done).toMatchObject({ attempts: 1, reportId: expect.any(String), deliveries: [] });

      await api().patch(`report-schedules/${s.id}`, { enabled: false }).expect(200);

      // Workers down for five minutes: the schedule's tick is five minutes old. One run, for the latest tick.
      const down = await schedule({ templateId: answerTemplate, cron: '* * * * *', timezone: 'UTC' });
      await t.db.query(`UPDATE report_schedules SET next_run_at = date_trunc('minute', clock_timestamp()) - interval '5 minutes' WHERE id = $1`, [down.id]);
      await Promise.all(Array.from({ length: 3 }, () => scheduler.tick()));
      const after = (await api().get(`report-schedules/${down.id}/runs`).expect(200)).body;
      expect(after.total).toBe(1);
      expect(after.data[0]).toMatchObject({ trigger: 'catch-up' });
      expect(after.data[0].missedTicks).toBeGreaterThanOrEqual(5);
      expect(Date.now() - new Date(after.data[0].scheduledFor).getTime()).toBeLessThan(61_000);
      const sched = (await api().get(`report-schedules/${down.id}`).expect(200)).body;
      expect(new Date(sched.nextRunAt).getTime()).toBeGreaterThan(Date.now());
      await runUntil(down.id, after.data[0].id, ['SUCCESS']);
      await api().patch(`report-schedules/${down.id}`, { enabled: false }).expect(200);
    });
  });

  describe('deliveries', () => {
    it('should POST a signed payload once per run, with a download link that works without a key', async () => {
      const s = await schedule({ templateId: rowsTemplate, name: 'signed', deliveries: [{ type: 'webhook', url: hooks.url('/signed'), secret: SECRET }] });
      const runId = await runNow(s.id);
      const run = await runUntil(s.id, runId, ['SUCCESS']);
      expect(run).toMatchObject({ trigger: 'manual', deliveries: [{ index: 0, type: 'webhook', state: 'SUCCESS', attempts: 1, lastStatus: 200, lastError: null }] });
      const [req] = hooks.received('/signed');
      expect(hooks.received('/signed')).toHaveLength(1);
      const expected = `sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`;
      expect(req.headers['x-signature']).toBe(expected);
      expect(req.headers['x-delivery-id']).toBe(`${runId}:0`);
      const payload = payloadOf(req);
      expect(payload).toMatchObject({
        schedule: { id: s.id, name: 'signed', cron: '0 9 * * 1', timezone: 'Europe/London' },
        run: { id: runId, trigger: 'manual' },
        report: { id: run.reportId, format: 'csv', rows: 1000, source: 'transactions.rows' },
        fileAttached: false,
      });
      expect(payload.report.downloadUrl).toMatch(/^http:\/\/reports\.example\.test\/api\/v1\/report-links\//);
      const linkPath = payload.report.downloadUrl.replace('http://reports.example.test', '');
      const viaLink = await binary(request(t.http).get(linkPath)).expect(200);
      const viaKey = await binary(api().get(`reports/${run.reportId}/download`)).expect(200);
      expect(viaLink.body.equals(viaKey.body)).toBe(true);
      expect(viaLink.body.toString('utf8').split('\n')).toHaveLength(1002);
      const tampered = linkPath.replace(/signature=([0-9a-f])/, (_: string, c: string) => `signature=${c === '0' ? '1' : '0'}`);
      expect((await request(t.http).get(tampered).expect(403)).body).toMatchObject({ error: 'INVALID_REPORT_LINK' });
      await request(t.http)
        .get(linkPath.replace(/expires=\d+/, 'expires=99999999999'))
        .expect(403);
    });

    it('should retry a failing webhook with backoff and record each try, and never retry a 4xx', async () => {
      hooks.respond('/flaky', (_r, nth) => ({ status: nth <= 2 ? 503 : 200, body: nth <= 2 ? 'busy' : 'ok' }));
      hooks.respond('/gone', () => ({ status: 404, body: 'no such hook' }));
      hooks.respond('/down', () => ({ status: 500, body: 'boom' }));
      const s = await schedule({
        templateId: answerTemplate,
        deliveries: [
          { type: 'webhook', url: hooks.url('/flaky') },
          { type: 'webhook', url: hooks.url('/gone') },
          { type: 'webhook', url: hooks.url('/down') },
        ],
      });
      const runId = await runNow(s.id);
      const retrying = await runUntil(s.id, runId, ['RETRYING', 'FAILED']);
      expect(['RETRYING', 'FAILED']).toContain(retrying.state);
      const run = await runUntil(s.id, runId, ['FAILED']);
      expect(run.deliveries).toEqual([
        expect.objectContaining({ index: 0, state: 'SUCCESS', attempts: 3, lastStatus: 200 }),
        expect.objectContaining({ index: 1, state: 'FAILED', attempts: 1, lastStatus: 404, lastError: expect.stringContaining('no such hook') }),
        expect.objectContaining({ index: 2, state: 'FAILED', attempts: 3, lastStatus: 500 }),
      ]);
      expect(run.error).toMatch(/^2 of 3 deliveries failed: webhook .*\/gone: .*404.*; webhook .*\/down/);
      expect(hooks.received('/flaky')).toHaveLength(3);
      expect(hooks.received('/gone')).toHaveLength(1);
      expect(hooks.received('/down')).toHaveLength(3);
      // The waits grow: (2^n - 1) x 200 ms.
      const at = hooks.received('/down').map((r) => r.at);
      expect(at[2] - at[1]).toBeGreaterThan(at[1] - at[0]);
      expect(new Set(hooks.received('/flaky').map((r) => r.headers['x-delivery-attempt']))).toEqual(new Set(['1', '2', '3']));
    });

    it('should send the file with a webhook that asks for it', async () => {
      const s = await schedule({ templateId: answerTemplate, deliveries: [{ type: 'webhook', url: hooks.url('/with-file'), secret: SECRET, attachFile: true }] });
      const run = await runUntil(s.id, await runNow(s.id), ['SUCCESS']);
      const [req] = hooks.received('/with-file');
      expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect(req.headers['x-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`);
      const file = await binary(api().get(`reports/${run.reportId}/download`)).expect(200);
      expect(req.body.includes(file.body)).toBe(true);
      expect(req.body.toString('utf8')).toContain('"fileAttached":true');
      expect(run.deliveries[0].detail).toMatchObject({ fileAttached: true });
    });

    it('should email the file attached when small and a working link when not, and not retry a refused mailbox', async () => {
      smtp.refuse.add('nobody@example.test');
      const small = await schedule({ templateId: answerTemplate, name: 'Zones weekly', deliveries: [{ type: 'email', to: ['finance@example.test', 'cfo@example.test'] }] });
      const smallRun = await runUntil(small.id, await runNow(small.id), ['SUCCESS']);
      const mail = await waitFor('the email', () => smtp.messages.find((m) => m.subject?.startsWith('Zones weekly')));
      expect(mail.to).toMatchObject({ text: 'finance@example.test, cfo@example.test' });
      expect(mail.attachments).toHaveLength(1);
      const file = await binary(api().get(`reports/${smallRun.reportId}/download`)).expect(200);
      expect(mail.attachments[0].content.equals(file.body)).toBe(true);
      expect(mail.attachments[0].filename).toMatch(/^Zones-weekly-\d{4}-\d{2}-\d{2}\.csv$/);
      expect(smallRun.deliveries[0]).toMatchObject({ state: 'SUCCESS', detail: { attached: true } });

      // 1000 rows of CSV are over the 20,000-byte attachment limit: a link instead.
      const big = await schedule({
        templateId: rowsTemplate,
        deliveries: [
          { type: 'email', to: ['ops@example.test'], subject: 'Big one' },
          { type: 'email', to: ['nobody@example.test'] },
        ],
      });
      const bigRun = await runUntil(big.id, await runNow(big.id), ['FAILED']);
      const bigMail = await waitFor('the big email', () => smtp.messages.find((m) => m.subject === 'Big one'));
      expect(bigMail.attachments).toHaveLength(0);
      const link = /(http:\/\/reports\.example\.test\S+)/.exec(bigMail.text ?? '')![1];
      const viaLink = await binary(request(t.http).get(link.replace('http://reports.example.test', ''))).expect(200);
      expect(viaLink.body.toString('utf8').split('\n')).toHaveLength(1002);
      expect(bigMail.text).toContain('EMAIL_ATTACHMENT_MAX_BYTES');
      expect(bigRun.deliveries).toEqual([
        expect.objectContaining({ state: 'SUCCESS', detail: expect.objectContaining({ attached: false }) }),
        expect.objectContaining({ state: 'FAILED', attempts: 1, lastStatus: 550 }),
      ]);
    });

    it('should skip the deliveries of an empty report with skipIfEmpty, and fail a run whose template no longer holds', async () => {
      const empty = (
        await api()
          .post('report-templates', { name: 'Long ago', source: 'transactions.rows', params: { from: '1990-01-01T00:00:00Z', to: '1990-01-02T00:00:00Z' }, format: 'csv' })
          .expect(201)
      ).body;
      const s = await schedule({ templateId: empty.id, skipIfEmpty: true, deliveries: [{ type: 'webhook', url: hooks.url('/empty') }] });
      const run = await runUntil(s.id, await runNow(s.id), ['SKIPPED']);
      expect(run).toMatchObject({ deliveries: [], error: expect.stringContaining('skipIfEmpty'), reportId: expect.any(String) });
      expect(hooks.received('/empty')).toHaveLength(0);
      // Without skipIfEmpty the empty report is delivered.
      await api().patch(`report-schedules/${s.id}`, { skipIfEmpty: false }).expect(200);
      await runUntil(s.id, await runNow(s.id), ['SUCCESS']);
      expect(hooks.received('/empty')).toHaveLength(1);

      // The import a template names is deleted: the run fails naming it.
      const csv = path.join(process.env.DATA_DIR!, `schedules-second-${process.pid}.csv`);
      await fs.mkdir(path.dirname(csv), { recursive: true });
      await writeTransactionsCsv(csv, 200);
      const res = await uploadRaw(t, key, 'transactions', await fs.readFile(csv)).expect(202);
      const second = await waitForImport(t, key, res.body.importId);
      const pinned = (
        await api()
          .post('report-templates', { name: 'Pinned', source: 'transactions.rows', params: { importId: second.importId }, format: 'csv' })
          .expect(201)
      ).body;
      const ps = await schedule({ templateId: pinned.id });
      expect((await api().del(`imports/${second.importId}`).expect(200)).body).toMatchObject({ outcome: 'REMOVED' });
      const failed = await runUntil(ps.id, await runNow(ps.id), ['FAILED']);
      expect(failed.error).toContain(second.importId);
    });

    it('should queue again a run whose job was lost', async () => {
      const s = await schedule({ templateId: answerTemplate, deliveries: [{ type: 'webhook', url: hooks.url('/lost') }] });
      // A run recorded while Redis was unreachable: in the log, with no job.
      const [{ id }] = (
        await t.db.query(
          `INSERT INTO report_runs (schedule_id, org_id, scheduled_for, trigger, created_at) VALUES ($1, $2, now(), 'manual', now() - interval '1 minute') RETURNING id`,
          [s.id, orgId],
        )
      ).rows;
      await t.app.get(ReportScheduler).sweep();
      const run = await runUntil(s.id, id, ['SUCCESS']);
      expect(run.deliveries[0]).toMatchObject({ state: 'SUCCESS', attempts: 1 });
      expect(hooks.received('/lost')).toHaveLength(1);
      await t.app.get(ReportScheduler).sweep();
      await new Promise((r) => setTimeout(r, 300));
      expect(hooks.received('/lost')).toHaveLength(1);
    });

    it('should end a delivery whose workers kept dying, and settle a run left open after its last delivery', async () => {
      const s = await schedule({ templateId: answerTemplate, deliveries: [{ type: 'webhook', url: hooks.url('/dying') }] });
      const runId = await runNow(s.id);
      await runUntil(s.id, runId, ['SUCCESS']);
      // As a worker that died after its third try left it: RETRYING, tries used up, no job.
      await t.db.query(`UPDATE report_runs SET state = 'RETRYING', ended_at = NULL WHERE id = $1`, [runId]);
      await t.db.query(
        `UPDATE report_run_deliveries SET state = 'RETRYING', attempts = 3, last_error = 'POST answered 503', next_attempt_at = now() - interval '1 minute', updated_at = now() - interval '1 minute' WHERE run_id = $1`,
        [runId],
      );
      const q = t.app.get<Queue>(getQueueToken(REPORT_DELIVERIES_QUEUE));
      await (await q.getJob(`delivery:${runId}:0`))?.remove();
      await t.app.get(ReportScheduler).sweep();
      const ended = await runUntil(s.id, runId, ['FAILED']);
      expect(ended.deliveries[0]).toMatchObject({ state: 'FAILED', attempts: 4, lastError: expect.stringMatching(/^Gave up after 3 tries/) });
      expect(hooks.received('/dying')).toHaveLength(1);

      // Its delivery recorded, its run not settled (the worker died in between): the sweep settles it.
      await t.db.query(`UPDATE report_run_deliveries SET state = 'SUCCESS', last_error = NULL WHERE run_id = $1`, [runId]);
      await t.db.query(`UPDATE report_runs SET state = 'RUNNING', error = NULL, ended_at = NULL WHERE id = $1`, [runId]);
      await t.app.get(ReportScheduler).sweep();
      expect(await runUntil(s.id, runId, ['SUCCESS'])).toMatchObject({ error: null, endedAt: expect.any(String) });
    });
  });
});
