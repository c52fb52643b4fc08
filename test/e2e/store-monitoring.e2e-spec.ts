import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { randomUUID } from 'crypto';
import * as ExcelJS from 'exceljs';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import request from 'supertest';
import { ReportJob, REPORTS_QUEUE } from '../../src/modules/reports/jobs/reports.jobs';
import { createKey, createOrg, startTestApp, TestApp, waitForImport } from '../factories/test-app';

/**
 * Store monitoring through HTTP: the three feeds load as imports (multipart or STORE_DATA_DIR),
 * the report runs as a report of the reports engine (source store-monitoring.uptime, its CSV a
 * file under DATA_DIR/reports) and its numbers are the cases, worked out by hand below.
 */
const HEADER = 'store_id,uptime_last_hour,uptime_last_day,uptime_last_week,downtime_last_hour,downtime_last_day,downtime_last_week';
const NOW = '2023-01-25T18:00:00Z'; // a Wednesday

const STATUS = [
  'store_id,status,timestamp_utc',
  's2,active,2023-01-24 18:00:00 UTC', // one active poll a day ago
  's3,active,2023-01-25 17:00:00.000000 UTC',
  's3,inactive,2023-01-25T17:30:00Z',
  's4,active,2023-01-24 18:00:00.5 UTC', // New York, now − 24 h (and half a second)
  's5,active,2023-01-25 17:15:00 UTC',
  's5,inactive,2023-01-25 17:45:00 UTC',
  's7,active,2023-01-25 18:00:00 UTC', // exactly at now, and the only poll: back-filled
  's8,inactive,2023-01-17 18:00:00 UTC', // before the week: decides the week's start
  's8,active,2023-01-25 17:00:00 UTC',
  's9,active,2023-01-25 16:00:00 UTC',
  's9,inactive,2023-01-25 18:10:00 UTC', // after now: not seen
  's12,inactive,2023-01-25 17:00:00 UTC', // exactly at the hour's start
  's12,active,2023-01-25 17:30:00 UTC',
].join('\n');
const daily = (store: string, start: string, end: string) => [0, 1, 2, 3, 4, 5, 6].map((d) => `${store},${d},${start},${end}`);
const HOURS = [
  'store_id,dayOfWeek,start_time_local,end_time_local',
  's4,1,10:00:00,20:00:00', // New York, Tuesday and Wednesday
  's4,2,10:00:00,20:00:00',
  's5,2,00:00:00,23:59:00', // Wednesday only
  ...daily('s6', '22:00:00', '02:00:00'), // overnight
  ...daily('s10', '09:00:00', '17:00:00'), // in Chicago: its zone is unknown
  ...daily('s11', '00:00:00', '12:00:00'), // replaced by a later import
].join('\n');
const ZONES = [
  'store_id,timezone_str',
  's1,UTC', // known from this feed only: no polls, open 24×7
  ...['s2', 's3', 's5', 's6', 's7', 's8', 's9', 's11', 's12'].map((s) => `${s},UTC`),
  's4,America/New_York',
  's10,Mars/Olympus_Mons',
].join('\n');

const EXPECTED: Record<string, string> = {
  s1: '0.00,0.00,0.00,60.00,24.00,168.00',
  s2: '60.00,24.00,168.00,0.00,0.00,0.00',
  s3: '30.00,23.50,167.50,30.00,0.50,0.50',
  // 13:00 EST Wednesday; the day is Tue 13:00–20:00 + Wed 10:00–13:00; the week adds Wed 18 13:00–20:00.
  s4: '60.00,10.00,20.00,0.00,0.00,0.00',
  // The week: Wed 18 18:00–23:59 (5 h 59 min) + Wed 25 00:00–18:00, active until 17:45.
  s5: '45.00,17.75,23.73,15.00,0.25,0.25',
  s6: '0.00,0.00,0.00,0.00,4.00,28.00',
  s7: '60.00,24.00,168.00,0.00,0.00,0.00',
  s8: '60.00,1.00,1.00,0.00,23.00,167.00',
  s9: '60.00,24.00,168.00,0.00,0.00,0.00',
  // America/Chicago (12:00 CST): the hour is open, the day is Tue 12–17 + Wed 9–12.
  s10: '0.00,0.00,0.00,60.00,8.00,56.00',
  s11: '0.00,0.00,0.00,0.00,1.00,7.00',
  s12: '30.00,0.50,0.50,30.00,23.50,167.50',
};

