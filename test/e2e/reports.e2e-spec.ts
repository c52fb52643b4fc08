import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import * as ExcelJS from 'exceljs';
import { promises as fs } from 'fs';
import * as path from 'path';
import request from 'supertest';
import { marketingCsvString, messagingCsvString } from '../../libs/datagen';
import { ReportJob, REPORTS_QUEUE } from '../../src/modules/reports/jobs/reports.jobs';
import { createKey, createOrg, startTestApp, TestApp, uploadRaw, waitForImport } from '../factories/test-app';

/**
 * Reports through HTTP and real Bull workers: every domain's answers and every kind's rows as
 * CSV, JSON and XLSX files, checked against the GET answers and the stored rows.
 */
const SAMPLES = path.resolve(__dirname, '../../../shared/samples');
const EVENTS = messagingCsvString({ events: 3000, seed: 3, days: 3, end: '2025-06-30T00:00:00Z', errorRate: 0 });
const MARKETING = marketingCsvString({ rows: 2000, seed: 4, errorRate: 0 });
/** Text cells a spreadsheet would run as formulas (template ids are kept as given). */
const FORMULAS = ['=HYPERLINK("http://evil.example","x")', '+1+2', '-2+3', '@SUM(A1)'];
const INJECTED = ['message_id,status,timestamp,template_id', ...FORMULAS.map((f, i) => `inj-${i},sent,2025-06-28T10:00:0${i}Z,"${f.replace(/"/g, '""')}"`)].join('\n') + '\n';
const WINDOW = { from: '2025-06-28T00:00:00Z', to: '2025-06-29T00:00:00Z' };

