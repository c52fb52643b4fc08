import { createMessageEventsCleaner, Reject } from '../../libs/cleaners';
import { messagingCsvString } from '../../libs/datagen';
import { parseRecords } from '../../libs/datagen/parsed-csv.spec-helper';
import request from 'supertest';
import { csvToObjects, toNdjson } from '../factories/json-rows';
import { createOrg, startTestApp, TestApp, uploadRaw, waitForImport } from '../factories/test-app';

/**
 * The three messaging kinds through the generic import routes: generated WhatsApp-style event
 * lifecycles land exactly (faulty rows rejected by reason, events re-sent within the file or in a
 * later file rejected as DUPLICATE_EVENT without counting towards the reject threshold, the same
 * instant written as epoch seconds or ISO 8601 being the same event), engagement events and
 * system metrics likewise.
 */
const EVENTS = messagingCsvString({ events: 6000, seed: 11, days: 2, end: '2025-06-30T00:00:00Z' });

describe('Messaging imports (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;

  const load = async (kind: string, csv: string, query = '') => {
    const res = await uploadRaw(t, key, kind, csv, query).expect(202);
    return waitForImport(t, key, res.body.importId);
  };

  beforeAll(async () => {
    t = await startTestApp();
    ({ key, orgId } = await createOrg(t, 'messaging'));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should load every distinct clean event of a generated file and reject the rest by reason', async () => {
    // Expected, from the file: clean rows keyed by (message_id, status, instant), first occurrence kept.
    const clean = createMessageEventsCleaner({ now: new Date() });
    const seen = new Set<string>();
    let repeats = 0;
    const rejects: Record<string, number> = {};
    for (const fields of parseRecords(EVENTS.csv).slice(1)) {
      const out = clean(fields);
      if (out instanceof Reject) {
        rejects[out.reason] = (rejects[out.reason] ?? 0) + 1;
        continue;
      }
      const k = `${out[0]}|${out[1]}|${Date.parse(out[2]!.replace(' ', 'T'))}`;
      if (seen.has(k)) repeats++;
      seen.add(k);
    }
    expect(repeats).toBeGreaterThan(0);
    const done = await load('message-events', EVENTS.csv);
    expect(done.status).toBe('COMPLETED');
    expect(done.progress.rowsLoaded).toBe(seen.size);
    expect(done.rejectsByReason).toEqual({ ...rejects, DUPLICATE_EVENT: repeats });
    expect(EVENTS.faultyRows).toBe(Object.values(rejects).reduce((a, b) => a + b, 0));

    const {
      rows: [stored],
    } = await t.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT (message_id, status, ts))::int AS keys, count(*) FILTER (WHERE status NOT IN ('queued','sent','delivered','read','failed'))::int AS odd
         FROM message_events WHERE org_id = $1 AND import_id = $2`,
      [orgId, done.importId],
    );
    expect(stored).toEqual({ n: seen.size, keys: seen.size, odd: 0 });
  });

  it('should complete a re-sent file with every event a DUPLICATE_EVENT, which does not count towards the threshold', async () => {
    const again = await load('message-events', EVENTS.csv, 'rejectThreshold=0.05');
    expect(again.status).toBe('COMPLETED');
    expect(again.progress.rowsLoaded).toBe(0);
    expect(again.rejectsByReason.DUPLICATE_EVENT).toBeGreaterThan(5000);
  });

  it('should take the same instant as epoch seconds or ISO 8601 as the same event', async () => {
    const head = 'message_id,status,timestamp,error_code\n';
    const first = await load('message-events', `${head}m-x,sent,1748772005,\nm-x,delivered,2025-06-01T10:00:09Z,\n`);
    expect(first.rejectsByReason).toEqual({});
    const second = await load('message-events', `${head}m-x,SENT,2025-06-01T12:00:05+02:00,\nm-x,undelivered,2025-06-01T10:00:10Z,131026\nm-x,seen,2025-06-01T10:00:11Z,\n`);
    expect(second.rejectsByReason).toEqual({ DUPLICATE_EVENT: 1, INVALID_STATUS: 1 });
    const { rows } = await t.db.query(
      `SELECT status, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS ts, error_code, channel FROM message_events WHERE org_id = $1 AND message_id = 'm-x' ORDER BY ts`,
      [orgId],
    );
    expect(rows).toEqual([
      { status: 'sent', ts: '2025-06-01 10:00:05', error_code: null, channel: 'whatsapp' },
      { status: 'delivered', ts: '2025-06-01 10:00:09', error_code: null, channel: 'whatsapp' },
      { status: 'failed', ts: '2025-06-01 10:00:10', error_code: '131026', channel: 'whatsapp' },
    ]);
  });

  it('should give the same delivery and failures answers for the CSV, the JSON array and the NDJSON of the same events', async () => {
    const objects = csvToObjects(EVENTS.csv);
    const bodies: Array<[format: string, contentType: string, body: string]> = [
      ['csv', 'text/csv', EVENTS.csv],
      ['json', 'application/json', JSON.stringify(objects)],
      ['ndjson', 'application/x-ndjson', toNdjson(objects)],
    ];
    const answers: Record<string, unknown[]> = {};
    for (const [format, contentType, body] of bodies) {
      const org = await createOrg(t, `messaging-${format}`);
      const res = await request(t.http).post('/api/v1/imports/message-events').set('X-API-Key', org.key).set('Content-Type', contentType).send(body).expect(202);
      const done = await waitForImport(t, org.key, res.body.importId);
      expect(done.status).toBe('COMPLETED');
      answers[format] = [done.progress.rowsLoaded, done.rejectsByReason];
      const window = 'from=2025-06-27T00:00:00Z&to=2025-07-01T00:00:00Z';
      for (const path of [
        `delivery?${window}`,
        `delivery?${window}&granularity=daily&tz=Asia/Kolkata`,
        `failures?${window}`,
        `failures?from=2025-06-28T07:30:00Z&to=2025-06-29T20:30:00Z`,
      ]) {
        const answer = await request(t.http).get(`/api/v1/messaging/${path}`).set('X-API-Key', org.key).expect(200);
        const { queryTimeMs: _q, cached: _c, dataVersion: _d, ...rest } = answer.body as Record<string, unknown>;
        answers[format].push(rest);
      }
    }
    expect((answers.csv[0] as number) > 0).toBe(true);
    expect((answers.csv[2] as { summary: { messages: number } }).summary.messages).toBeGreaterThan(1000);
    expect(answers.json).toEqual(answers.csv);
    expect(answers.ndjson).toEqual(answers.csv);
  });

  it('should load engagement events and system metrics, rejecting what is not one', async () => {
    const engagement = await load(
      'engagement-events',
      'user_id,action_type,timestamp,duration_ms\nu1,Login,2025-06-01T09:00:00Z,\nu1,message_send,2025-06-01T09:01:00Z,1500\nu2,dance,2025-06-01T09:02:00Z,\nu2,report_view,1748768640,-5\n',
      'rejectThreshold=0.6',
    );
    expect(engagement.status).toBe('COMPLETED');
    expect(engagement.rejectsByReason).toEqual({ INVALID_ACTION_TYPE: 1, INVALID_DURATION: 1 });
    const metrics = await load(
      'system-metrics',
      'service_name,metric_name,metric_value,timestamp\napi_gateway,response_time,1.25,2025-06-01T09:00:00Z\nMESSAGE_SERVICE,cpu_usage,85.5,2025-06-01T09:00:00Z\nbilling,cpu_usage,1,2025-06-01T09:00:00Z\napi_gateway,memory_usage,-3,2025-06-01T09:00:00Z\n',
      'rejectThreshold=0.6',
    );
    expect(metrics.status).toBe('COMPLETED');
    expect(metrics.rejectsByReason).toEqual({ INVALID_SERVICE_NAME: 1, NEGATIVE_METRIC_VALUE: 1 });
    expect((await t.db.query(`SELECT user_id, action_type, duration_ms FROM engagement_events WHERE org_id = $1 ORDER BY ts`, [orgId])).rows).toEqual([
      { user_id: 'u1', action_type: 'login', duration_ms: null },
      { user_id: 'u1', action_type: 'message_send', duration_ms: '1500' },
    ]);
    expect((await t.db.query(`SELECT service_name, metric_name, metric_value FROM system_metrics WHERE org_id = $1 ORDER BY service_name`, [orgId])).rows).toEqual([
      { service_name: 'api_gateway', metric_name: 'response_time', metric_value: '1.25' },
      { service_name: 'message_service', metric_name: 'cpu_usage', metric_value: '85.5' },
    ]);
  });
});
