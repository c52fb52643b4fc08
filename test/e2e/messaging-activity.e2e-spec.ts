import request from 'supertest';
import { Prng } from '../../libs/datagen';
import { bucketOf } from '../factories/messaging-reference';
import { createOrg, startTestApp, TestApp, uploadRaw, waitForImport } from '../factories/test-app';

/**
 * Engagement and system health through HTTP, against plain TypeScript computations over the raw
 * rows of generated files (users acting over a week in daily waves; five services sampled every
 * few minutes, some slow or busy).
 */
const ACTIONS = ['login', 'logout', 'message_send', 'message_read', 'template_create', 'template_edit', 'contact_import', 'contact_export', 'report_view'];
const SERVICES = ['api_gateway', 'message_service', 'contact_service', 'template_service', 'analytics_service'];
const START = Date.parse('2025-03-24T00:00:00Z'); // a Monday; Europe/London moves to summer time on the 30th
const DAY = 86_400_000;

interface Action {
  user: string;
  type: string;
  ms: number;
  durationMs: number | null;
}
interface Sample {
  service: string;
  metric: string;
  value: number;
  ms: number;
}

function engagementFile(): { csv: string; rows: Action[] } {
  const r = new Prng('engagement-e2e');
  const rows: Action[] = [];
  for (let i = 0; i < 3000; i++) {
    const ms = START + Math.floor(r.float() * 8 * DAY);
    rows.push({ user: `u${r.below(120)}`, type: ACTIONS[r.below(ACTIONS.length)], ms, durationMs: r.chance(0.7) ? r.below(900_000) : null });
  }
  const lines = rows.map(
    (a, i) => `${a.user},${i % 3 === 0 ? a.type.toUpperCase() : a.type},${i % 4 === 0 ? String(a.ms / 1000) : new Date(a.ms).toISOString()},${a.durationMs ?? ''}`,
  );
  return { csv: ['user_id,action_type,timestamp,duration_ms', ...lines].join('\n') + '\n', rows };
}

