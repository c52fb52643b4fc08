import autocannon from 'autocannon';
import { createWriteStream, existsSync } from 'fs';
import Redis from 'ioredis';
import { Client } from 'pg';
import { Readable } from 'stream';
import { CompletedImport, postFile, RunningApp } from './bench-env';

/** What the benches share about the running product: its address, its queues and the API key. */
export interface BenchTarget {
  app: RunningApp;
  redis: Redis;
  /** The app's REDIS_PREFIX (its Bull job hashes live under `${prefix}:ingestion:<importId>`). */
  prefix: string;
  headers: Record<string, string>;
}

export type Load = Awaited<ReturnType<typeof cannon>>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
export const pcts = (l: Load) => `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}`;
export const met = (ok: boolean) => (ok ? 'met' : '**not met**');

/** Writes `file` with `write` unless it already exists (a generated file is reused across runs). */
export async function generate(file: string, write: (out: NodeJS.WritableStream) => Promise<{ rows: number; bytes: number }>) {
  if (existsSync(file)) {
    console.log(`reusing ${file}`);
    return;
  }
  const started = Date.now();
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const res = await write(out);
  await new Promise((r) => out.end(r));
  console.log(`generated ${file}: ${res.rows} rows, ${(res.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Uploads a file as the raw body (CSV, or JSON / NDJSON with their media type) and waits for
 * COMPLETED (then runs `onCompleted`, while the worker still indexes), then for the job's
 * post-commit indexing and vacuum.
 */
export async function importCsv(b: BenchTarget, kind: string, body: Readable, size: number, contentType = 'text/csv', onCompleted?: (importId: string) => Promise<void>) {
  const started = performance.now();
  const url = `${b.app.baseUrl}/api/v1/imports/${kind}?fileName=bench-${kind}`;
  const up = await postFile<{ importId: string }>(url, body, { ...b.headers, 'Content-Type': contentType, 'Content-Length': String(size) });
  if (up.status !== 202) {
    throw new Error(`${kind} upload answered ${up.status}: ${JSON.stringify(up.body)}`);
  }
  let imp: CompletedImport;
  do {
    await sleep(100);
    imp = (await (await fetch(`${b.app.baseUrl}/api/v1/imports/${up.body.importId}`, { headers: b.headers })).json()) as CompletedImport;
  } while (!['COMPLETED', 'FAILED', 'CANCELLED'].includes(imp.status));
  if (imp.status !== 'COMPLETED') {
    throw new Error(`${kind} import ended ${imp.status}: ${imp.error ?? JSON.stringify(imp)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  await onCompleted?.(up.body.importId);
  // The rows are visible at COMPLETED; the worker then indexes and vacuums the new partition. Wait
  // for its Bull job to end so that no timing below overlaps that work.
  const deadline = Date.now() + 600_000;
  while (!(await b.redis.hget(`${b.prefix}:ingestion:${up.body.importId}`, 'finishedOn'))) {
    if (Date.now() > deadline) {
      throw new Error(`the ${kind} import's job did not end within 10 min of COMPLETED`);
    }
    await sleep(100);
  }
  return { imp, seconds, settledSeconds: (performance.now() - started) / 1000 };
}

/** An autocannon run; percentiles from every response's own latency (autocannon's summary has no p95). */
export async function cannon(opts: autocannon.Options) {
  const latencies: number[] = [];
  // Without a callback autocannon returns its instance, which is also a promise of the result.
  const instance = autocannon(opts) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const r = await instance;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)] : NaN);
  const { non2xx, errors, connections } = r;
  const [completed, sent] = [latencies.length, r.requests.sent];
  return {
    p50: pct(50),
    p95: pct(95),
    p975: pct(97.5),
    p99: pct(99),
    rps: completed / r.duration,
    completed,
    sent,
    non2xx,
    errors,
    connections,
    duration: r.duration,
    latencies,
  };
}

/**
 * Runs that went on at the same time (e.g. one autocannon per API process) as one load: rates and
 * counts summed, percentiles over every response of all of them.
 */
export function mergeLoads(loads: Load[]): Load {
  const latencies = loads.flatMap((l) => l.latencies).sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)] : NaN);
  const sum = (k: 'rps' | 'completed' | 'sent' | 'non2xx' | 'errors' | 'connections') => loads.reduce((s, l) => s + l[k], 0);
  return {
    p50: pct(50),
    p95: pct(95),
    p975: pct(97.5),
    p99: pct(99),
    rps: sum('rps'),
    completed: sum('completed'),
    sent: sum('sent'),
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    connections: sum('connections'),
    duration: Math.max(...loads.map((l) => l.duration)),
    latencies,
  };
}

