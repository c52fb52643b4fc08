import request from 'supertest';
import { salesCsvString, storeMonitoringCsvStrings, transactionsCsvString } from '../../libs/datagen';
import { csvToObjects, toJsonArray, toNdjson } from '../factories/json-rows';
import { countRows, createOrg, startTestApp, TestApp, uploadCsv, waitForImport } from '../factories/test-app';

/**
 * JSON arrays and NDJSON go through the same pipeline as CSV, for every kind: the same rows give
 * the same answers. Bad JSON fails with where it broke, at once (no retry), loading nothing.
 */
const NOW = new Date('2026-06-30T12:00:00Z');
const TX = transactionsCsvString({ rows: 3000, seed: 11, now: NOW, merchants: 200, days: 40 }).csv;
const SALES = salesCsvString({ rows: 3000, seed: 12 }).csv;
const STORES = storeMonitoringCsvStrings({ stores: 60, rows: 6000, days: 9, seed: 13 });
const REPORT_NOW = '2024-10-13T12:00:00Z';

type Format = 'csv' | 'json' | 'ndjson';
const MEDIA: Record<Format, string> = { csv: 'text/csv', json: 'application/json', ndjson: 'application/x-ndjson' };
const encode = (csv: string, format: Format): string => (format === 'csv' ? csv : format === 'json' ? toJsonArray(csvToObjects(csv)) : toNdjson(csvToObjects(csv)));
/**
 * Answers without the fields that differ between two loads of the same data: timings, versions,
 * the import ids and the record numbers (a CSV row is numbered by its line, a JSON record by its
 * place in the file).
 */
const answer = (body: Record<string, unknown>): unknown =>
  JSON.parse(JSON.stringify(body, (key, value: unknown) => (['queryTimeMs', 'cached', 'dataVersion', 'totalQueryTimeMs', 'importId', 'line'].includes(key) ? undefined : value)));

