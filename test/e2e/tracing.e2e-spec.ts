import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnApp, SpawnedApp } from '../factories/big-csv';
import { OtlpReceiver, ReceivedSpan, SpanKinds, startOtlpReceiver } from '../factories/otlp-receiver';

/**
 * OpenTelemetry through real processes: `node dist/src/main.js` (build first) exporting OTLP/HTTP
 * JSON to a real local receiver. Its own queue prefix and data folder, so workers of other spec
 * files never take its jobs nor its worker theirs.
 */
const REDIS_PREFIX = `${process.env.REDIS_PREFIX}:tracing`;
const DATA_DIR = path.join(process.env.DATA_DIR!, 'tracing');
const HEADER = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE';

/**
 * Preloaded with --require: writes the paths of every module the main thread has loaded to
 * MODULE_PROBE_OUT, five times a second, so a test can see from outside what a process loaded.
 */
const PROBE = `const { writeFileSync } = require('fs');
const { isMainThread } = require('worker_threads');
const out = process.env.MODULE_PROBE_OUT;
if (out && isMainThread) setInterval(() => writeFileSync(out, JSON.stringify(Object.keys(require.cache))), 200).unref();
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unique = () => Math.random().toString(36).slice(2, 10);

type LogLine = Record<string, unknown>;

/** The JSON log lines a process wrote (anything else it printed is skipped). */
function logLines(app: SpawnedApp): LogLine[] {
  return app
    .output()
    .split('\n')
    .flatMap((line) => {
      try {
        return line.startsWith('{') ? [JSON.parse(line) as LogLine] : [];
      } catch {
        return [];
      }
    });
}

/** The first JSON log line of a process that `matches`, waiting for it (a line may follow what it reports). */
async function waitForLine(app: SpawnedApp, matches: (line: LogLine) => boolean, timeoutMs = 10000): Promise<LogLine> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const line = logLines(app).find(matches);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no such log line in ${timeoutMs} ms`);
    await sleep(100);
  }
}