/**
 * The HTTP floor under the warm load: the same 50 connections on the no-op GET /health/live (no
 * key, no query, no cache), so a warm answer's latency can be read against what the framework
 * alone costs on this machine in the same run.
 */
export async function httpFloor(b: Pick<EndpointBench, 'app' | 'duration'>): Promise<Load> {
  const floor = await cannon({ url: `${b.app.baseUrl}/health/live`, connections: 50, duration: b.duration });
  console.log(`  HTTP floor, /health/live (50 conn, ${b.duration} s): p50 / p95 / p99 ${pcts(floor)} ms, ${floor.rps.toFixed(0)} req/s`);
  return floor;
}

/** Waits until no other client backend is busy in the product database (requests autocannon left in flight). */
export async function quiesce(db: Client): Promise<void> {
  const sql = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
               AND pid <> pg_backend_pid() AND state = 'active' AND backend_type = 'client backend'`;
  for (const deadline = Date.now() + 120_000; (await db.query<{ n: number }>(sql)).rows[0].n > 0 && Date.now() < deadline;) {
    await sleep(200);
  }
}

/** Times each entry's plain SQL (best of 2), printing one line per entry; entries without SQL are skipped. */
export async function rawScans(db: Client, entries: Array<{ name: string; raw?: string }>): Promise<Map<string, number>> {
  console.log('\nraw SQL scan (plain queries over the raw table, best of 2) ...');
  const raw = new Map<string, number>();
  for (const e of entries.filter((x) => x.raw)) {
    const times: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      await db.query(e.raw!);
      times.push(performance.now() - t);
    }
    raw.set(e.name, Math.min(...times));
    console.log(`  ${e.name.padEnd(22)} ${ms(Math.min(...times)).padStart(8)} ms  (${times.map(ms).join(' / ')})`);
  }
  return raw;
}

export interface EndpointBench extends BenchTarget {
  /** A client on the product database, to wait for requests left in flight. */
  db: Client;
  /** Seconds of the warm run (the uncached one runs half of it). */
  duration: number;
  /** A publish that bumps the organization's data version, so the next request is computed. */
  publishTiny(): Promise<void>;
}

/**
 * One endpoint at `path`: cold (the first request after a publish, 3 tries), warm (autocannon,
 * 50 connections, the same URL) and, when `window` is given, uncached (10 connections, each
 * request with the query string `window()` returns, so that every answer is computed).
 */
export async function measureEndpoint(b: EndpointBench, name: string, path: string, window?: () => string) {
  const target = `${b.app.baseUrl}${path}`;
  console.log(`\n== ${name} ==`);
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    await b.publishTiny();
    const t = performance.now();
    const res = await fetch(target, { headers: b.headers });
    const body = (await res.json()) as { cached?: boolean; queryTimeMs?: number; dataVersion?: string };
    cold.push(performance.now() - t);
    const note = res.status !== 200 ? `  HTTP ${res.status} ${JSON.stringify(body)}` : body.cached ? '  (unexpectedly cached!)' : '';
    console.log(`  cold #${i + 1}: ${ms(cold[i])} ms (server queryTimeMs ${body.queryTimeMs}, dataVersion ${body.dataVersion})${note}`);
  }
  console.log(`  cold max ${ms(Math.max(...cold))} ms`);

  const warm = await cannon({ url: target, connections: 50, duration: b.duration, headers: b.headers });
  console.log(`  warm (50 conn, ${b.duration} s): p50 / p95 / p99 ${pcts(warm)} ms, ${warm.rps.toFixed(0)} req/s, ` + `non-2xx ${warm.non2xx}, errors ${warm.errors}`);

  let uncached: Load | undefined;
  if (window) {
    const seconds = Math.max(1, Math.round(b.duration / 2));
    const requests = [{ method: 'GET' as const, setupRequest: (req: autocannon.Request) => ({ ...req, path: `${path}${path.includes('?') ? '&' : '?'}${window()}` }) }];
    uncached = await cannon({ url: b.app.baseUrl, connections: 10, duration: seconds, timeout: 60, headers: b.headers, requests });
    console.log(
      `  uncached (${uncached.connections} conn, ${seconds} s, random windows): p50 / p95 / p99 ${pcts(uncached)} ms, ` +
        `${uncached.rps.toFixed(1)} req/s, ${uncached.completed}/${uncached.sent} completed (the rest in flight at the end), ` +
        `non-2xx ${uncached.non2xx}, errors ${uncached.errors}`,
    );
  }
  await quiesce(b.db);
  return { name, cold, warm, uncached };
}
