import request from 'supertest';
import { messagingCsvString } from '../../libs/datagen';
import { RefEvent, refDelivery, refEvents, RefOutcome, refOutcomes, RefWindow } from '../factories/messaging-reference';
import { createOrg, startTestApp, TestApp, uploadRaw, waitForImport } from '../factories/test-app';

/**
 * Messaging through HTTP against an independent computation over the raw events
 * (test/factories/messaging-reference.ts): each message's outcome from all its events, in any
 * order and across imports, kept exact when an import publishes and when one is deleted.
 */
const GENERATED = messagingCsvString({ events: 8000, seed: 5, days: 3, end: '2025-06-30T00:00:00Z', errorRate: 0 });

/** Two overlapping uploads of the generated file: its first 60 % of lines and its last 60 %. */
function splitFile(): [string, string] {
  const [header, ...lines] = GENERATED.csv.trimEnd().split('\n');
  const a = lines.slice(0, Math.floor(lines.length * 0.6));
  const b = lines.slice(Math.floor(lines.length * 0.4));
  return [[header, ...a].join('\n') + '\n', [header, ...b].join('\n') + '\n'];
}

const eventKey = (e: RefEvent) => `${e.messageId}|${e.status}|${e.ms}`;
/** A window whose two ends fall inside quarter hours (the rollup's unit), on the generated days. */
const ODD_FROM = '2025-06-27T03:07:13.250Z';
const ODD_TO = '2025-06-29T20:52:41Z';
/**
 * Messages of 1971 in Monrovia, whose offset was then −0:44:30: its hour boundaries split the
 * UTC quarter hours, so those quarter hours are counted message by message.
 */
const MONROVIA = messagingCsvString({ events: 3000, seed: 9, days: 1, end: '1971-06-02T00:00:00Z', errorRate: 0 });