describe('Import formats: CSV, JSON array, NDJSON (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ MAX_RECORD_BYTES: 64 * 1024 });
  });

  afterAll(async () => {
    await t.close();
  });

  /** Raw body of the given media type; waits for the end and returns the import. */
  const loadRaw = async (key: string, kind: string, body: string, format: Format, query = 'rejectThreshold=0.9') => {
    const res = await request(t.http).post(`/api/v1/imports/${kind}?${query}`).set('X-API-Key', key).set('Content-Type', MEDIA[format]).send(body).expect(202);
    return waitForImport(t, key, res.body.importId, undefined, 60000);
  };

  it('should list every format for every kind', async () => {
    const { key } = await createOrg(t);
    const res = await request(t.http).get('/api/v1/kinds').set('X-API-Key', key).expect(200);
    for (const kind of res.body) {
      expect(kind.formats).toEqual(['csv', 'json-array', 'ndjson']);
    }
  });

  it('should give the same transaction analytics for the CSV, the JSON array and the NDJSON of the same rows', async () => {
    const answers: Array<Record<string, unknown>> = [];
    for (const format of ['csv', 'json', 'ndjson'] as const) {
      const { key } = await createOrg(t, `tx-${format}`);
      const done = await loadRaw(key, 'transactions', encode(TX, format), format);
      // No fileName given: the recorded name takes the extension the Content-Type implies.
      expect(done).toMatchObject({ status: 'COMPLETED', format: format === 'json' ? 'json-array' : format, fileName: `transactions.${format}` });
      const full = await request(t.http).get('/api/v1/analytics/full-report?tz=Asia/Kolkata').set('X-API-Key', key).expect(200);
      const window = await request(t.http).get('/api/v1/analytics/zone-leaderboard?from=2026-06-01T03:30:00Z&to=2026-06-20T00:00:00Z').set('X-API-Key', key).expect(200);
      answers.push({ full: answer(full.body), window: answer(window.body), loaded: done.progress.rowsLoaded });
    }
    expect(answers[0].loaded).toBeGreaterThan(2800);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('should give the same sales outputs for the three formats', async () => {
    const answers: unknown[] = [];
    for (const format of ['csv', 'json', 'ndjson'] as const) {
      const { key } = await createOrg(t, `sales-${format}`);
      expect((await loadRaw(key, 'sales', encode(SALES, format), format)).status).toBe('COMPLETED');
      const outputs = [];
      for (const output of ['monthly-summary', 'top-products', 'region-performance', 'category-discounts', 'anomalies']) {
        outputs.push(answer((await request(t.http).get(`/api/v1/sales/${output}`).set('X-API-Key', key).expect(200)).body));
      }
      answers.push(outputs);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('should give the same store report for the three formats (multipart .json / .ndjson files)', async () => {
    const reports: string[] = [];
    for (const format of ['csv', 'json', 'ndjson'] as const) {
      const { key } = await createOrg(t, `stores-${format}`);
      const ext = format === 'json' ? 'json' : format;
      const res = await request(t.http)
        .post('/api/v1/store-monitoring/data')
        .set('X-API-Key', key)
        .attach('store_status', Buffer.from(encode(STORES.statusCsv, format)), `store_status.${ext}`)
        .attach('menu_hours', Buffer.from(encode(STORES.hoursCsv, format)), `menu_hours.${ext}`)
        .attach('timezones', Buffer.from(encode(STORES.timezonesCsv, format)), `timezones.${ext}`)
        .expect(202);
      for (const f of res.body.files) {
        expect(await waitForImport(t, key, f.import.importId)).toMatchObject({ status: 'COMPLETED', format: format === 'json' ? 'json-array' : format });
      }
      const {
        body: { reportId },
      } = await request(t.http).post('/api/v1/store-monitoring/trigger_report').set('X-API-Key', key).send({ now: REPORT_NOW }).expect(202);
      let body = { status: '', csv: '' };
      for (let i = 0; i < 200 && body?.status !== 'Complete'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        body = (await request(t.http).get(`/api/v1/store-monitoring/get_report/${reportId}`).set('X-API-Key', key).expect(200)).body;
      }
      expect(body.status).toBe('Complete');
      reports.push(body.csv);
    }
    expect(reports[0].split('\n').length).toBeGreaterThan(50);
    expect(reports[1]).toBe(reports[0]);
    expect(reports[2]).toBe(reports[0]);
  });

  it('should reject a record that is not a flat object as INVALID_JSON_RECORD, with its number and JSON text', async () => {
    const { key } = await createOrg(t);
    const good = { TRANSACTION_ID: 'J1', MERCHANT_ID: 'M1', ZONE: 'North', CATEGORY: 'Food', AMOUNT: 12.5, TIMESTAMP: '2025-01-05 10:00:00', CUSTOMER_PHONE: '+15551234567' };
    const body = [
      JSON.stringify(good),
      JSON.stringify({ ...good, TRANSACTION_ID: 'J2', AMOUNT: { value: 3 } }),
      '["J3"]',
      '{"transaction_id":"J4","merchant_id":"M1","zone":"south","category":"food","amount":1e2,"timestamp":"2025-01-05T10:00:00Z","customer_phone":5551234567,"EXTRA":true}',
      JSON.stringify({ ...good, TRANSACTION_ID: 'J5', MERCHANT_ID: null }),
    ].join('\n');
    const done = await loadRaw(key, 'transactions', body, 'ndjson');
    expect(done).toMatchObject({
      status: 'COMPLETED',
      progress: { rowsRead: 5, rowsLoaded: 2, rowsRejected: 3 },
      rejectsByReason: { INVALID_JSON_RECORD: 2, MISSING_MERCHANT_ID: 1 },
    });
    const rows = await t.db.query('SELECT line_no, transaction_id, amount::text, customer_phone FROM transactions WHERE import_id = $1 ORDER BY line_no', [done.importId]);
    expect(rows.rows).toEqual([
      { line_no: 1, transaction_id: 'J1', amount: '12.50', customer_phone: '+15551234567' },
      { line_no: 4, transaction_id: 'J4', amount: '100.00', customer_phone: '5551234567' },
    ]);
    const rejects = await request(t.http).get(`/api/v1/imports/${done.importId}/rejects`).set('X-API-Key', key).expect(200);
    const lines = rejects.text.trim().split('\n');
    expect(lines[0]).toBe('line,reason,raw');
    expect(lines.slice(1)).toEqual([
      `2,INVALID_JSON_RECORD,"${JSON.stringify({ ...good, TRANSACTION_ID: 'J2', AMOUNT: { value: 3 } }).replace(/"/g, '""')}"`,
      '3,INVALID_JSON_RECORD,"[""J3""]"',
      `5,MISSING_MERCHANT_ID,"${JSON.stringify({ ...good, TRANSACTION_ID: 'J5', MERCHANT_ID: null }).replace(/"/g, '""')}"`,
    ]);
  });

  it('should fail a JSON document broken in the middle at once, naming the byte offset, and load nothing', async () => {
    const { key } = await createOrg(t);
    const records = csvToObjects(TX).map((o) => JSON.stringify(o));
    // A stray brace where record 2,001 should start, far into the file (past its first pieces).
    const before = `[${records.slice(0, 2000).join(',\n')},\n`;
    const broken = `${before}}${records.slice(2000).join(',\n')}]`;
    const done = await loadRaw(key, 'transactions', broken, 'json');
    expect(done).toMatchObject({ status: 'FAILED', errorCode: 'INVALID_JSON', attempts: 1, progress: { rowsLoaded: 0 } });
    expect(done.errorDetails).toEqual({ byteOffset: Buffer.byteLength(before), line: 2001 });
    expect(done.error).toContain(`at byte ${Buffer.byteLength(before)} (record 2001)`);
    expect(await countRows(t, 'transactions', done.importId)).toBe(0);
  });

  it('should fail a JSON array cut short after a comma', async () => {
    const { key } = await createOrg(t);
    // Larger than the 64 KiB the upload checks, so the import itself meets the end.
    const text = toJsonArray(csvToObjects(TX).slice(0, 2000));
    const done = await loadRaw(key, 'transactions', `${text.slice(0, text.lastIndexOf('},') + 2)}\n`, 'json');
    expect(done).toMatchObject({ status: 'FAILED', errorCode: 'INVALID_JSON', attempts: 1 });
  });

  it('should fail a CSV whose quote never closes with RECORD_TOO_LARGE and the line, at once, in bounded memory', async () => {
    const { key } = await createOrg(t);
    // Line 5 opens a quote that never closes: the rest of the file (well over 64 KiB) is one record.
    const lines = TX.split('\n').map((line, i) => (i > 4 ? line.replace(/"/g, '') : line));
    lines[4] = lines[4].replace(/,([^,]*)$/, ',"$1');
    const done = await loadRaw(key, 'transactions', lines.join('\n'), 'csv');
    expect(done).toMatchObject({ status: 'FAILED', errorCode: 'RECORD_TOO_LARGE', attempts: 1, errorDetails: { line: 5, maxRecordBytes: 65536 } });
    expect(done.errorDetails.byteOffset).toBe(Buffer.byteLength(lines.slice(0, 4).join('\n')) + 1);
    expect(done.error).toMatch(/line 5 .*never closed/);
  });

  it('should fail at once, with REJECT_THRESHOLD_EXCEEDED, an import rejecting more than its threshold', async () => {
    const { key } = await createOrg(t);
    const done = await loadRaw(key, 'transactions', encode(TX, 'ndjson'), 'ndjson', 'rejectThreshold=0');
    expect(done).toMatchObject({ status: 'FAILED', errorCode: 'REJECT_THRESHOLD_EXCEEDED', attempts: 1 });
    expect(done.errorDetails).toMatchObject({ rowsRead: 3000, threshold: 0 });
  });

  it.each([
    ['not JSON at all', 'TRANSACTION_ID,MERCHANT_ID\nA,B\n', 'NOT_JSON'],
    ['only whitespace', '   \n ', 'NOT_JSON'],
    ['an empty array', '[]', 'NO_DATA_ROWS'],
    ['a first record without required members', '[{"TRANSACTION_ID":"A"}]', 'MISSING_COLUMNS'],
    ['a syntax error in the first bytes', '[{"TRANSACTION_ID":"A",}]', 'INVALID_JSON'],
  ])('should refuse a JSON upload that is %s with 400 and keep nothing', async (_what, body, code) => {
    const { key } = await createOrg(t);
    const res = await request(t.http).post('/api/v1/imports/transactions').set('X-API-Key', key).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(code);
    const list = await request(t.http).get('/api/v1/imports').set('X-API-Key', key).expect(200);
    expect(list.body.total).toBe(0);
  });

  it('should take a .json file in the multipart form of POST /imports', async () => {
    const { key } = await createOrg(t);
    const res = await uploadCsv(t, key, 'transactions', encode(TX, 'json'), 'export.json').expect(202);
    expect(res.body.format).toBe('json-array');
    expect((await waitForImport(t, key, res.body.importId, undefined, 60000)).status).toBe('COMPLETED');
  });

  it('should load a CSV body sent as application/x-www-form-urlencoded (what curl --data-binary sends) past the 1 MiB form limit', async () => {
    const { key } = await createOrg(t);
    const big = transactionsCsvString({ rows: 20000, seed: 14, now: NOW }).csv;
    expect(Buffer.byteLength(big)).toBeGreaterThan(1 << 20);
    const res = await request(t.http).post('/api/v1/imports/transactions').set('X-API-Key', key).set('Content-Type', 'application/x-www-form-urlencoded').send(big).expect(202);
    expect(res.body.format).toBe('csv');
    const done = await waitForImport(t, key, res.body.importId, undefined, 60000);
    expect(done).toMatchObject({ status: 'COMPLETED' });
    expect(done.progress.rowsRead).toBe(20000);
  });
});