function metricsFile(): { csv: string; rows: Sample[] } {
  const r = new Prng('system-e2e');
  const rows: Sample[] = [];
  for (let t = START; t < START + 3 * DAY; t += 7 * 60_000) {
    for (const service of SERVICES) {
      const slow = service === 'message_service' ? 1.6 : 0.4;
      rows.push({ service, metric: 'response_time', value: Math.round((slow + r.float() * 0.8) * 1000) / 1000, ms: t });
      rows.push({ service, metric: 'cpu_usage', value: Math.round((service === 'analytics_service' ? 70 : 30) + r.float() * 25), ms: t });
      rows.push({ service, metric: 'memory_usage', value: Math.round((40 + r.float() * 30) * 10) / 10, ms: t });
    }
  }
  const lines = rows.map((s) => `${s.service},${s.metric},${s.value},${new Date(s.ms).toISOString()}`);
  return { csv: ['service_name,metric_name,metric_value,timestamp', ...lines].join('\n') + '\n', rows };
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/** The engagement figures of a set of actions, computed on their own. */
function refEngagement(list: Action[], weights: Record<string, number>) {
  const users = new Set(list.map((a) => a.user)).size;
  const actions = Object.fromEntries(ACTIONS.map((t) => [t, list.filter((a) => a.type === t).length]));
  const withDuration = list.filter((a) => a.durationMs !== null);
  const mean = withDuration.length ? withDuration.reduce((s, a) => s + a.durationMs!, 0) / withDuration.length : null;
  const weighted = list.reduce((s, a) => s + (weights[a.type] ?? 1), 0);
  const rate = users === 0 || mean === null ? 0 : round((weighted / users) * Math.min(mean / 1000 / 300, 1) * 100, 2);
  return { unique_users: users, total_actions: list.length, actions, average_duration_ms: mean === null ? null : round(mean, 2), engagement_rate: rate };
}

describe('Messaging engagement and system health (e2e)', () => {
  let t: TestApp;
  let key: string;
  const engagement = engagementFile();
  const metrics = metricsFile();
  const get = (p: string) => request(t.http).get(`/api/v1/messaging/${p}`).set('X-API-Key', key);
  const load = async (kind: string, csv: string) => {
    const res = await uploadRaw(t, key, kind, csv).expect(202);
    expect((await waitForImport(t, key, res.body.importId)).status).toBe('COMPLETED');
  };

  beforeAll(async () => {
    t = await startTestApp();
    ({ key } = await createOrg(t, 'messaging-activity'));
    await load('engagement-events', engagement.csv);
    await load('system-metrics', metrics.csv);
  });

  afterAll(async () => {
    await t?.close();
  });

  it.each<[string, 'daily' | 'weekly' | 'hourly', string, string]>([
    ['daily in London across the change to summer time', 'daily', 'Europe/London', ''],
    ['weekly in UTC with weights', 'weekly', 'UTC', 'login:0.5,message_send:2,report_view:0'],
  ])('should give engagement %s like a plain computation', async (_name, granularity, tz, weights) => {
    const from = '2025-03-24T00:00:00Z';
    const to = '2025-04-01T00:00:00Z';
    const res = await get(`engagement?from=${from}&to=${to}&tz=${tz}&granularity=${granularity}&weights=${weights}`).expect(200);
    const w = Object.fromEntries(
      weights
        .split(',')
        .filter(Boolean)
        .map((p) => [p.split(':')[0], Number(p.split(':')[1])]),
    );
    const inWindow = engagement.rows.filter((a) => a.ms >= Date.parse(from) && a.ms < Date.parse(to));
    const groups = new Map<string, { local: string; first: number; list: Action[] }>();
    for (const a of inWindow) {
      const b = bucketOf(a.ms, tz, granularity);
      const g = groups.get(b.key) ?? { local: b.local, first: a.ms, list: [] };
      g.first = Math.min(g.first, a.ms);
      g.list.push(a);
      groups.set(b.key, g);
    }
    const expected = [...groups.values()].sort((a, b) => a.first - b.first).map((g) => ({ local: g.local, ...refEngagement(g.list, w) }));
    expect(res.body.buckets.map(({ start, ...b }: { start: string }) => ({ local: start.slice(0, 19), ...b }))).toEqual(expected);
    expect(res.body.summary).toEqual(refEngagement(inWindow, w));
    if (tz === 'Europe/London') {
      expect(res.body.buckets.map((b: { start: string }) => b.start.slice(19))).toContain('+01:00');
    }
  });

  it('should give each service its averages, p95, peaks, SLA compliance and health like a plain computation', async () => {
    const from = '2025-03-24T00:00:00Z';
    const to = '2025-03-27T00:00:00Z';
    const res = await get(`system?from=${from}&to=${to}&granularity=daily`).expect(200);
    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      // Linear interpolation between closest ranks.
      const pos = 0.95 * (sorted.length - 1);
      const p95 = sorted[Math.floor(pos)] + (sorted[Math.ceil(pos)] - sorted[Math.floor(pos)]) * (pos - Math.floor(pos));
      return { samples: values.length, average: round(values.reduce((a, b) => a + b, 0) / values.length, 4), p95: round(p95, 4), peak: sorted[sorted.length - 1] };
    };
    for (const service of SERVICES) {
      const mine = metrics.rows.filter((s) => s.service === service);
      const of = (metric: string) => mine.filter((s) => s.metric === metric).map((s) => s.value);
      const summary = res.body.summary.services[service];
      for (const metric of ['response_time', 'cpu_usage', 'memory_usage']) {
        expect(summary.metrics[metric].samples).toBe(of(metric).length);
        expect(summary.metrics[metric].average).toBeCloseTo(stats(of(metric)).average, 4);
        expect(summary.metrics[metric].p95).toBeCloseTo(stats(of(metric)).p95, 3);
        expect(summary.metrics[metric].peak).toBe(stats(of(metric)).peak);
      }
      const rt = of('response_time');
      expect(summary.sla_compliance).toBe(round(rt.filter((v) => v < 2).length / rt.length, 4));
      const avg = (m: string) => of(m).reduce((a, b) => a + b, 0) / of(m).length;
      expect(summary.health).toEqual({
        response_time_ok: avg('response_time') < 2,
        cpu_ok: avg('cpu_usage') < 80,
        memory_ok: avg('memory_usage') < 80,
        healthy: avg('response_time') < 2 && avg('cpu_usage') < 80 && avg('memory_usage') < 80,
      });
    }
    expect(res.body.buckets.map((b: { start: string }) => b.start)).toEqual(['2025-03-24T00:00:00+00:00', '2025-03-25T00:00:00+00:00', '2025-03-26T00:00:00+00:00']);
    const firstDay = metrics.rows.filter((s) => s.ms < START + DAY && s.service === 'api_gateway' && s.metric === 'cpu_usage').map((s) => s.value);
    expect(res.body.buckets[0].services.api_gateway.cpu_usage.samples).toBe(firstDay.length);
    expect(res.body.buckets[0].services.api_gateway.cpu_usage.peak).toBe(Math.max(...firstDay));
    const only = await get(`system?from=${from}&to=${to}&service_name=MESSAGE_SERVICE`).expect(200);
    expect(Object.keys(only.body.summary.services)).toEqual(['message_service']);
  });

  it('should store engagement and system reports as their answers, with the limits given', async () => {
    const post = (type: string, body: object) => request(t.http).post(`/api/v1/messaging/reports/${type}`).set('X-API-Key', key).send(body);
    const window = { start_time: '2025-03-24T00:00:00Z', end_time: '2025-03-27T00:00:00Z', time_period: 'daily' };
    const engagementReport = await post('engagement', { ...window, filters: { weights: 'login:2' } }).expect(201);
    const {
      queryTimeMs: _q,
      cached: _c,
      ...expected
    } = (await get('engagement?from=2025-03-24T00:00:00Z&to=2025-03-27T00:00:00Z&granularity=daily&weights=login:2').expect(200)).body;
    expect(engagementReport.body.result).toEqual(expected);
    const strict = await post('system', { ...window, performance_thresholds: { response_time: 0.5, cpu_usage: 90 } }).expect(201);
    const rt = metrics.rows.filter((s) => s.service === 'api_gateway' && s.metric === 'response_time').map((s) => s.value);
    expect(strict.body.result.summary.services.api_gateway.sla_compliance).toBe(round(rt.filter((v) => v < 0.5).length / rt.length, 4));
    // analytics_service runs at 70-95 % cpu: not ok under the default 80, ok under 90.
    expect(strict.body.result.summary.services.analytics_service.health.cpu_ok).toBe(true);
    expect((await get('system?from=2025-03-24T00:00:00Z&to=2025-03-27T00:00:00Z').expect(200)).body.summary.services.analytics_service.health.cpu_ok).toBe(false);
  });

  it.each([
    ['engagement?weights=login:x', 'INVALID_WEIGHTS'],
    ['engagement?weights=dance:1', 'INVALID_WEIGHTS'],
    ['system?service_name=billing', 'INVALID_SERVICE_NAME'],
    ['system?tz=Nowhere/City', 'INVALID_TIMEZONE'],
  ])('should answer %s with a 400 naming it', async (path, code) => {
    expect((await get(path).expect(400)).body.error).toBe(code);
  });
});