describe('Reports (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;
  let other: { key: string; orgId: string };
  let eventsImport: string;
  let eventRows: number;

  const api = (k = key) => ({
    get: (p: string) => request(t.http).get(`/api/v1/${p}`).set('X-API-Key', k),
    post: (p: string, body: object) => request(t.http).post(`/api/v1/${p}`).set('X-API-Key', k).send(body),
    del: (p: string) => request(t.http).delete(`/api/v1/${p}`).set('X-API-Key', k),
  });
  const load = async (kind: string, content: string | Buffer) => {
    const res = await uploadRaw(t, key, kind, content).expect(202);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done.status).toBe('COMPLETED');
    return done;
  };
  /** Creates a report and waits for it to end; its final state. */
  const report = async (body: object, k = key) => {
    const made = await api(k).post('reports', body).expect(202);
    expect(made.body).toEqual({ reportId: expect.any(String), status: 'QUEUED' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await api(k).get(`reports/${made.body.reportId}`).expect(200);
      if (['COMPLETED', 'FAILED'].includes(res.body.status)) return res.body;
      if (Date.now() > deadline) throw new Error(`report ${made.body.reportId} still ${res.body.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const download = (id: string, k = key) =>
    api(k)
      .get(`reports/${id}/download`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
  const csvLines = (b: Buffer) => b.toString('utf8').trimEnd().split('\n');
  const xlsxRows = async (b: Buffer) => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(b as unknown as ArrayBuffer);
    const sheet = book.worksheets[0];
    const rows: ExcelJS.CellValue[][] = [];
    sheet.eachRow((row) => rows.push((row.values as ExcelJS.CellValue[]).slice(1)));
    return rows;
  };

  beforeAll(async () => {
    t = await startTestApp();
    ({ key, orgId } = await createOrg(t, 'reports'));
    other = await createOrg(t, 'reports-other');
    await load('transactions', await fs.readFile(path.join(SAMPLES, 'transactions/test_small.csv')));
    await load('sales', await fs.readFile(path.join(SAMPLES, 'sales/sales_2000.csv')));
    await load('marketing', MARKETING.csv);
    const events = await load('message-events', EVENTS.csv);
    await load('message-events', INJECTED);
    eventsImport = events.importId;
    eventRows = events.progress.rowsLoaded + FORMULAS.length;
  });

  afterAll(async () => {
    await t?.close();
  });

  it("should list every domain's answers and every kind's rows with their parameters", async () => {
    const res = await api().get('report-sources').expect(200);
    const names = res.body.map((s: { name: string }) => s.name);
    for (const n of ['transactions.full-report', 'transactions.anomalies', 'sales.monthly-summary', 'marketing.breakdown', 'messaging.delivery', 'messaging.system']) {
      expect(names).toContain(n);
    }
    for (const kind of [
      'transactions',
      'merchants',
      'sales',
      'marketing',
      'message-events',
      'engagement-events',
      'system-metrics',
      'store-status',
      'business-hours',
      'timezones',
    ]) {
      expect(names).toContain(`${kind}.rows`);
    }
    const delivery = res.body.find((s: { name: string }) => s.name === 'messaging.delivery');
    expect(delivery).toMatchObject({ domain: 'messaging', type: 'answer' });
    expect(delivery.params).toContainEqual(expect.objectContaining({ name: 'granularity', enum: ['hourly', 'daily', 'weekly'], default: 'hourly', required: false }));
    expect(res.body.find((s: { name: string }) => s.name === 'sales.monthly-summary').params.map((p: { name: string }) => p.name)).not.toContain('format');
    const uptime = res.body.find((s: { name: string }) => s.name === 'store-monitoring.uptime');
    expect(uptime).toMatchObject({ domain: 'store-monitoring', type: 'job' });
    expect(uptime.params).toEqual([expect.objectContaining({ name: 'now', type: 'string', required: false })]);
  });

  describe('an answer in each format', () => {
    const params = { granularity: 'daily', ...WINDOW, tz: 'Europe/London' };
    let answer: Record<string, unknown> & { buckets: Array<Record<string, unknown> & { latency_ms: Record<string, number | null> }> };

    beforeAll(async () => {
      answer = (
        await api()
          .get(`messaging/delivery?${new URLSearchParams(params)}`)
          .expect(200)
      ).body;
      expect(answer.buckets.length).toBeGreaterThan(0);
    });

    it('should write CSV: one row per bucket, nested figures as dotted columns, the numbers of the GET answer', async () => {
      const r = await report({ source: 'messaging.delivery', params, format: 'csv', name: 'June delivery' });
      expect(r).toMatchObject({ status: 'COMPLETED', rows: answer.buckets.length, error: null, downloadUrl: `/api/v1/reports/${r.id}/download`, progress: { percent: 100 } });
      const res = await download(r.id).expect(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="June-delivery-\d{4}-\d{2}-\d{2}\.csv"$/);
      expect(Number(res.headers['content-length'])).toBe(r.bytes);
      const [header, ...lines] = csvLines(res.body);
      expect(header).toBe('start,messages,sent,delivered,read,failed,pending,delivery_rate,read_rate,sla_met,latency_ms.p50,latency_ms.p90,latency_ms.p95,latency_ms.p99');
      expect(lines).toEqual(
        answer.buckets.map((b) =>
          [
            b.start,
            b.messages,
            b.sent,
            b.delivered,
            b.read,
            b.failed,
            b.pending,
            b.delivery_rate,
            b.read_rate,
            b.sla_met,
            ...['p50', 'p90', 'p95', 'p99'].map((p) => b.latency_ms[p] ?? ''),
          ].join(','),
        ),
      );
    });

    it('should write JSON: meta and the answer as the route gives it', async () => {
      const r = await report({ source: 'messaging.delivery', params, format: 'json' });
      const res = await download(r.id).expect(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const doc = JSON.parse(res.body.toString('utf8'));
      const { queryTimeMs: _q, cached: _c, dataVersion, ...data } = answer;
      expect(doc).toEqual({
        meta: { reportId: r.id, name: null, source: 'messaging.delivery', params, format: 'json', generatedAt: expect.any(String), dataVersion },
        data,
      });
    });

    it('should write XLSX: a header row and typed cells', async () => {
      const r = await report({ source: 'messaging.delivery', params, format: 'xlsx' });
      const res = await download(r.id).expect(200);
      expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const [header, ...rows] = await xlsxRows(res.body);
      expect(header.slice(0, 3)).toEqual(['start', 'messages', 'sent']);
      expect(rows).toHaveLength(answer.buckets.length);
      expect(rows[0][1]).toBe(answer.buckets[0].messages);
      expect(typeof rows[0][7]).toBe('number');
      expect(rows[0][9]).toBe(answer.buckets[0].sla_met);
    });
  });

  it.each([
    ['transactions.zone-leaderboard', { limit: 5 }, 'data'],
    ['transactions.full-report', {}, null],
    ['sales.monthly-summary', {}, 'data'],
    ['sales.data-quality', {}, null],
    ['marketing.breakdown', { dimension: 'platform' }, 'data'],
    ['marketing.trends', { granularity: 'month', days: 400 }, 'data'],
    ['messaging.failures', WINDOW, 'data'],
    ['messaging.dashboard', { time_period: 'week' }, null],
  ])('should export %s as CSV with the rows of its GET answer', async (source, params, list) => {
    const r = await report({ source, params, format: 'csv' });
    expect(r).toMatchObject({ status: 'COMPLETED', error: null });
    const res = await download(r.id).expect(200);
    const [header, ...lines] = csvLines(res.body);
    expect(header.length).toBeGreaterThan(0);
    if (list === null) {
      expect(lines).toHaveLength(1);
    } else {
      const route = source.startsWith('transactions.') ? `analytics/${source.split('.')[1]}` : source.replace('.', '/');
      const q = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
      const answer = (await api().get(`${route}?${q}`).expect(200)).body;
      expect(answer[list].length).toBeGreaterThan(0);
      expect(lines).toHaveLength(answer[list].length);
      expect(r.rows).toBe(answer[list].length);
    }
  });

  describe("a kind's rows", () => {
    it('should export every stored row as CSV, formulas neutralised, numbers untouched', async () => {
      const r = await report({ source: 'message-events.rows', format: 'csv' });
      expect(r).toMatchObject({ status: 'COMPLETED', rows: eventRows });
      const [header, ...lines] = csvLines((await download(r.id).expect(200)).body);
      expect(header).toBe('message_id,status,ts,channel,recipient_id,template_id,campaign_id,conversation_id,error_code,retry_count,delivery_latency_ms');
      expect(lines).toHaveLength(eventRows);
      const injected = lines.filter((l) => l.startsWith('inj-'));
      expect(
        injected.map((l) =>
          l
            .split(',')
            .slice(5)
            .join(',')
            .replace(/,+\d*,*$/, ''),
        ),
      ).toEqual([`"'=HYPERLINK(""http://evil.example"",""x"")"`, "'+1+2", "'-2+3", "'@SUM(A1)"]);
      expect(lines.some((l) => /^wamid\.[^,]+,delivered,.*,\d+$/.test(l))).toBe(true);
    });

    it('should export XLSX with typed cells and neutralised text, and JSON with typed values', async () => {
      const x = await report({ source: 'message-events.rows', format: 'xlsx', params: { importId: eventsImport } });
      const [header, ...rows] = await xlsxRows((await download(x.id).expect(200)).body);
      expect(header[0]).toBe('message_id');
      expect(rows).toHaveLength(eventRows - FORMULAS.length);
      expect(rows[0][2]).toBeInstanceOf(Date);
      const j = await report({ source: 'message-events.rows', format: 'json' });
      const doc = JSON.parse((await download(j.id).expect(200)).body.toString('utf8'));
      expect(doc.meta).toMatchObject({ source: 'message-events.rows', dataVersion: expect.any(String) });
      expect(doc.data).toHaveLength(eventRows);
      expect(doc.data.find((d: { message_id: string }) => d.message_id === 'inj-0')).toMatchObject({ template_id: FORMULAS[0], ts: '2025-06-28T10:00:00.000Z', retry_count: 0 });
      const xi = await report({ source: 'message-events.rows', format: 'xlsx', params: { importId: undefined } });
      const all = await xlsxRows((await download(xi.id).expect(200)).body);
      expect(all.filter((row) => typeof row[0] === 'string' && row[0].startsWith('inj-')).map((row) => row[5])).toEqual(FORMULAS.map((f) => `'${f}`));
    });

    it('should keep only the window and the import asked for', async () => {
      const expected = (await t.db.query(`SELECT count(*)::int AS n FROM message_events WHERE org_id = $1 AND ts >= $2 AND ts < $3`, [orgId, WINDOW.from, WINDOW.to])).rows[0].n;
      expect(expected).toBeGreaterThan(0);
      expect((await report({ source: 'message-events.rows', format: 'csv', params: WINDOW })).rows).toBe(expected);
      expect((await report({ source: 'message-events.rows', format: 'csv', params: { importId: eventsImport } })).rows).toBe(eventRows - FORMULAS.length);
      expect((await report({ source: 'sales.rows', format: 'csv' })).rows).toBeGreaterThan(1900);
      // JSON rows are Postgres' own JSON text, one COPY per import: an empty window is still one document.
      const none = await report({ source: 'message-events.rows', format: 'json', params: { from: '1990-01-01T00:00:00Z', to: '1990-01-02T00:00:00Z' } });
      expect(none.rows).toBe(0);
      expect(JSON.parse((await download(none.id).expect(200)).body.toString('utf8'))).toMatchObject({ meta: { source: 'message-events.rows' }, data: [] });
      const windowed = await report({ source: 'message-events.rows', format: 'json', params: WINDOW });
      expect(JSON.parse((await download(windowed.id).expect(200)).body.toString('utf8')).data).toHaveLength(expected);
    });
  });

  it.each([
    [{ source: 'nope.rows', format: 'csv' }, 400, 'UNKNOWN_REPORT_SOURCE'],
    [{ source: 'messaging.delivery', format: 'pdf' }, 400, null],
    [{ source: 'messaging.delivery', format: 'csv', params: { granularity: 'minutely' } }, 400, 'INVALID_REPORT_PARAMS'],
    [{ source: 'messaging.delivery', format: 'csv', params: { colour: 'blue' } }, 400, 'INVALID_REPORT_PARAMS'],
    [{ source: 'sales.monthly-summary', format: 'csv', params: { format: 'csv' } }, 400, 'INVALID_REPORT_PARAMS'],
    [{ source: 'timezones.rows', format: 'csv', params: { from: '2025-01-01T00:00:00Z' } }, 400, 'INVALID_REPORT_PARAMS'],
    [{ source: 'transactions.rows', format: 'csv', params: { from: 'yesterday' } }, 400, 'INVALID_REPORT_PARAMS'],
    [{ source: 'message-events.rows', format: 'csv', params: { from: 20250601 } }, 400, 'INVALID_REPORT_PARAMS'],
    [{ source: 'sales.rows', format: 'csv', params: { importId: '00000000-0000-4000-8000-000000000000' } }, 404, 'IMPORT_NOT_FOUND'],
  ])('should refuse %j with %d naming the problem, storing nothing', async (body, status, code) => {
    const before = (await api().get('reports?pageSize=200').expect(200)).body.total;
    const res = await api().post('reports', body).expect(status);
    if (code) expect(res.body.error).toBe(code);
    expect(res.body.message).toEqual(expect.any(String));
    expect((await api().get('reports?pageSize=200').expect(200)).body.total).toBe(before);
  });

  it('should keep reports to their organization and roles: viewers read, analysts create and delete', async () => {
    const r = await report({ source: 'messaging.failures', params: WINDOW, format: 'csv' });
    await api(other.key).get(`reports/${r.id}`).expect(404);
    await download(r.id, other.key).expect(404);
    await api(other.key).del(`reports/${r.id}`).expect(404);
    expect((await api(other.key).get('reports').expect(200)).body.total).toBe(0);
    const viewer = await createKey(t, key, 'viewer');
    await api(viewer).post('reports', { source: 'messaging.failures', format: 'csv' }).expect(403);
    await download(r.id, viewer).expect(200);
    await api(viewer).del(`reports/${r.id}`).expect(403);
    const list = await api().get('reports?source=messaging.failures&status=COMPLETED&pageSize=1').expect(200);
    expect(list.body).toMatchObject({ page: 1, pageSize: 1, total: expect.any(Number) });
    expect(list.body.data).toHaveLength(1);
  });

  it('should expire reports past REPORT_RETENTION_DAYS through the retention job: file removed, 410 on download', async () => {
    const old = await report({ source: 'messaging.failures', params: WINDOW, format: 'csv' });
    const recent = await report({ source: 'messaging.failures', params: WINDOW, format: 'csv' });
    const days = t.config.REPORT_RETENTION_DAYS;
    await t.db.query(`UPDATE reports SET finished_at = now() - make_interval(days => $2 + 1) WHERE id = $1`, [old.id, days]);
    await t.db.query(`UPDATE reports SET finished_at = now() - make_interval(days => $2 - 1) WHERE id = $1`, [recent.id, days]);
    const file = path.resolve(t.config.DATA_DIR, 'reports', `${old.id}.csv`);
    await fs.access(file);
    await t.app.get<Queue>(getQueueToken(REPORTS_QUEUE)).add(ReportJob.Expire, {}, { removeOnComplete: true });
    const deadline = Date.now() + 15_000;
    while ((await api().get(`reports/${old.id}`).expect(200)).body.status !== 'EXPIRED') {
      if (Date.now() > deadline) throw new Error('the retention job did not expire the old report');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await api().get(`reports/${old.id}`).expect(200)).body).toMatchObject({ status: 'EXPIRED', expiredAt: expect.any(String), downloadUrl: null });
    expect((await download(old.id).expect(410)).body.toString('utf8')).toContain('REPORT_EXPIRED');
    await expect(fs.access(file)).rejects.toThrow();
    expect((await api().get(`reports/${recent.id}`).expect(200)).body.status).toBe('COMPLETED');
    await download(recent.id).expect(200);
  });

  it('should remove the report and its file on DELETE', async () => {
    const r = await report({ source: 'messaging.failures', params: WINDOW, format: 'json' });
    const file = path.resolve(t.config.DATA_DIR, 'reports', `${r.id}.json`);
    await fs.access(file);
    expect((await api().del(`reports/${r.id}`).expect(200)).body).toMatchObject({ id: r.id, status: 'COMPLETED' });
    await api().get(`reports/${r.id}`).expect(404);
    await download(r.id).expect(404);
    await expect(fs.access(file)).rejects.toThrow();
    await api().get('reports/not-a-uuid').expect(400);
  });
});