describe('Store monitoring (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;
  let storeDir: string;

  const api = (p: string) => `/api/v1/store-monitoring/${p}`;
  const upload = (k: string, files: Record<string, string>) => {
    let req = request(t.http).post(api('data')).set('X-API-Key', k);
    for (const [part, content] of Object.entries(files)) {
      req = req.attach(part, Buffer.from(content), `${part}.csv`);
    }
    return req;
  };
  const loadAll = async (k: string, files: Record<string, string>) => {
    const res = await upload(k, files).expect(202);
    const done = [];
    for (const f of res.body.files) {
      done.push(await waitForImport(t, k, f.import.importId));
    }
    return done;
  };
  const report = async (k: string, now?: string) => {
    const trig = await request(t.http)
      .post(api('trigger_report'))
      .set('X-API-Key', k)
      .send(now ? { now } : {})
      .expect(202);
    const id: string = trig.body.reportId;
    for (const deadline = Date.now() + 30000; Date.now() < deadline;) {
      const res = await request(t.http)
        .get(api(`get_report/${id}`))
        .set('X-API-Key', k)
        .expect(200);
      if (res.body.status !== 'Running') {
        return { id, body: res.body };
      }
      expect(res.body.progress).toEqual({
        phase: expect.any(String),
        storesDone: expect.any(Number),
        storesTotal: expect.any(Number),
        pollsDone: expect.any(Number),
        pollsTotal: expect.any(Number),
      });
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`report ${id} did not finish`);
  };
  const rowsOf = (csv: string) => {
    const [header, ...lines] = csv.trimEnd().split('\n');
    expect(header).toBe(HEADER);
    return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(',')), l.slice(l.indexOf(',') + 1)]));
  };

  beforeAll(async () => {
    storeDir = await fs.mkdtemp(path.join(os.tmpdir(), 'store-data-'));
    t = await startTestApp({ STORE_DATA_DIR: storeDir });
    ({ key, orgId } = await createOrg(t, 'stores'));
  });

  afterAll(async () => {
    await t?.close();
    await fs.rm(storeDir, { recursive: true, force: true });
  });

  it('should load the three feeds from one multipart request and answer the issue cases exactly', async () => {
    const res = await upload(key, { store_status: STATUS, menu_hours: HOURS, timezones: ZONES }).expect(202);
    expect(res.body.files.map((f: { part: string; kind: string }) => [f.part, f.kind])).toEqual([
      ['store_status', 'store-status'],
      ['menu_hours', 'business-hours'],
      ['timezones', 'timezones'],
    ]);
    const done = await Promise.all(res.body.files.map((f: { import: { importId: string } }) => waitForImport(t, key, f.import.importId)));
    expect(done.map((d) => [d.status, d.progress.rowsLoaded, d.progress.rowsRejected])).toEqual([
      ['COMPLETED', 13, 0],
      ['COMPLETED', 24, 0],
      ['COMPLETED', 12, 0],
    ]);
    expect(done[2].warningsByReason).toEqual({ UNKNOWN_TIMEZONE: 1 });
    // A later hours import replaces s11's rows, and only s11's.
    const later = await request(t.http)
      .post('/api/v1/imports/business-hours')
      .set('X-API-Key', key)
      .set('Content-Type', 'text/csv')
      .send('store_id,dayOfWeek,start_time_local,end_time_local\n' + daily('s11', '09:00:00', '10:00:00').join('\n'))
      .expect(202);
    await waitForImport(t, key, later.body.importId);

    const { id, body } = await report(key, NOW);
    expect(body).toMatchObject({ status: 'Complete', now: '2023-01-25T18:00:00.000Z', downloadUrl: `/api/v1/store-monitoring/reports/${id}/download` });
    const rows = rowsOf(body.csv);
    expect(rows).toEqual(EXPECTED);
    const file = await request(t.http).get(body.downloadUrl).set('X-API-Key', key).expect(200);
    expect(file.headers['content-type']).toMatch(/^text\/csv/);
    expect(file.headers['content-disposition']).toBe(`attachment; filename="store-report-${id}.csv"`);
    expect(file.text).toBe(body.csv);

    // The CSV is the report's file under DATA_DIR/reports; nothing of it is in store_reports.
    expect(await fs.readFile(path.join(t.config.DATA_DIR, 'reports', `${id}.csv`), 'utf8')).toBe(body.csv);
    expect((await t.db.query('SELECT count(*)::int AS n FROM store_reports WHERE org_id = $1', [orgId])).rows[0].n).toBe(0);
    // The same report in the reports engine, with what it knows beyond rows and bytes.
    const engine = await request(t.http).get(`/api/v1/reports/${id}`).set('X-API-Key', key).expect(200);
    const metrics = Object.fromEntries(['elapsedMs', 'snapshotMs', 'storesMs', 'pollsMs', 'rowsRead', 'peakRssMb'].map((m) => [m, expect.any(Number)]));
    expect(engine.body).toMatchObject({
      source: 'store-monitoring.uptime',
      params: { now: NOW },
      format: 'csv',
      status: 'COMPLETED',
      rows: 12,
      bytes: Buffer.byteLength(body.csv),
      details: { now: '2023-01-25T18:00:00.000Z', stores: 12, polls: 11, metrics: { ...metrics, stores: 12, polls: 11 } },
    });
    expect(body.metrics).toEqual(engine.body.details.metrics);
    const generic = await request(t.http).get(`/api/v1/reports/${id}/download`).set('X-API-Key', key).expect(200);
    expect(generic.text).toBe(body.csv);
  });

  it('should export store-monitoring.uptime as JSON and XLSX through the reports engine with the numbers of the CSV', async () => {
    const csv = rowsOf((await report(key, NOW)).body.csv);
    const expected = Object.fromEntries(Object.entries(csv).map(([store, values]) => [store, values.split(',').map(Number)]));
    const columns = HEADER.split(',');
    const exported = async (format: string) => {
      const made = await request(t.http)
        .post('/api/v1/reports')
        .set('X-API-Key', key)
        .send({ source: 'store-monitoring.uptime', params: { now: NOW }, format })
        .expect(202);
      const id: string = made.body.reportId;
      for (const deadline = Date.now() + 30000; ;) {
        const res = await request(t.http).get(`/api/v1/reports/${id}`).set('X-API-Key', key).expect(200);
        if (res.body.status === 'COMPLETED') break;
        expect(res.body.status).not.toBe('FAILED');
        if (Date.now() > deadline) throw new Error(`report ${id} did not finish`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // Only its CSV reports are store reports of get_report.
      await request(t.http)
        .get(api(`get_report/${id}`))
        .set('X-API-Key', key)
        .expect(404);
      const file = await request(t.http)
        .get(`/api/v1/reports/${id}/download`)
        .set('X-API-Key', key)
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
      return file.body as Buffer;
    };
    const doc = JSON.parse((await exported('json')).toString('utf8'));
    expect(doc.meta).toMatchObject({ source: 'store-monitoring.uptime', params: { now: NOW }, format: 'json' });
    expect(Object.keys(doc.data[0])).toEqual(columns);
    expect(Object.fromEntries(doc.data.map((d: Record<string, unknown>) => [d.store_id, columns.slice(1).map((c) => d[c])]))).toEqual(expected);

    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await exported('xlsx')) as unknown as ArrayBuffer);
    const rows: ExcelJS.CellValue[][] = [];
    book.worksheets[0].eachRow((row) => rows.push((row.values as ExcelJS.CellValue[]).slice(1)));
    expect(rows[0]).toEqual(columns);
    expect(Object.fromEntries(rows.slice(1).map(([store, ...values]) => [store, values]))).toEqual(expected);
  });

  it('should take now from the latest poll when none is given, and count uptime + downtime = business time', async () => {
    const { body } = await report(key);
    expect(body.now).toBe('2023-01-25T18:10:00.000Z'); // s9's poll after the NOW of the other test
    for (const [store, values] of Object.entries(rowsOf(body.csv))) {
      const [uh, ud, uw, dh, dd, dw] = values.split(',').map((v) => Math.round(Number(v) * 100));
      expect([store, uh + dh <= 6000, ud + dd <= 2400, uw + dw <= 16800]).toEqual([store, true, true, true]);
    }
    // s9's inactive poll is now itself: it holds from now on, so it changes none of the windows.
    expect(rowsOf(body.csv).s9).toBe('60.00,24.00,168.00,0.00,0.00,0.00');
    // s3 ten minutes later: active 17:10–17:30 of the hour, inactive 40 min of every window.
    expect(rowsOf(body.csv).s3).toBe('20.00,23.33,167.33,40.00,0.67,0.67');
  });

  it('should follow real zone rules across DST changes in America/Chicago and Europe/London', async () => {
    const org = await createOrg(t, 'dst');
    await loadAll(org.key, {
      store_status: 'store_id,status,timestamp_utc\nd1,active,2023-03-01 00:00:00 UTC\n',
      menu_hours: [
        'store_id,dayOfWeek,start_time_local,end_time_local',
        ...daily('d1', '09:00:00', '17:00:00'),
        ...daily('d2', '00:00:00', '00:00:00'), // the whole day: 23 h on 12 March, 24 h on the others
        ...daily('d3', '01:00:00', '03:00:00'), // 02:00–03:00 does not exist on 12 March: 1 h that day
        ...daily('d4', '02:30:00', '04:00:00'), // 02:30 does not exist on 12 March: read as 03:30 CDT
        ...daily('l1', '00:30:00', '02:30:00'), // London, 29 October: 00:30 BST to 02:30 GMT is 3 h
      ].join('\n'),
      timezones: 'store_id,timezone_str\nd1,America/Chicago\nd2,America/Chicago\nd3,America/Chicago\nd4,America/Chicago\nl1,Europe/London\n',
    });
    // Tue 14 March 19:00 CDT; the week holds the spring-forward Sunday.
    const march = rowsOf((await report(org.key, '2023-03-15T00:00:00Z')).body.csv);
    expect([march.d1, march.d2, march.d3, march.d4]).toEqual([
      '0.00,8.00,56.00,0.00,0.00,0.00',
      '0.00,0.00,0.00,60.00,24.00,168.00',
      '0.00,0.00,0.00,0.00,2.00,13.00',
      '0.00,0.00,0.00,0.00,1.50,9.50',
    ]);
    const october = rowsOf((await report(org.key, '2023-11-01T12:00:00Z')).body.csv);
    expect(october.l1).toBe('0.00,0.00,0.00,0.00,2.00,15.00');
  });

  it('should reject a re-sent poll as DUPLICATE and still complete, leaving the stored rows as they were', async () => {
    const org = await createOrg(t, 'dups');
    const feed = 'store_id,status,timestamp_utc\na,active,2024-10-03 23:33:20.4127 UTC\nb,inactive,2024-10-03 23:40:00 UTC\n';
    await loadAll(org.key, { store_status: feed });
    // The same instants written otherwise, plus one new poll.
    const again = 'store_id,status,timestamp_utc\na,inactive,2024-10-03T23:33:20.412700Z\nb,inactive,2024-10-04T01:40:00+02:00\nb,active,2024-10-04 00:00:00\n';
    const [done] = await loadAll(org.key, { store_status: again });
    expect(done).toMatchObject({ status: 'COMPLETED', rejectsByReason: { DUPLICATE: 2 } });
    expect(done.progress.rowsLoaded).toBe(1);
    // Within one file: the later line of a repeated (store, instant) is the reject.
    // (A store id may hold quotes, commas and control characters.)
    const odd = '"e,""\u001f1"';
    const within = `store_id,status,timestamp_utc\nc,active,2024-10-05 10:00:00 UTC\nd,active,2024-10-05 10:00:00 UTC\nc,inactive,2024-10-05T12:00:00+02:00\n${odd},active,2024-10-06 00:00:00\n${odd},inactive,2024-10-06T00:00:00Z\n`;
    const [third] = await loadAll(org.key, { store_status: within });
    expect(third).toMatchObject({ status: 'COMPLETED', rejectsByReason: { DUPLICATE: 2 } });
    const rejects = await request(t.http).get(`/api/v1/imports/${third.importId}/rejects`).set('X-API-Key', org.key).expect(200);
    expect(
      rejects.text
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',').slice(0, 2).join(',')),
    ).toEqual(['4,DUPLICATE', '6,DUPLICATE']);
    const page = await request(t.http).get(api('data/storestatus')).set('X-API-Key', org.key).expect(200);
    expect(page.body).toMatchObject({ table: 'storestatus', page: 1, pageSize: 100, total: 6 });
    expect(page.body.rows.map((r: { storeId: string; status: string; timestampUtc: string }) => [r.storeId, r.status, r.timestampUtc])).toEqual([
      ['a', 'active', '2024-10-03T23:33:20.412700Z'],
      ['b', 'inactive', '2024-10-03T23:40:00.000000Z'],
      ['b', 'active', '2024-10-04T00:00:00.000000Z'],
      ['c', 'active', '2024-10-05T10:00:00.000000Z'],
      ['d', 'active', '2024-10-05T10:00:00.000000Z'],
      ['e,"\u001f1', 'active', '2024-10-06T00:00:00.000000Z'],
    ]);
  });

  it('should page through the stored feeds and name the valid tables for an unknown one', async () => {
    const hours = await request(t.http).get(api('data/businesshour?page=2&pageSize=5')).set('X-API-Key', key).expect(200);
    expect(hours.body).toMatchObject({ table: 'businesshour', page: 2, pageSize: 5, total: 24 });
    expect(hours.body.rows).toHaveLength(5);
    // Ordered by store (bytewise: s10 < s11 < s4), day and start.
    expect(
      hours.body.rows.map((r: { storeId: string; dayOfWeek: number; startTimeLocal: string; endTimeLocal: string }) => [r.storeId, r.dayOfWeek, r.startTimeLocal, r.endTimeLocal]),
    ).toEqual([
      ['s10', 5, '09:00:00', '17:00:00'],
      ['s10', 6, '09:00:00', '17:00:00'],
      ['s11', 0, '09:00:00', '10:00:00'],
      ['s11', 1, '09:00:00', '10:00:00'],
      ['s11', 2, '09:00:00', '10:00:00'],
    ]);
    const zones = await request(t.http).get(api('data/timezone')).set('X-API-Key', key).expect(200);
    expect(zones.body.rows.find((r: { storeId: string }) => r.storeId === 's10')).toMatchObject({ timezoneStr: 'Mars/Olympus_Mons', timezone: 'America/Chicago' });
    const bad = await request(t.http).get(api('data/stores')).set('X-API-Key', key).expect(400);
    expect(bad.body).toMatchObject({ error: 'UNKNOWN_TABLE', details: { valid: ['storestatus', 'businesshour', 'timezone'] } });
    expect(bad.body.message).toContain('storestatus, businesshour, timezone');
    await request(t.http).get(api('data/timezone?pageSize=5000')).set('X-API-Key', key).expect(400);
  });

  it('should refuse a bad file with a 400 naming the part and the missing columns, and queue none of the files', async () => {
    const org = await createOrg(t, 'bad');
    const uploads = path.join(t.config.DATA_DIR, 'uploads');
    const filesBefore = (await fs.readdir(uploads).catch(() => [] as string[])).sort();
    const res = await upload(org.key, { store_status: STATUS, menu_hours: 'store_id,dayOfWeek,start_time_local\ns,1,10:00:00\n' }).expect(400);
    expect(res.body).toMatchObject({ error: 'MISSING_COLUMNS', details: { missing: ['end_time_local'], file: 'menu_hours' } });
    expect(res.body.message).toMatch(/^menu_hours: /);
    const unknown = await upload(org.key, { status: STATUS }).expect(400);
    expect(unknown.body).toMatchObject({ error: 'UNKNOWN_FILE_PART', details: { valid: ['store_status', 'menu_hours', 'timezones'] } });
    const json = await request(t.http).post(api('data')).set('X-API-Key', org.key).send({ source: 'elsewhere' }).expect(400);
    expect(json.body.error).toBe('INVALID_DATA_REQUEST');
    const imports = await request(t.http).get('/api/v1/imports').set('X-API-Key', org.key).expect(200);
    expect(imports.body.total).toBe(0);
    const ours = await t.db.query('SELECT count(*)::int AS n FROM imports WHERE org_id = $1', [org.orgId]);
    expect(ours.rows[0].n).toBe(0);
    // The good file received before the bad one was removed too.
    expect((await fs.readdir(uploads).catch(() => [] as string[])).sort()).toEqual(filesBefore);
  });

  it('should load the three files from STORE_DATA_DIR, and DELETE data should clear them all', async () => {
    const org = await createOrg(t, 'dir');
    const none = await request(t.http).post(api('data')).set('X-API-Key', org.key).send({ source: 'directory' }).expect(400);
    expect(none.body.error).toBe('NO_STORE_FILES');
    await fs.writeFile(path.join(storeDir, 'store_status.csv'), STATUS);
    await fs.writeFile(path.join(storeDir, 'menu_hours.csv'), HOURS);
    await fs.writeFile(path.join(storeDir, 'timezones.csv'), ZONES);
    const res = await request(t.http).post(api('data')).set('X-API-Key', org.key).send({ source: 'directory' }).expect(202);
    expect(res.body.files.map((f: { import: { fileName: string } }) => f.import.fileName)).toEqual(['store_status.csv', 'menu_hours.csv', 'timezones.csv']);
    for (const f of res.body.files) {
      expect((await waitForImport(t, org.key, f.import.importId)).status).toBe('COMPLETED');
    }
    const { body } = await report(org.key, NOW);
    expect(rowsOf(body.csv).s4).toBe(EXPECTED.s4);

    const cleared = await request(t.http).delete(api('data')).set('X-API-Key', org.key).expect(200);
    expect(cleared.body).toEqual({ importsRemoved: 3, importsCancelled: 0, rowsRemoved: { storestatus: 13, businesshour: 24, timezone: 12 } });
    for (const table of ['storestatus', 'businesshour', 'timezone']) {
      const page = await request(t.http)
        .get(api(`data/${table}`))
        .set('X-API-Key', org.key)
        .expect(200);
      expect([table, page.body.total]).toEqual([table, 0]);
    }
    // Another organization's data is untouched.
    const mine = await request(t.http).get(api('data/storestatus')).set('X-API-Key', key).expect(200);
    expect(mine.body.total).toBe(13);
    const empty = await report(org.key);
    expect(empty.body.status).toBe('Complete');
    expect(empty.body.csv).toBe(`${HEADER}\n`);
  });

  it('should answer 404 for an unknown report, 400 for a bad now, and 403 when a viewer triggers', async () => {
    await request(t.http).get(api('get_report/00000000-0000-4000-8000-000000000000')).set('X-API-Key', key).expect(404);
    const notUuid = await request(t.http).get(api('get_report/nope')).set('X-API-Key', key).expect(404);
    expect(notUuid.body.error).toBe('REPORT_NOT_FOUND');
    await request(t.http).get(api('reports/00000000-0000-4000-8000-000000000000/download')).set('X-API-Key', key).expect(404);
    const bad = await request(t.http).post(api('trigger_report')).set('X-API-Key', key).send({ now: 'yesterday' }).expect(400);
    expect(bad.body.error).toBe('VALIDATION_FAILED');
    const badSource = await request(t.http)
      .post('/api/v1/reports')
      .set('X-API-Key', key)
      .send({ source: 'store-monitoring.uptime', params: { now: 'yesterday' }, format: 'csv' })
      .expect(400);
    expect(badSource.body.error).toBe('INVALID_REPORT_PARAMS');
    const viewer = await createKey(t, key, 'viewer');
    await request(t.http).post(api('trigger_report')).set('X-API-Key', viewer).send({}).expect(403);
    // Reports belong to their organization.
    const { id } = await report(key, NOW);
    const other = await createOrg(t, 'other');
    await request(t.http)
      .get(api(`get_report/${id}`))
      .set('X-API-Key', other.key)
      .expect(404);
    await request(t.http)
      .get(api(`reports/${id}/download`))
      .set('X-API-Key', other.key)
      .expect(404);
    // A report of the engine that is not a store report is not one of get_report's.
    const rows = await request(t.http).post('/api/v1/reports').set('X-API-Key', key).send({ source: 'timezones.rows', format: 'csv' }).expect(202);
    await request(t.http)
      .get(api(`get_report/${rows.body.reportId}`))
      .set('X-API-Key', key)
      .expect(404);
  });

  it('should still serve the reports made before the reports engine from store_reports', async () => {
    const csv = `${HEADER}\nold-1,60.00,24.00,168.00,0.00,0.00,0.00\n"a,b",0.00,1.00,2.00,60.00,23.00,166.00\n`;
    const [complete, failed, running] = [randomUUID(), randomUUID(), randomUUID()];
    await t.db.query(
      `INSERT INTO store_reports (id, org_id, status, requested_now, report_now, csv, error, metrics, created_at, finished_at) VALUES
         ($1, $4, 'COMPLETE', NULL, '2023-01-25T18:00:00Z', $5, NULL, '{"elapsedMs": 12, "stores": 2}', now() - interval '2 days', now() - interval '2 days'),
         ($2, $4, 'FAILED', '2023-01-20T00:00:00Z', NULL, NULL, 'boom', NULL, now(), now()),
         ($3, $4, 'RUNNING', NULL, '2023-01-21T00:00:00Z', NULL, NULL, NULL, now(), NULL)`,
      [complete, failed, running, orgId, csv],
    );
    const res = await request(t.http)
      .get(api(`get_report/${complete}`))
      .set('X-API-Key', key)
      .expect(200);
    expect(res.body).toEqual({
      reportId: complete,
      status: 'Complete',
      csv,
      now: '2023-01-25T18:00:00.000Z',
      downloadUrl: `/api/v1/store-monitoring/reports/${complete}/download`,
      metrics: { elapsedMs: 12, stores: 2 },
      createdAt: expect.any(String),
    });
    const file = await request(t.http).get(res.body.downloadUrl).set('X-API-Key', key).expect(200);
    expect(file.headers['content-type']).toMatch(/^text\/csv/);
    expect(file.headers['content-disposition']).toBe(`attachment; filename="store-report-${complete}.csv"`);
    expect(file.text).toBe(csv);
    expect(
      (
        await request(t.http)
          .get(api(`get_report/${failed}`))
          .set('X-API-Key', key)
          .expect(200)
      ).body,
    ).toMatchObject({ status: 'Failed', error: 'boom', now: '2023-01-20T00:00:00.000Z' });
    // Its job was in the store-reports queue, which nothing reads any more.
    const stuck = await request(t.http)
      .get(api(`get_report/${running}`))
      .set('X-API-Key', key)
      .expect(200);
    expect(stuck.body).toMatchObject({ status: 'Failed', error: expect.stringContaining('trigger it again') });
    expect(
      (
        await request(t.http)
          .get(api(`reports/${failed}/download`))
          .set('X-API-Key', key)
          .expect(409)
      ).body.error,
    ).toBe('REPORT_NOT_READY');
    const other = await createOrg(t, 'legacy-other');
    await request(t.http)
      .get(api(`get_report/${complete}`))
      .set('X-API-Key', other.key)
      .expect(404);
    await request(t.http)
      .get(api(`reports/${complete}/download`))
      .set('X-API-Key', other.key)
      .expect(404);
  });

  it('should answer Failed with the retention in get_report and 410 on download once the report expired', async () => {
    const { id } = await report(key, NOW);
    const days = t.config.REPORT_RETENTION_DAYS;
    await t.db.query(`UPDATE reports SET finished_at = now() - make_interval(days => $2 + 1) WHERE id = $1`, [id, days]);
    await t.app.get<Queue>(getQueueToken(REPORTS_QUEUE)).add(ReportJob.Expire, {}, { removeOnComplete: true });
    for (const deadline = Date.now() + 15000; ;) {
      const res = await request(t.http).get(`/api/v1/reports/${id}`).set('X-API-Key', key).expect(200);
      if (res.body.status === 'EXPIRED') break;
      if (Date.now() > deadline) throw new Error('the retention job did not expire the report');
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await request(t.http)
      .get(api(`get_report/${id}`))
      .set('X-API-Key', key)
      .expect(200);
    expect(res.body).toMatchObject({ reportId: id, status: 'Failed', now: '2023-01-25T18:00:00.000Z' });
    expect(res.body.error).toContain(`${days} days`);
    expect(res.body.error).toContain('REPORT_RETENTION_DAYS');
    const gone = await request(t.http)
      .get(api(`reports/${id}/download`))
      .set('X-API-Key', key)
      .expect(410);
    expect(gone.body.error).toBe('REPORT_EXPIRED');
    await expect(fs.access(path.join(t.config.DATA_DIR, 'reports', `${id}.csv`))).rejects.toThrow();
  });
});
