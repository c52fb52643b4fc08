import { readFileSync } from 'fs';
import * as path from 'path';
import request from 'supertest';
import { countRows, createOrg, startTestApp, TestApp, uploadCsv, uploadRaw, waitForImport, waitForPurge } from '../factories/test-app';

const fixture = (rel: string) => readFileSync(path.join(__dirname, '../fixtures/csv', rel));
const SAMPLE = fixture('ok/transactions-sample-1000.csv');
/** What ok/transactions-mixed.csv's 12 data rows are rejected for (4 rows load). */
const MIXED_REJECTS = {
  INVALID_AMOUNT: 1,
  NEGATIVE_AMOUNT: 1,
  MISSING_MERCHANT_ID: 1,
  FUTURE_TIMESTAMP: 1,
  INVALID_TIMESTAMP: 1,
  DUPLICATE_ID: 1,
  AMOUNT_TOO_LARGE: 1,
  WRONG_FIELD_COUNT: 1,
};

describe('Imports (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should load every row of a valid file and publish it when the upload completes', async () => {
    const { key, orgId } = await createOrg(t);
    const res = await uploadCsv(t, key, 'transactions', SAMPLE, 'test_small.csv').expect(202);
    expect(res.body).toMatchObject({ kind: 'transactions', status: 'QUEUED', fileName: 'test_small.csv', sizeBytes: SAMPLE.length });
    expect(res.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done.status).toBe('COMPLETED');
    expect(done.progress).toMatchObject({ percent: 100, rowsRead: 1000, rowsLoaded: 1000, rowsRejected: 0 });
    expect(done.metrics).toMatchObject({ rowsProcessed: 1000, rowsRejected: 0 });
    expect(done.metrics.peakRssMb).toBeGreaterThan(0);
    // Elapsed time spans the whole run (the publish transaction's start is not its end).
    expect(done.progress.elapsedMs).toBeGreaterThanOrEqual(done.metrics.executionTimeMs - 50);
    expect(done.progress.rowsPerSec).toBeLessThanOrEqual(Math.ceil(1000 / (done.metrics.executionTimeMs / 1000)) * 2);
    expect(await countRows(t, 'transactions', res.body.importId)).toBe(1000);
    const org = await t.db.query('SELECT data_version FROM organizations WHERE id = $1', [orgId]);
    expect(Number(org.rows[0].data_version)).toBe(1);
    // The sum over the stored rows equals the sum over the file's AMOUNT column, to the cent.
    const cents = SAMPLE.toString()
      .trim()
      .split('\n')
      .slice(1)
      .reduce((s, l) => s + Math.round(Number(l.split(',')[4]) * 100), 0);
    const stored = await t.db.query('SELECT (sum(amount) * 100)::bigint AS c FROM transactions WHERE import_id = $1', [res.body.importId]);
    expect(Number(stored.rows[0].c)).toBe(cents);
  });

  it('should clean accepted rows and account for every rejected row by reason', async () => {
    const { key } = await createOrg(t);
    const res = await uploadRaw(t, key, 'transactions', fixture('ok/transactions-mixed.csv'), 'rejectThreshold=0.9&fileName=mixed.csv').expect(202);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done.status).toBe('COMPLETED');
    expect(done.progress).toMatchObject({ rowsRead: 12, rowsLoaded: 4, rowsRejected: 8 });
    expect(done.rejectsByReason).toEqual(MIXED_REJECTS);
    const rows = await t.db.query(
      `SELECT transaction_id, zone, category, amount::text, occurred_at, customer_phone, line_no
       FROM transactions WHERE import_id = $1 ORDER BY line_no`,
      [res.body.importId],
    );
    expect(rows.rows.map((r) => [r.transaction_id, r.zone, r.category, r.amount, r.occurred_at.toISOString(), r.customer_phone, r.line_no])).toEqual([
      ['TXN_1', 'NORTH', 'Grocery', '1234.50', '2025-01-05T08:00:00.000Z', '+15551234567', 2],
      ['TXN_2', 'DOWNTOWN', 'Food', '12.00', '2025-01-05T10:00:00.000Z', '+15551234567', 3],
      ['TXN_10', 'WEST, SIDE', 'Education', '7.25', '2025-01-15T08:30:00.000Z', '5551234567', 12],
      ['TXN_11', 'NORTH', 'Transport', '0.00', '2025-01-20T23:59:59.000Z', '+442079460958', 14],
    ]);
    const rejects = await request(t.http).get(`/api/v1/imports/${res.body.importId}/rejects`).set('X-API-Key', key).expect(200);
    expect(rejects.headers['content-type']).toMatch(/text\/csv/);
    const lines = rejects.text.trim().split('\n');
    expect(lines[0]).toBe('line,reason,raw');
    expect(lines.slice(1).sort()).toEqual(
      [
        '9,DUPLICATE_ID,"TXN_2,MERCH_9,West,Food,1.00,2025-01-06 10:00:00,+15551234567"',
        '10,AMOUNT_TOO_LARGE,"TXN_8,MERCH_4,West,Food,2000000,2025-01-06,+15551234567"',
        '11,WRONG_FIELD_COUNT,"TXN_9,MERCH_4,West,Food"',
        '4,INVALID_AMOUNT,"TXN_3,MERCH_1,South,Clothing,abc,2025-01-05T10:00:00Z,5551234567"',
        '5,NEGATIVE_AMOUNT,"TXN_4,MERCH_3,East,Health,-5,2025-01-05,555"',
        '6,MISSING_MERCHANT_ID,"TXN_5,,East,Health,5,2025-01-05,555"',
        '7,FUTURE_TIMESTAMP,"TXN_6,MERCH_3,East,Health,5,2999-01-01 00:00:00,555"',
        '8,INVALID_TIMESTAMP,"TXN_7,MERCH_3,East,Health,5,yesterday,555"',
      ].sort(),
    );
  });

  it('should map a reordered, lower-case header with an extra column, and honour a BOM, CRLF and quoted newlines', async () => {
    const { key } = await createOrg(t);
    const csv =
      '\ufeffnote,amount,timestamp,customer_phone,transaction_id,merchant_id,zone,category\r\n' +
      '"two\r\nlines",10.50,2025-03-01 12:00:00,+15551234567,T1,M1,north,food\r\n' +
      'plain,"1,000",2025-03-02T00:00:00Z,+15551234567,T2,M2,"South, Bay",groceries\r\n';
    const res = await uploadRaw(t, key, 'transactions', csv).expect(202);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done).toMatchObject({ status: 'COMPLETED', progress: { rowsRead: 2, rowsLoaded: 2, rowsRejected: 0 } });
    const rows = await t.db.query('SELECT line_no, transaction_id, zone, category, amount::text FROM transactions WHERE import_id = $1 ORDER BY line_no', [res.body.importId]);
    expect(rows.rows).toEqual([
      { line_no: 2, transaction_id: 'T1', zone: 'NORTH', category: 'Food', amount: '10.50' },
      { line_no: 4, transaction_id: 'T2', zone: 'SOUTH, BAY', category: 'Grocery', amount: '1000.00' },
    ]);
  });

  it('should reject exactly the later copies of repeated ids across pieces handled by different threads', async () => {
    const { key } = await createOrg(t);
    const lines = ['TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE'];
    const expected: string[] = [];
    for (let i = 0; i < 60000; i++) {
      // Every 997th row repeats an id from 10,000 rows back (another piece); every 499th one nearby.
      const repeat = i >= 10000 && i % 997 === 0 ? i - 10000 : i >= 5 && i % 499 === 0 ? i - 5 : -1;
      const id = `TXN_${repeat >= 0 ? repeat : i}`;
      const line = `${id},MERCH_${i % 300},Zone${i % 7},Food,${(i % 1000) + 0.25},2025-02-0${(i % 9) + 1} 10:00:00,+1555${String(i).padStart(7, '0')}`;
      lines.push(line);
      if (repeat >= 0) {
        expected.push(`${i + 2},DUPLICATE_ID,"${line}"`);
      }
    }
    const body = lines.join('\n') + '\n';
    expect(body.length).toBeGreaterThan(4 << 20);
    const res = await uploadRaw(t, key, 'transactions', body).expect(202);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done).toMatchObject({ status: 'COMPLETED', rejectsByReason: { DUPLICATE_ID: expected.length } });
    expect(done.progress.rowsLoaded).toBe(60000 - expected.length);
    const distinct = await t.db.query('SELECT count(DISTINCT transaction_id)::int AS n, min(line_no) AS first FROM transactions WHERE import_id = $1 AND transaction_id = $2', [
      res.body.importId,
      'TXN_0',
    ]);
    expect(distinct.rows[0]).toEqual({ n: 1, first: 2 });
    const rejects = await request(t.http).get(`/api/v1/imports/${res.body.importId}/rejects`).set('X-API-Key', key).expect(200);
    expect(rejects.text.trim().split('\n').slice(1).sort()).toEqual(expected.sort());
  });

  it('should load the last row of a file that does not end with a newline', async () => {
    const { key } = await createOrg(t);
    const csv =
      'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\nA1,M1,North,Food,1.00,2025-01-05 10:00:00,+15551234567\nA2,M1,North,Food,2.00,2025-01-05 10:00:00,+15551234567';
    const res = await uploadCsv(t, key, 'transactions', csv).expect(202);
    expect(await waitForImport(t, key, res.body.importId)).toMatchObject({ status: 'COMPLETED', progress: { rowsRead: 2, rowsLoaded: 2 } });
  });

  it('should fail and load nothing when the reject ratio exceeds the default threshold', async () => {
    const { key } = await createOrg(t);
    const res = await uploadCsv(t, key, 'transactions', fixture('ok/transactions-mixed.csv')).expect(202);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done.status).toBe('FAILED');
    expect(done.error).toMatch(/8 of 12 rows \(66\.7 %\) were rejected, above the threshold of 50 %/);
    expect(await countRows(t, 'transactions', res.body.importId)).toBe(0);
  });

  it('should reject ids the organization already has as DUPLICATE_ID, and not those of other organizations', async () => {
    const a = await createOrg(t);
    const b = await createOrg(t);
    const first = await uploadCsv(t, a.key, 'transactions', SAMPLE).expect(202);
    await waitForImport(t, a.key, first.body.importId);
    const again = await uploadRaw(t, a.key, 'transactions', SAMPLE, 'rejectThreshold=1').expect(202);
    const done = await waitForImport(t, a.key, again.body.importId);
    expect(done).toMatchObject({ status: 'COMPLETED', rejectsByReason: { DUPLICATE_ID: 1000 } });
    expect(done.progress.rowsLoaded).toBe(0);
    const other = await uploadCsv(t, b.key, 'transactions', SAMPLE).expect(202);
    expect((await waitForImport(t, b.key, other.body.importId)).progress.rowsLoaded).toBe(1000);
  });

  it('should load merchants and reject a repeated MERCHANT_ID', async () => {
    const { key } = await createOrg(t);
    const res = await uploadCsv(t, key, 'merchants', fixture('ok/merchants.csv')).expect(202);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done).toMatchObject({ status: 'COMPLETED', rejectsByReason: { DUPLICATE_ID: 1 } });
    const rows = await t.db.query('SELECT merchant_id, name, zone FROM merchants WHERE import_id = $1 ORDER BY line_no', [res.body.importId]);
    expect(rows.rows).toEqual([
      { merchant_id: 'MERCH_1', name: 'Blue Door Cafe', zone: 'NORTH' },
      { merchant_id: 'MERCH_2', name: null, zone: null },
      { merchant_id: 'MERCH_99', name: 'Never Sold', zone: 'HARBOR' },
    ]);
  });

  describe('bad input', () => {
    let key: string;
    beforeAll(async () => {
      ({ key } = await createOrg(t));
    });

    it.each([
      ['not-ok/invalid-empty.csv', 'EMPTY_FILE', /empty/],
      ['not-ok/invalid-header-only.csv', 'NO_DATA_ROWS', /no data rows/],
      ['not-ok/invalid-missing-columns.csv', 'MISSING_COLUMNS', /AMOUNT, TIMESTAMP/],
      ['not-ok/invalid-no-header.csv', 'CSV_HEADER_MISSING', /not a transactions header/],
      ['not-ok/invalid-binary.csv', 'NOT_CSV', /NUL bytes/],
      ['not-ok/invalid-not-utf8.csv', 'NOT_CSV', /not UTF-8/],
    ])('should answer 400 for %s with %s and queue nothing', async (file, code, message) => {
      const res = await uploadCsv(t, key, 'transactions', fixture(file)).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: code });
      expect(res.body.message).toMatch(message);
      const list = await request(t.http).get('/api/v1/imports').set('X-API-Key', key).expect(200);
      expect(list.body.total).toBe(0);
    });

    it('should name the missing columns in details', async () => {
      const res = await uploadCsv(t, key, 'transactions', fixture('not-ok/invalid-missing-columns.csv')).expect(400);
      expect(res.body.details.missing).toEqual(['AMOUNT', 'TIMESTAMP']);
    });

    it('should answer 400 for an unknown kind, listing the valid ones', async () => {
      const res = await uploadCsv(t, key, 'nope', SAMPLE).expect(400);
      expect(res.body).toMatchObject({ error: 'UNKNOWN_KIND' });
      expect(res.body.message).toMatch(/transactions, merchants/);
      await request(t.http).post('/api/v1/imports/nope').set('X-API-Key', key).set('Content-Type', 'text/csv').send('a,b\n1,2\n').expect(400);
    });

    it('should answer 400 when kind or file is missing and 415 when the body is not multipart', async () => {
      const noKind = await request(t.http).post('/api/v1/imports').set('X-API-Key', key).attach('file', SAMPLE, 'a.csv').expect(400);
      expect(noKind.body.error).toBe('KIND_REQUIRED');
      const noFile = await request(t.http).post('/api/v1/imports').set('X-API-Key', key).field('kind', 'transactions').expect(400);
      expect(noFile.body.error).toBe('FILE_REQUIRED');
      const json = await request(t.http).post('/api/v1/imports').set('X-API-Key', key).send({ kind: 'transactions' }).expect(415);
      expect(json.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('should answer 400 for a reject threshold outside 0..1', async () => {
      const res = await request(t.http).post('/api/v1/imports/transactions?rejectThreshold=2').set('X-API-Key', key).set('Content-Type', 'text/csv').send(SAMPLE).expect(400);
      expect(res.body.error).toBe('INVALID_REJECT_THRESHOLD');
    });

    it('should answer 400 for a malformed import id and 404 for an unknown one', async () => {
      await request(t.http).get('/api/v1/imports/not-a-uuid').set('X-API-Key', key).expect(400);
      const res = await request(t.http).get('/api/v1/imports/00000000-0000-4000-8000-000000000000').set('X-API-Key', key).expect(404);
      expect(res.body).toMatchObject({ error: 'IMPORT_NOT_FOUND' });
    });
  });

  it('should return the first import for a repeated Idempotency-Key instead of loading twice', async () => {
    const { key } = await createOrg(t);
    const first = await uploadCsv(t, key, 'transactions', SAMPLE).set('Idempotency-Key', 'abc-1').expect(202);
    const second = await uploadCsv(t, key, 'transactions', SAMPLE).set('Idempotency-Key', 'abc-1').expect(200);
    expect(second.body.importId).toBe(first.body.importId);
    expect(second.headers['idempotent-replayed']).toBe('true');
    await waitForImport(t, key, first.body.importId);
    const list = await request(t.http).get('/api/v1/imports').set('X-API-Key', key).expect(200);
    expect(list.body.total).toBe(1);
    expect((await t.db.query('SELECT count(*)::int AS n FROM imports WHERE idempotency_key = $1', ['abc-1'])).rows[0].n).toBe(1);
  });

  it('should remove exactly the rows of a deleted import and put the numbers back', async () => {
    const { key, orgId } = await createOrg(t);
    const a = await uploadCsv(t, key, 'transactions', SAMPLE).expect(202);
    await waitForImport(t, key, a.body.importId);
    const b = await uploadRaw(t, key, 'transactions', fixture('ok/transactions-mixed.csv'), 'rejectThreshold=0.9').expect(202);
    await waitForImport(t, key, b.body.importId);
    const total = async () => (await t.db.query('SELECT count(*)::int AS n, sum(amount)::text AS s FROM transactions WHERE org_id = $1', [orgId])).rows[0];
    const before = await total();
    expect(before.n).toBe(1004);
    const del = await request(t.http).delete(`/api/v1/imports/${b.body.importId}`).set('X-API-Key', key).expect(200);
    expect(del.body).toEqual({ importId: b.body.importId, outcome: 'REMOVED', rowsRemoved: 4 });
    // Hidden at once; its partitions are detached and dropped in the background.
    await waitForPurge(t, b.body.importId, ['transactions', 'tx_rollups', 'tx_customers']);
    const after = await total();
    expect(after.n).toBe(1000);
    expect(Number(after.s)).toBeCloseTo(Number(before.s) - 1234.5 - 12 - 7.25 - 0, 2);
    await request(t.http).get(`/api/v1/imports/${b.body.importId}`).set('X-API-Key', key).expect(404);
    const version = await t.db.query('SELECT data_version FROM organizations WHERE id = $1', [orgId]);
    expect(Number(version.rows[0].data_version)).toBe(3);
  });

  it('should list imports with status and kind filters and pagination', async () => {
    const { key } = await createOrg(t);
    const ok = await uploadCsv(t, key, 'transactions', SAMPLE).expect(202);
    const bad = await uploadCsv(t, key, 'transactions', fixture('ok/transactions-mixed.csv')).expect(202);
    await waitForImport(t, key, ok.body.importId);
    await waitForImport(t, key, bad.body.importId);
    const failed = await request(t.http).get('/api/v1/imports?status=FAILED').set('X-API-Key', key).expect(200);
    expect(failed.body.data.map((i: { importId: string }) => i.importId)).toEqual([bad.body.importId]);
    const page = await request(t.http).get('/api/v1/imports?pageSize=1&page=2').set('X-API-Key', key).expect(200);
    expect(page.body).toMatchObject({ page: 2, pageSize: 1, total: 2, totalPages: 2 });
    expect(page.body.data).toHaveLength(1);
    await request(t.http).get('/api/v1/imports?status=NOPE').set('X-API-Key', key).expect(400);
    const merchants = await request(t.http).get('/api/v1/imports?kind=merchants').set('X-API-Key', key).expect(200);
    expect(merchants.body.total).toBe(0);
  });

  it('should stream progress as server-sent events ending with the final status', async () => {
    const { key } = await createOrg(t);
    const res = await uploadCsv(t, key, 'transactions', SAMPLE).expect(202);
    const events = await request(t.http)
      .get(`/api/v1/imports/${res.body.importId}/events`)
      .set('X-API-Key', key)
      .buffer(true)
      .parse((r, cb) => {
        let data = '';
        r.on('data', (c: Buffer) => (data += c.toString()));
        r.on('end', () => cb(null, data));
      })
      .expect(200);
    expect(events.headers['content-type']).toMatch(/text\/event-stream/);
    const text = events.body as string;
    expect(text).toMatch(/event: progress/);
    expect(text).toMatch(/event: completed\nid: \d+\ndata: .*"status":"COMPLETED"/);
  });

  it('should serve the seed-compatible upload and performance-stats routes', async () => {
    const { key } = await createOrg(t);
    const res = await request(t.http).post('/api/v1/uploads').set('X-API-Key', key).attach('file', SAMPLE, 'tx.csv').expect(202);
    expect(res.body.kind).toBe('transactions');
    await waitForImport(t, key, res.body.importId);
    const stats = await request(t.http).get(`/api/v1/performance-stats/${res.body.importId}`).set('X-API-Key', key).expect(200);
    expect(stats.body).toMatchObject({ importId: res.body.importId, status: 'COMPLETED', rowsProcessed: 1000, rowsLoaded: 1000, rowsRejected: 0 });
    expect(stats.body.executionTimeMs).toBeGreaterThan(0);
  });

  it('should list the kinds with their columns', async () => {
    const { key } = await createOrg(t);
    const res = await request(t.http).get('/api/v1/kinds').set('X-API-Key', key).expect(200);
    const tx = res.body.find((k: { name: string }) => k.name === 'transactions');
    expect(tx.requiredColumns).toEqual(['TRANSACTION_ID', 'MERCHANT_ID', 'ZONE', 'CATEGORY', 'AMOUNT', 'TIMESTAMP', 'CUSTOMER_PHONE']);
    expect(res.body.find((k: { name: string }) => k.name === 'merchants')).toMatchObject({ requiredColumns: ['MERCHANT_ID'], optionalColumns: ['NAME', 'ZONE'] });
  });
});

describe('Imports on the event-loop thread (LOAD_THREADS=1)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ LOAD_THREADS: 1, REDIS_PREFIX: `${process.env.REDIS_PREFIX}:inline` });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should clean, reject and load exactly as the threaded path does', async () => {
    const { key } = await createOrg(t);
    const res = await uploadRaw(t, key, 'transactions', fixture('ok/transactions-mixed.csv'), 'rejectThreshold=0.9').expect(202);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done).toMatchObject({ status: 'COMPLETED', progress: { rowsRead: 12, rowsLoaded: 4, rowsRejected: 8 } });
    expect(done.rejectsByReason).toEqual(MIXED_REJECTS);
    const ids = await t.db.query('SELECT transaction_id FROM transactions WHERE import_id = $1 ORDER BY line_no', [res.body.importId]);
    expect(ids.rows.map((r) => r.transaction_id)).toEqual(['TXN_1', 'TXN_2', 'TXN_10', 'TXN_11']);
  });
});
