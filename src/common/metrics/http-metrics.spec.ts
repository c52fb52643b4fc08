import { EventEmitter } from 'events';
import { Registry } from 'prom-client';
import { HTTP_DURATION_BUCKETS, HttpMetrics, UNMATCHED_ROUTE } from './http-metrics';

/** A finished request as Express leaves it: its method, matched route (if any), base URL and status. */
function serve(metrics: HttpMetrics, req: { method: string; url: string; route?: { path: string }; baseUrl?: string }, status: number): void {
  const res = Object.assign(new EventEmitter(), { statusCode: status, req: { baseUrl: '', originalUrl: req.url, ...req } });
  metrics.middleware(res.req as never, res as never, () => undefined);
  res.emit('finish');
}

async function exposition(metrics: HttpMetrics): Promise<string> {
  const registry = new Registry();
  registry.registerMetric(metrics.histogram as never);
  return registry.metrics();
}

describe('HttpMetrics', () => {
  it('should label a request by its route pattern, not its URL', async () => {
    const metrics = new HttpMetrics();
    const route = { path: '/api/v1/imports/:id' };
    serve(metrics, { method: 'GET', url: '/api/v1/imports/4b1c?x=1', route }, 200);
    serve(metrics, { method: 'GET', url: '/api/v1/imports/9f2e', route }, 200);
    serve(metrics, { method: 'DELETE', url: '/api/v1/imports/9f2e', route }, 404);
    const text = await exposition(metrics);
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/api/v1/imports/:id",status="200"} 2');
    expect(text).toContain('http_request_duration_seconds_count{method="DELETE",route="/api/v1/imports/:id",status="404"} 1');
    expect(text).not.toMatch(/4b1c|9f2e/);
  });

  it('should put requests no route answered under one label, wildcard middleware routes and odd methods included', async () => {
    const metrics = new HttpMetrics();
    serve(metrics, { method: 'GET', url: '/nothing/here/1' }, 404);
    serve(metrics, { method: 'GET', url: '/api/v1/nothing/2', route: { path: '/api/v1/{*path}' } }, 404);
    serve(metrics, { method: 'PROPFIND', url: '/x' }, 404);
    const text = await exposition(metrics);
    expect(text).toContain(`http_request_duration_seconds_count{method="GET",route="${UNMATCHED_ROUTE}",status="404"} 2`);
    expect(text).toContain(`http_request_duration_seconds_count{method="OTHER",route="${UNMATCHED_ROUTE}",status="404"} 1`);
    expect(text).not.toMatch(/nothing/);
  });

  it('should label what a mounted app serves by its mount, whatever its base URL holds', async () => {
    const metrics = new HttpMetrics();
    metrics.labelMount('/admin/queues');
    serve(metrics, { method: 'GET', url: '/admin/queues/api/queues?status=failed', route: { path: '/api/queues' }, baseUrl: '/admin/queues/api/queues' }, 200);
    serve(metrics, { method: 'GET', url: '/admin/queues/static/js/main.js', baseUrl: '/admin/queues/static' }, 200);
    serve(metrics, { method: 'GET', url: '/admin/queues' }, 401);
    serve(metrics, { method: 'GET', url: '/admin/queuesX' }, 404);
    const text = await exposition(metrics);
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/admin/queues/*",status="200"} 2');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/admin/queues/*",status="401"} 1');
    expect(text).toContain(`http_request_duration_seconds_count{method="GET",route="${UNMATCHED_ROUTE}",status="404"} 1`);
  });

  it('should export cumulative buckets ending in +Inf, a sum and a count, as prom-client does', async () => {
    const metrics = new HttpMetrics();
    const series = metrics.histogram.series('GET', '/r', '200');
    for (const seconds of [0.0005, 0.003, 0.003, 7, 1000]) series.observe(seconds);
    const text = await exposition(metrics);
    const bucket = (le: string) => {
      const line = text.split('\n').find((l) => l.startsWith('http_request_duration_seconds_bucket{') && l.includes(`le="${le}"`));
      return Number(line?.split(' ')[1]);
    };
    expect(bucket('0.001')).toBe(1);
    expect(bucket('0.0025')).toBe(1);
    expect(bucket('0.005')).toBe(3);
    expect(bucket('5')).toBe(3);
    expect(bucket('10')).toBe(4);
    expect(bucket(String(HTTP_DURATION_BUCKETS[HTTP_DURATION_BUCKETS.length - 1]))).toBe(4);
    expect(bucket('+Inf')).toBe(5);
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/r",status="200"} 5');
    expect(text).toMatch(/http_request_duration_seconds_sum\{method="GET",route="\/r",status="200"\} 1007\.00/);
    expect(text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
  });
});