describe('Messaging (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;
  const [fileA, fileB] = splitFile();

  const load = async (csv: string) => {
    const res = await uploadRaw(t, key, 'message-events', csv).expect(202);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done.status).toBe('COMPLETED');
    return done;
  };
  const remove = (id: string) => request(t.http).delete(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(200);

  /** message_outcomes of the organization in the reference's shape. */
  const storedOutcomes = async () => {
    const { rows } = await t.db.query(
      `SELECT message_id, (extract(epoch FROM first_ts) * 1000)::float8 AS first_ms, (extract(epoch FROM first_sent_ts) * 1000)::float8 AS first_sent_ms,
              (extract(epoch FROM first_delivered_ts) * 1000)::float8 AS first_delivered_ms, is_read, is_failed, error_code,
              provider_latency_ms::float8 AS provider_latency_ms, channel, template_id, campaign_id, events
       FROM message_outcomes WHERE org_id = $1 ORDER BY message_id`,
      [orgId],
    );
    return new Map(
      rows.map((r) => [
        r.message_id,
        {
          messageId: r.message_id,
          firstMs: r.first_ms,
          firstSentMs: r.first_sent_ms,
          firstDeliveredMs: r.first_delivered_ms,
          isRead: r.is_read,
          isFailed: r.is_failed,
          errorCode: r.error_code,
          providerLatencyMs: r.provider_latency_ms,
          channel: r.channel,
          templateId: r.template_id,
          campaignId: r.campaign_id,
          events: r.events,
        },
      ]),
    );
  };

  beforeAll(async () => {
    t = await startTestApp();
    ({ key, orgId } = await createOrg(t, 'messaging'));
  });

  afterAll(async () => {
    await t?.close();
  });

  /**
   * The unfiltered hourly answer (message_slots for whole quarter hours, message_outcomes at the
   * window's ends) over a window whose ends fall inside quarter hours, against the reference.
   */
  const expectDeliveryOf = async (outcomes: Map<string, RefOutcome>) => {
    const w = { tz: 'UTC', granularity: 'hourly' as const, fromMs: Date.parse(ODD_FROM), toMs: Date.parse(ODD_TO) };
    const res = await request(t.http).get(`/api/v1/messaging/delivery?granularity=hourly&from=${ODD_FROM}&to=${ODD_TO}`).set('X-API-Key', key).expect(200);
    expect(res.body.buckets.map(({ start, ...b }: Record<string, unknown>) => ({ local: (start as string).slice(0, 19), ...b }))).toEqual(refDelivery(outcomes, w));
  };

  it('should keep each message outcome from all its events across imports, and after deleting either', async () => {
    const a = await load(fileA);
    expect(await storedOutcomes()).toEqual(refOutcomes(refEvents([fileA])));
    await expectDeliveryOf(refOutcomes(refEvents([fileA])));
    const b = await load(fileB);
    // The overlap was already loaded: repeats, expected.
    expect(b.rejectsByReason.DUPLICATE_EVENT).toBeGreaterThan(1000);
    const both = refOutcomes(refEvents([fileA, fileB]));
    expect(both.size).toBeGreaterThan(2000);
    // Messages whose events are split between the two uploads exist.
    const onlyA = refOutcomes(refEvents([fileA]));
    expect([...both.values()].some((o) => onlyA.has(o.messageId) && onlyA.get(o.messageId)!.events < o.events)).toBe(true);
    expect(await storedOutcomes()).toEqual(both);
    await expectDeliveryOf(both);

    // B stored only its events A did not hold (a repeat is not stored twice): deleting A takes the
    // overlap with it, and each message's outcome is recomputed from what is left.
    await remove(a.importId);
    const inA = new Set(refEvents([fileA]).map(eventKey));
    const storedByB = refEvents([fileB]).filter((e) => !inA.has(eventKey(e)));
    expect(await storedOutcomes()).toEqual(refOutcomes(storedByB));
    await expectDeliveryOf(refOutcomes(storedByB));

    await remove(b.importId);
    expect((await storedOutcomes()).size).toBe(0);
    await expectDeliveryOf(new Map());
    // Loaded again, B holds all its events.
    await load(fileB);
    expect(await storedOutcomes()).toEqual(refOutcomes(refEvents([fileB])));
    await expectDeliveryOf(refOutcomes(refEvents([fileB])));
  });

  describe('delivery and failures', () => {
    let other: { key: string; orgId: string };
    const FROM = '2025-06-26T00:00:00Z';
    const TO = '2025-07-01T00:00:00Z';
    // A US fall-back night: 05:30Z and 06:30Z are both 01:30 in New York (EDT, then EST).
    const DST =
      [
        'message_id,status,timestamp,channel,template_id,error_code',
        'dst-1,sent,2024-11-03T05:30:00Z,whatsapp,t1,',
        'dst-1,delivered,2024-11-03T05:30:02Z,whatsapp,t1,',
        'dst-2,sent,2024-11-03T06:30:00Z,whatsapp,t1,',
        'dst-2,read,2024-11-03T06:30:05.5Z,whatsapp,t1,',
        'dst-3,sent,2024-11-03T06:45:00Z,whatsapp,t1,',
        'dst-3,failed,2024-11-03T06:45:09Z,whatsapp,t1,131026',
      ].join('\n') + '\n';
    const get = (p: string, k = key) => request(t.http).get(`/api/v1/messaging/${p}`).set('X-API-Key', k);
    const reference = () => refOutcomes(refEvents([GENERATED.csv, DST, MONROVIA.csv]));
    /** The product's buckets in the reference's shape (local wall time instead of start with offset). */
    const asRef = (buckets: Array<Record<string, unknown>>) => buckets.map(({ start, ...b }) => ({ local: (start as string).slice(0, 19), ...b }));

    beforeAll(async () => {
      ({ key, orgId } = await createOrg(t, 'messaging-delivery'));
      other = await createOrg(t, 'messaging-other');
      await load(GENERATED.csv);
      await load(DST);
      await load(MONROVIA.csv);
    });

    it.each<[string, Omit<RefWindow, 'fromMs' | 'toMs'>]>([
      ['hourly in UTC', { tz: 'UTC', granularity: 'hourly' }],
      ['daily in New York', { tz: 'America/New_York', granularity: 'daily' }],
      ['weekly in London', { tz: 'Europe/London', granularity: 'weekly' }],
      ['hourly in Kolkata (a half-hour offset)', { tz: 'Asia/Kolkata', granularity: 'hourly' }],
      ['hourly, sms only', { tz: 'UTC', granularity: 'hourly', channel: 'sms' }],
      ['daily, one template', { tz: 'UTC', granularity: 'daily', templateId: 'tpl_3' }],
    ])('should count every bucket %s like a plain computation over the raw events', async (_name, w) => {
      const q = new URLSearchParams({ from: FROM, to: TO, tz: w.tz, granularity: w.granularity });
      if (w.channel) q.set('channel', w.channel.toUpperCase());
      if (w.templateId) q.set('template_id', w.templateId);
      const res = await get(`delivery?${q}`).expect(200);
      const expected = refDelivery(reference(), { ...w, fromMs: Date.parse(FROM), toMs: Date.parse(TO) });
      expect(expected.length).toBeGreaterThan(0);
      expect(asRef(res.body.buckets)).toEqual(expected);
      const total = expected.reduce((n, b) => n + b.messages, 0);
      const delivered = expected.reduce((n, b) => n + b.delivered, 0);
      expect(res.body.summary).toMatchObject({
        buckets: expected.length,
        messages: total,
        delivered,
        sla_compliance: Math.round((expected.filter((b) => b.delivery_rate >= 99).length / expected.length) * 10_000) / 10_000,
      });
      expect(res.body).toMatchObject({ granularity: w.granularity, tz: w.tz, from: '2025-06-26T00:00:00.000000Z', to: '2025-07-01T00:00:00.000000Z', cached: false });
    });

    it.each<[string, Omit<RefWindow, 'fromMs' | 'toMs'>, string, string]>([
      ['hourly in UTC, both ends inside quarter hours', { tz: 'UTC', granularity: 'hourly' }, ODD_FROM, ODD_TO],
      ['daily in Kolkata, both ends inside quarter hours', { tz: 'Asia/Kolkata', granularity: 'daily' }, ODD_FROM, ODD_TO],
      ['hourly in 1971 Monrovia (−0:44:30: hours split quarter hours)', { tz: 'Africa/Monrovia', granularity: 'hourly' }, '1971-05-31T00:00:00Z', '1971-06-02T00:00:00Z'],
      ['daily in 1971 Monrovia', { tz: 'Africa/Monrovia', granularity: 'daily' }, '1971-05-31T00:00:00Z', '1971-06-02T00:00:00Z'],
      ['inside one quarter hour', { tz: 'UTC', granularity: 'hourly' }, '2025-06-28T10:01:00Z', '2025-06-28T10:14:00Z'],
    ])('should count every bucket %s like a plain computation', async (_name, w, from, to) => {
      const res = await get(`delivery?${new URLSearchParams({ from, to, tz: w.tz, granularity: w.granularity })}`).expect(200);
      const expected = refDelivery(reference(), { ...w, fromMs: Date.parse(from), toMs: Date.parse(to) });
      expect(expected.length).toBeGreaterThan(0);
      expect(asRef(res.body.buckets)).toEqual(expected);
    });

    it('should keep the two real hours of a DST fall-back apart, each with its own offset', async () => {
      const res = await get('delivery?from=2024-11-03&to=2024-11-04&tz=America/New_York&granularity=hourly').expect(200);
      expect(res.body.buckets.map((b: { start: string; messages: number }) => [b.start, b.messages])).toEqual([
        ['2024-11-03T01:00:00-04:00', 1],
        ['2024-11-03T01:00:00-05:00', 2],
      ]);
      expect(res.body.buckets[1]).toMatchObject({ delivered: 1, read: 1, failed: 1, pending: 0, delivery_rate: 50, read_rate: 100, sla_met: false, latency_ms: { p50: 5500 } });
      expect(res.body.from).toBe('2024-11-03T04:00:00.000000Z');
    });

    it.each([
      ['whole days', FROM, TO, ''],
      ['both ends inside quarter hours', ODD_FROM, ODD_TO, ''],
      ['one template', FROM, TO, 'tpl_3'],
    ])('should count failures by code like a plain computation (%s)', async (_name, from, to, templateId) => {
      const outcomes = [...reference().values()].filter(
        (o) => o.firstMs >= Date.parse(from) && o.firstMs < Date.parse(to) && o.isFailed && o.firstDeliveredMs === null && (templateId === '' || o.templateId === templateId),
      );
      expect(outcomes.length).toBeGreaterThan(0);
      const byCode = new Map<string | null, number>();
      for (const o of outcomes) byCode.set(o.errorCode, (byCode.get(o.errorCode) ?? 0) + 1);
      const filter = templateId === '' ? '' : `&template_id=${templateId}`;
      const res = await get(`failures?from=${from}&to=${to}${filter}`).expect(200);
      expect(res.body.failed).toBe(outcomes.length);
      expect(res.body.data.map((r: { error_code: string; messages: number }) => [r.error_code, r.messages]).sort()).toEqual([...byCode].sort());
      expect(res.body.data[0].messages).toBe(Math.max(...byCode.values()));
      const delivery = await get(`delivery?from=${from}&to=${to}&granularity=daily${filter}`).expect(200);
      expect(delivery.body.summary.top_failures[0]).toEqual(res.body.data[0]);
    });

    it('should give the dashboard of the last hour against the hour before, worked out by hand', async () => {
      const now = Date.now();
      const at = (minutesAgo: number, seconds = 0) => new Date(now - minutesAgo * 60_000 + seconds * 1000).toISOString();
      const rows = [
        'message_id,status,timestamp,error_code',
        // The last hour: 4 messages, 3 delivered (one read) after 2, 4 and 6 s, 1 failed.
        `now-1,sent,${at(30)},`,
        `now-1,delivered,${at(30, 2)},`,
        `now-2,sent,${at(20)},`,
        `now-2,read,${at(20, 4)},`,
        `now-3,sent,${at(10)},`,
        `now-3,delivered,${at(10, 6)},`,
        `now-4,sent,${at(5)},`,
        `now-4,failed,${at(5, 1)},131047`,
        // The hour before: 2 messages, both delivered after 1 s.
        `then-1,sent,${at(90)},`,
        `then-1,delivered,${at(90, 1)},`,
        `then-2,sent,${at(80)},`,
        `then-2,delivered,${at(80, 1)},`,
      ];
      await load(rows.join('\n') + '\n');
      const res = await get('dashboard?time_period=hour').expect(200);
      expect(res.body).toMatchObject({
        time_period: 'hour',
        sla_status: 'critical',
        sla_target: 99,
        current: { messages: 4, sent: 4, delivered: 3, read: 1, failed: 1, pending: 0, delivery_rate: 75, read_rate: 33.33, sla_met: false, latency_ms: { p50: 4000, p90: 5600 } },
        previous: { messages: 2, delivered: 2, delivery_rate: 100, sla_met: true, latency_ms: { p50: 1000 } },
        trend: { messages_change_pct: 100, delivery_rate_change: -25, read_rate_change: 33.33, latency_p50_change_pct: 300, direction: 'declining' },
        top_failures: [{ error_code: '131047', messages: 1, share: 100 }],
      });
      expect(Date.parse(res.body.current.to) - Date.parse(res.body.current.from)).toBe(3_600_000);
      expect(res.body.previous.to).toBe(res.body.current.from);
      await get('dashboard?time_period=year').expect(400);
      expect((await get('dashboard?time_period=day').expect(200)).body.current).toMatchObject({ messages: 6, delivered: 5 });
    });

    it('should store a delivery report as the delivery answer over its window, and give it back', async () => {
      const post = (type: string, body: object, k = key) => request(t.http).post(`/api/v1/messaging/reports/${type}`).set('X-API-Key', k).send(body);
      const made = await post('delivery', { start_time: FROM, end_time: TO, time_period: 'daily', filters: { channel: 'whatsapp' } }).expect(201);
      const answer = await get(`delivery?from=${FROM}&to=${TO}&granularity=daily&channel=whatsapp`).expect(200);
      const { queryTimeMs: _q, cached: _c, ...expected } = answer.body;
      expect(made.body).toMatchObject({
        id: expect.any(String),
        type: 'delivery',
        result: expected,
        params: { time_period: 'daily', filters: { channel: 'whatsapp' }, include_sla_metrics: true },
      });
      expect((await request(t.http).get(`/api/v1/messaging/reports/${made.body.id}`).set('X-API-Key', key).expect(200)).body).toEqual(made.body);
      await request(t.http).get(`/api/v1/messaging/reports/${made.body.id}`).set('X-API-Key', other.key).expect(404);

      // A lower SLA target for the report, or no SLA figures at all.
      const lenient = await post('delivery', { start_time: FROM, end_time: TO, performance_thresholds: { delivery_rate: 90 } }).expect(201);
      expect(lenient.body.result.summary.sla_target).toBe(90);
      for (const b of lenient.body.result.buckets) expect(b.sla_met).toBe(b.delivery_rate >= 90);
      const plain = await post('delivery', { start_time: FROM, end_time: TO, include_sla_metrics: false }).expect(201);
      expect(JSON.stringify(plain.body.result)).not.toMatch(/sla_(met|target|compliance)|threshold_breaches/);
      expect(plain.body.result.summary.overall_delivery_rate).toBe(lenient.body.result.summary.overall_delivery_rate);
    });

    it.each([
      [{ start_time: '2025-06-01T00:00:00Z', end_time: '2099-01-01T00:00:00Z' }, 'NOT_IN_FUTURE'],
      [{ start_time: '2025-06-02T00:00:00Z', end_time: '2025-06-01T00:00:00Z' }, 'END_AFTER_START'],
      [{ start_time: '2025-01-01T00:00:00Z', end_time: '2025-06-01T00:00:00Z' }, 'MAX_90_DAYS'],
      [{ start_time: 'last week', end_time: '2025-06-01T00:00:00Z' }, 'ISO_8601'],
      [{ end_time: '2025-06-01T00:00:00Z' }, 'start_time'],
      [{ start_time: '2025-06-01T00:00:00Z', end_time: '2025-06-02T00:00:00Z', time_period: 'yearly' }, 'time_period'],
    ])('should refuse the report request %j with a 400 naming %s', async (body, rule) => {
      const res = await request(t.http).post('/api/v1/messaging/reports/delivery').set('X-API-Key', key).send(body).expect(400);
      expect(JSON.stringify(res.body)).toContain(rule);
    });

    it('should answer 404 for an unknown report type or id', async () => {
      await request(t.http).post('/api/v1/messaging/reports/weather').set('X-API-Key', key).send({ start_time: FROM, end_time: TO }).expect(404);
      await request(t.http).get('/api/v1/messaging/reports/00000000-0000-4000-8000-000000000000').set('X-API-Key', key).expect(404);
      await request(t.http).get('/api/v1/messaging/reports/not-an-id').set('X-API-Key', key).expect(404);
    });

    it('should keep each organization to its own messages', async () => {
      const res = await get(`delivery?from=${FROM}&to=${TO}`, other.key).expect(200);
      expect(res.body.buckets).toEqual([]);
      expect(res.body.summary).toMatchObject({ buckets: 0, messages: 0, overall_delivery_rate: 0 });
    });

    it.each([
      ['tz=Mars/Olympus', 'INVALID_TIMEZONE', 'tz'],
      ['from=2025-06-02&to=2025-06-01', 'INVALID_TIME_RANGE', 'before'],
      ['from=yesterday', 'INVALID_TIME', 'from'],
      ['from=2025-02-30', 'INVALID_TIME', 'from'],
      ['from=2020-01-01&to=2025-01-01&granularity=hourly', 'WINDOW_TOO_LONG', 'buckets'],
      ['granularity=minutely', null, 'granularity must be one of hourly, daily, weekly'],
    ])('should answer %s with a 400 naming the problem', async (query, code, text) => {
      const res = await get(`delivery?${query}`).expect(400);
      if (code) expect(res.body.error).toBe(code);
      expect(JSON.stringify(res.body)).toContain(text);
    });
  });
});