describe('Tracing (e2e, real processes)', () => {
  let receiver: OtlpReceiver;
  let probePath: string;
  const apps: SpawnedApp[] = [];

  const otelEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    REDIS_PREFIX,
    DATA_DIR,
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    ...extra,
  });

  const withProbe = (name: string) => {
    const out = path.join(os.tmpdir(), `tracing-modules-${name}-${unique()}.json`);
    return { out, env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${probePath}`.trim(), MODULE_PROBE_OUT: out } };
  };

  const loadedModules = async (out: string): Promise<string[]> => JSON.parse(await fs.readFile(out, 'utf8')) as string[];

  /** An api (or all) process, once /health/ready answers; its base URL. */
  const startHttp = async (env: Record<string, string>): Promise<{ app: SpawnedApp; url: string }> => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const app = spawnApp({ ...env, PORT: String(port) });
    apps.push(app);
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${url}/health/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return { app, url };
      if (i > 300 || app.child.exitCode !== null) throw new Error(`app did not start: ${app.output()}`);
      await sleep(100);
    }
  };

  const startWorker = async (env: Record<string, string>): Promise<SpawnedApp> => {
    const app = spawnApp({ ...env, APP_ROLE: 'worker' });
    apps.push(app);
    for (let i = 0; !app.output().includes('Analytics platform up: role=worker'); i++) {
      if (i > 300 || app.child.exitCode !== null) throw new Error(`worker did not start: ${app.output()}`);
      await sleep(100);
    }
    return app;
  };

  /** A fresh organization's admin key, made with the run's bootstrap key. */
  const orgKey = async (url: string): Promise<string> => {
    const res = await fetch(`${url}/api/v1/organizations`, {
      method: 'POST',
      headers: { 'X-API-Key': process.env.BOOTSTRAP_ADMIN_API_KEY!, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `tracing-${unique()}` }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { adminKey: { key: string } }).adminKey.key;
  };

  /** Uploads a small transactions CSV as the raw body under `requestId`; resolves once the import COMPLETED. */
  const importCsv = async (url: string, key: string, requestId: string): Promise<string> => {
    const run = unique();
    const rows = [1, 2, 3].map((n) => `TXN_${run}_${n},M${n},North,Food,1${n}.00,2025-01-05 10:00:00,+1555123456${n}`);
    const res = await fetch(`${url}/api/v1/imports/transactions`, {
      method: 'POST',
      headers: { 'X-API-Key': key, 'X-Request-Id': requestId, 'Content-Type': 'text/csv' },
      body: `${HEADER}\n${rows.join('\n')}\n`,
    });
    expect(res.status).toBe(202);
    const { importId } = (await res.json()) as { importId: string };
    for (let i = 0; ; i++) {
      const body = (await (await fetch(`${url}/api/v1/imports/${importId}`, { headers: { 'X-API-Key': key } })).json()) as { status: string };
      if (body.status === 'COMPLETED') return importId;
      if (['FAILED', 'CANCELLED'].includes(body.status) || i > 600) throw new Error(`import ${importId} did not complete: ${JSON.stringify(body)}`);
      await sleep(100);
    }
  };

  const serverSpanOf = (requestId: string) => (spans: ReceivedSpan[]) => spans.find((s) => s.kind === SpanKinds.SERVER && s.attributes['http.request.id'] === requestId);

  /** Runs a test body; on failure prints what the spawned processes wrote, then rethrows. */
  const withLogs = async (body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (err) {
      for (const app of apps) console.error(`--- pid ${app.child.pid} output, tail ---\n${app.output().slice(-6000)}`);
      throw err;
    } finally {
      await Promise.all(apps.splice(0).map((app) => app.stop(15000)));
    }
  };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    probePath = path.join(os.tmpdir(), `tracing-module-probe-${unique()}.js`);
    await fs.writeFile(probePath, PROBE);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop(5000)));
    await receiver?.close();
    await fs.rm(probePath, { force: true });
  });

  it(
    'should trace a request and the import it queues across an api and a worker process, linked to their log lines by request id and trace id',
    () =>
      withLogs(async () => {
        const probe = withProbe('api');
        const [{ app: api, url }, worker] = await Promise.all([startHttp(otelEnv({ APP_ROLE: 'api', ...probe.env })), startWorker(otelEnv())]);
        const key = await orgKey(url);

        // A read with a known request id: its server span, named by route, and its queries.
        const readId = `trace-read-${unique()}`;
        const read = await fetch(`${url}/api/v1/imports`, { headers: { 'X-API-Key': key, 'X-Request-Id': readId } });
        expect(read.status).toBe(200);
        expect(read.headers.get('x-request-id')).toBe(readId);
        const server = await receiver.waitFor(serverSpanOf(readId), `server span with http.request.id ${readId}`);
        expect(server).toMatchObject({
          service: 'analytics-platform-api',
          name: 'GET /api/v1/imports',
          attributes: { 'http.route': '/api/v1/imports', 'http.response.status_code': 200 },
        });
        const queries = await receiver.waitFor((spans) => {
          const found = spans.filter((s) => s.traceId === server.traceId && s.name.startsWith('pg.query'));
          return found.length > 0 && found;
        }, 'pg spans in the read trace');
        for (const query of queries) {
          expect(query.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.query.text': expect.any(String) });
          // The statement with its placeholders, never the values bound to them.
          expect(Object.keys(query.attributes).filter((k) => /param|values/i.test(k))).toEqual([]);
        }
        // Every line logged for the request carries its trace; the access line the server span's id.
        const readLines = logLines(api).filter((l) => l.reqId === readId);
        expect(readLines.length).toBeGreaterThan(0);
        for (const line of readLines) expect(line.trace_id).toBe(server.traceId);
        expect(readLines.find((l) => l.msg === 'request completed')).toMatchObject({ span_id: server.spanId, trace_flags: '01' });

        // An upload: the worker's consumer span is in the upload's trace, under its publish span.
        const uploadId = `trace-upload-${unique()}`;
        const importId = await importCsv(url, key, uploadId);
        const upload = await receiver.waitFor(serverSpanOf(uploadId), `server span with http.request.id ${uploadId}`);
        expect(upload).toMatchObject({ name: 'POST /api/v1/imports/:kind', attributes: { 'http.route': '/api/v1/imports/:kind', 'http.response.status_code': 202 } });
        const consumer = await receiver.waitFor(
          (spans) => spans.find((s) => s.kind === SpanKinds.CONSUMER && s.attributes['messaging.message.id'] === importId),
          `consumer span of job ${importId}`,
        );
        expect(consumer).toMatchObject({
          service: 'analytics-platform-worker',
          name: 'ingestion process',
          traceId: upload.traceId,
          attributes: { 'messaging.system': 'bull', 'messaging.destination.name': 'ingestion', 'messaging.bull.job.name': 'ingestion.run-import', 'messaging.bull.job.attempt': 1 },
        });
        expect(consumer.status.code ?? 0).not.toBe(2);
        const publish = receiver.spans().find((s) => s.spanId === consumer.parentSpanId);
        expect(publish).toMatchObject({
          service: 'analytics-platform-api',
          name: 'ingestion publish',
          kind: SpanKinds.PRODUCER,
          parentSpanId: upload.spanId,
          attributes: { 'messaging.message.id': importId },
        });
        // The job's queries and its COPY are children of the consumer span.
        const jobSpans = await receiver.waitFor((spans) => {
          const found = spans.filter((s) => s.parentSpanId === consumer.spanId);
          return found.some((s) => s.name === 'pg.copy') && found;
        }, 'pg.copy under the consumer span');
        expect(jobSpans.filter((s) => s.name.startsWith('pg.query')).length).toBeGreaterThan(0);
        expect(jobSpans.find((s) => s.name === 'pg.copy')).toMatchObject({
          attributes: { 'db.query.text': expect.stringMatching(/^COPY transactions_p_/), 'db.postgresql.copy.rows': 3 },
        });
        // The worker's line for the import carries the upload's trace and the consumer span.
        expect(await waitForLine(worker, (l) => l.msg === `Import ${importId} COMPLETED`)).toMatchObject({ trace_id: upload.traceId, span_id: consumer.spanId });
        expect(logLines(api).find((l) => l.reqId === uploadId && l.msg === 'request completed')).toMatchObject({ trace_id: upload.traceId });

        // Bull's own polling of Redis (BRPOPLPUSH, lock renewals, delayed checks) is never exported:
        // Redis commands appear only inside a request or a job, by command name only.
        const redis = receiver.spans().filter((s) => s.scope.includes('ioredis'));
        expect(redis.length).toBeGreaterThan(0);
        expect(redis.filter((s) => !s.parentSpanId)).toEqual([]);
        expect(redis.filter((s) => s.name.toLowerCase() === 'brpoplpush')).toEqual([]);
        for (const s of redis) expect(s.attributes['db.query.text']).toBe(s.name);
        // Probes are not traced.
        expect(receiver.spans().filter((s) => String(s.attributes['url.path'] ?? '').startsWith('/health'))).toEqual([]);
        // The probe works: this process did load the SDK.
        expect((await loadedModules(probe.out)).some((m) => m.includes('/@opentelemetry/sdk-node/'))).toBe(true);
        await fs.rm(probe.out, { force: true });
      }),
    120000,
  );

  it(
    'should export the spans still buffered when the process gets SIGTERM, under OTEL_SERVICE_NAME',
    () =>
      withLogs(async () => {
        // A batch delay far longer than the test: the spans leave only through the shutdown flush.
        const { app, url } = await startHttp(otelEnv({ APP_ROLE: 'api', OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_SERVICE_NAME: 'tracing-e2e-flush' }));
        const requestId = `trace-flush-${unique()}`;
        const res = await fetch(`${url}/api/v1/imports`, { headers: { 'X-API-Key': process.env.BOOTSTRAP_ADMIN_API_KEY!, 'X-Request-Id': requestId } });
        expect(res.status).toBe(200);
        await sleep(1000);
        expect(serverSpanOf(requestId)(receiver.spans())).toBeUndefined();
        expect(app.output()).toContain('Tracing on: spans to');
        await app.stop(15000);
        expect(serverSpanOf(requestId)(receiver.spans())).toMatchObject({ service: 'tracing-e2e-flush', name: 'GET /api/v1/imports' });
      }),
    90000,
  );

  it(
    'should load no OpenTelemetry SDK (only the API facade prom-client uses) and add no trace fields to logs when no OTLP endpoint is set',
    () =>
      withLogs(async () => {
        const probe = withProbe('off');
        const before = receiver.spans().length;
        const { app, url } = await startHttp({
          ...otelEnv({ APP_ROLE: 'all', ...probe.env }),
          OTEL_EXPORTER_OTLP_ENDPOINT: '',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
        });
        const key = await orgKey(url);
        const requestId = `trace-off-${unique()}`;
        const importId = await importCsv(url, key, requestId);

        // The import's line is written after its status is: wait for it before reading every line.
        await waitForLine(app, (l) => l.msg === `Import ${importId} COMPLETED`);
        const lines = logLines(app);
        expect(lines.filter((l) => l.reqId === requestId).length).toBeGreaterThan(0);
        expect(lines.filter((l) => 'trace_id' in l || 'span_id' in l)).toEqual([]);
        expect(app.output()).not.toContain('Tracing on');
        const modules = await loadedModules(probe.out);
        expect(modules.some((m) => m.includes('/node_modules/pg/'))).toBe(true);
        // Only the API facade, which prom-client's process metrics load (a no-op without an SDK): no SDK, exporter or instrumentation.
        expect(modules.filter((m) => m.includes('@opentelemetry') && !m.includes('/@opentelemetry/api/'))).toEqual([]);
        expect(modules.some((m) => m.includes('/@opentelemetry/api/'))).toBe(true);
        await fs.rm(probe.out, { force: true });
        await sleep(500);
        expect(receiver.spans().length).toBe(before);
      }),
    90000,
  );
});
