/**
 * npm run bench:analytics -- --rows 10000000 [--seed 1] [--duration 20] [--file path] [--keep]
 *
 * Latency of the seven transaction analytics endpoints on a freshly imported data set, in one run:
 * - import: merchants then transactions over HTTP (raw text/csv) → COMPLETED; seconds, phasesMs
 *   (publishHook = the rollup publish work, target ≤ 25 % of the import job) and peak RSS;
 * - the physical reference: the same questions as plain SQL over the raw table (pg Client, default
 *   settings, best of 2). The machine is shared and noisy, so absolute figures vary from run to
 *   run; what holds is the comparison with what Postgres alone does in the same run;
 * - per endpoint: cold (the first request after a publish, which bumps the data version the cache
 *   is keyed by: a 10-row import before each of 3 tries), warm (autocannon, 50 connections, same
 *   URL, served from the cache) and uncached (10 connections = the app's pool size, a different
 *   random time window per request, so every answer is computed).
 * Targets: cold ≤ 500 ms; warm p95 ≤ 50 ms (full-report ≤ 100 ms).
 */
import autocannon from 'autocannon';
import { createReadStream, createWriteStream, existsSync, promises as fs, statSync } from 'fs';
import Redis from 'ioredis';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { Readable } from 'stream';
import { CATEGORIES, merchantId, TRANSACTIONS_HEADER, writeMerchantsCsv, writeTransactionsCsv, ZONES } from '../libs/datagen';
import { dropDatabase } from '../libs/database/ensure-database';
import { dropRedisPrefix } from '../libs/redis/drop-prefix';
import { AppConfig } from '../src/config/app-config';
import { flags, peakRssMb, postFile, RunningApp, startApp, withDatabase } from './lib/bench-env';

const KEY = 'bench-admin-key-0123456789';
const HEADERS = { 'X-API-Key': KEY };
const PORT = 3991;
const MERCHANTS = 5000;
const DAY_MS = 86_400_000;
const TX = 'FROM transactions';
/** Each endpoint and the plain SQL answering its question over the raw rows. */
const ENDPOINTS: Array<{ name: string; raw?: string }> = [
  { name: 'zone-leaderboard', raw: `SELECT zone, sum(amount), count(*) ${TX} GROUP BY zone ORDER BY 2 DESC LIMIT 20` },
  { name: 'category-distribution', raw: `SELECT category, count(*) ${TX} GROUP BY 1 ORDER BY 2 DESC` },
  {
    name: 'dormant-merchants',
    raw: `SELECT count(*) FROM merchants m WHERE NOT EXISTS (SELECT 1 ${TX} t WHERE t.merchant_id = m.merchant_id COLLATE "C")`,
  },
  { name: 'hourly-pattern', raw: `SELECT extract(hour FROM occurred_at AT TIME ZONE 'UTC'), count(*), avg(amount) ${TX} GROUP BY 1` },
  {
    name: 'anomalies',
    raw: `WITH s AS (SELECT category, avg(amount) + 3 * stddev_pop(amount) AS t ${TX} GROUP BY 1)
          SELECT category, count(*) ${TX} JOIN s USING (category) WHERE amount > s.t GROUP BY 1`,
  },
  {
    name: 'customer-retention',
    raw: `SELECT count(*) FILTER (WHERE n > 1), count(*)
          FROM (SELECT customer_phone, count(*) AS n ${TX} WHERE customer_phone <> 'INVALID' GROUP BY 1) c`,
  },
  { name: 'full-report' },
];

type Load = Awaited<ReturnType<typeof cannon>>;

interface Bench {
  app: RunningApp;
  redis: Redis;
  db: Client;
  prefix: string;
  duration: number;
  range: { lo: number; hi: number };
  publishes: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const pcts = (l: Load) => `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}`;
const met = (ok: boolean) => (ok ? 'met' : '**not met**');

async function generate(file: string, write: (out: NodeJS.WritableStream) => Promise<{ rows: number; bytes: number }>) {
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

/** Uploads a CSV as the raw body and waits for COMPLETED, then for the job's post-commit indexing and vacuum. */
async function importCsv(b: Bench, kind: string, body: Readable, size: number) {
  const started = performance.now();
  const url = `${b.app.baseUrl}/api/v1/imports/${kind}?fileName=bench-${kind}.csv`;
  const up = await postFile(url, body, { ...HEADERS, 'Content-Type': 'text/csv', 'Content-Length': String(size) });
  if (up.status !== 202) {
    throw new Error(`${kind} upload answered ${up.status}: ${JSON.stringify(up.body)}`);
  }
  let imp: any;
  do {
    await sleep(100);
    imp = await (await fetch(`${b.app.baseUrl}/api/v1/imports/${up.body.importId}`, { headers: HEADERS })).json();
  } while (!['COMPLETED', 'FAILED', 'CANCELLED'].includes(imp.status));
  if (imp.status !== 'COMPLETED') {
    throw new Error(`${kind} import ended ${imp.status}: ${imp.error ?? JSON.stringify(imp)}`);
  }
  const seconds = (performance.now() - started) / 1000;
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

/** A publish that bumps the data version: 10 new transactions, unique ids, timestamps inside the data's range. */
async function publishTiny(b: Bench): Promise<void> {
  const n = ++b.publishes;
  const rows = Array.from({ length: 10 }, (_, i) => {
    const at = new Date(b.range.lo + DAY_MS + (n * 10 + i) * 3_600_000 + 1234).toISOString();
    const [zone, category] = [ZONES[i % ZONES.length], CATEGORIES[i % CATEGORIES.length]];
    return [`BENCHCOLD_${n}_${i}`, merchantId(1 + i, MERCHANTS), zone, category, `${10 + i}.25`, at, `+1555${9_000_000 + n * 10 + i}`];
  });
  const csv = [TRANSACTIONS_HEADER, ...rows.map((r) => r.join(','))].join('\n') + '\n';
  await importCsv(b, 'transactions', Readable.from([csv]), Buffer.byteLength(csv));
}

/** An autocannon run; percentiles from every response's own latency (autocannon's summary has no p95). */
async function cannon(opts: autocannon.Options) {
  const latencies: number[] = [];
  // Without a callback autocannon returns its instance, which is also a promise of the result.
  const instance = autocannon(opts) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const r = await instance;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)] : NaN);
  const { non2xx, errors, connections } = r;
  const [completed, sent] = [latencies.length, r.requests.sent];
  return { p50: pct(50), p95: pct(95), p99: pct(99), rps: completed / r.duration, completed, sent, non2xx, errors, connections };
}

/** Waits until no other client backend is busy in the product database (requests autocannon left in flight). */
async function quiesce(db: Client): Promise<void> {
  const sql = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
               AND pid <> pg_backend_pid() AND state = 'active' AND backend_type = 'client backend'`;
  for (const deadline = Date.now() + 120_000; (await db.query(sql)).rows[0].n > 0 && Date.now() < deadline; ) {
    await sleep(200);
  }
}

async function rawScans(db: Client): Promise<Map<string, number>> {
  console.log('\nraw SQL scan (plain queries over the raw table, best of 2) ...');
  const raw = new Map<string, number>();
  for (const e of ENDPOINTS.filter((x) => x.raw)) {
    const times: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      await db.query(e.raw!);
      times.push(performance.now() - t);
    }
    raw.set(e.name, Math.min(...times));
    console.log(`  ${e.name.padEnd(22)} ${ms(Math.min(...times)).padStart(8)} ms  (${times.map(ms).join(' / ')})`);
  }
  raw.set('full-report', [...raw.values()].reduce((s, v) => s + v, 0));
  return raw;
}

async function measure(b: Bench, name: string) {
  const target = `${b.app.baseUrl}/api/v1/analytics/${name}`;
  console.log(`\n== ${name} ==`);
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    await publishTiny(b);
    const t = performance.now();
    const res = await fetch(target, { headers: HEADERS });
    const body: any = await res.json();
    cold.push(performance.now() - t);
    const note = res.status !== 200 ? `  HTTP ${res.status} ${JSON.stringify(body)}` : body.cached ? '  (unexpectedly cached!)' : '';
    console.log(`  cold #${i + 1}: ${ms(cold[i])} ms (server queryTimeMs ${body.queryTimeMs}, dataVersion ${body.dataVersion})${note}`);
  }
  console.log(`  cold max ${ms(Math.max(...cold))} ms`);

  const warm = await cannon({ url: target, connections: 50, duration: b.duration, headers: HEADERS });
  console.log(
    `  warm (50 conn, ${b.duration} s): p50 / p95 / p99 ${pcts(warm)} ms, ${warm.rps.toFixed(0)} req/s, ` +
      `non-2xx ${warm.non2xx}, errors ${warm.errors}`,
  );

  const { lo, hi } = b.range;
  const randomWindow = (req: any) => {
    const from = lo + Math.floor(Math.random() * (hi - lo - DAY_MS));
    const to = Math.min(from + DAY_MS + Math.floor(Math.random() * 29 * DAY_MS), hi + 1000);
    const q = `from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`;
    return { ...req, path: `/api/v1/analytics/${name}?${q}` };
  };
  const seconds = Math.max(1, Math.round(b.duration / 2));
  const requests = [{ method: 'GET' as const, setupRequest: randomWindow }];
  const uncached = await cannon({ url: b.app.baseUrl, connections: 10, duration: seconds, timeout: 60, headers: HEADERS, requests });
  console.log(
    `  uncached (${uncached.connections} conn, ${seconds} s, random windows): p50 / p95 / p99 ${pcts(uncached)} ms, ` +
      `${uncached.rps.toFixed(1)} req/s, ${uncached.completed}/${uncached.sent} completed (the rest in flight at the end), ` +
      `non-2xx ${uncached.non2xx}, errors ${uncached.errors}`,
  );
  await quiesce(b.db);
  return { name, cold, warm, uncached };
}

async function main(): Promise<void> {
  const f = flags();
  const rows = Number(f.rows ?? 10_000_000);
  const seed = Number(f.seed ?? 1);
  const duration = Number(f.duration ?? 20);
  const txFile = f.file ?? path.join(os.tmpdir(), `bench-transactions-${rows}-s${seed}.csv`);
  const merchantsFile = path.join(os.tmpdir(), `bench-merchants-${MERCHANTS}-s${seed}.csv`);
  const config = AppConfig.fromProcessEnv();
  const url = withDatabase(config.DATABASE_URL, 'analytics_bench_analytics');
  const prefix = `bench_analytics_${Date.now()}`;
  const dataDir = path.join(os.tmpdir(), 'analytics-bench-analytics-data');

  await generate(txFile, (out) => writeTransactionsCsv(out, { rows, seed, merchants: MERCHANTS }));
  await generate(merchantsFile, (out) => writeMerchantsCsv(out, { rows: MERCHANTS, seed }));
  await dropDatabase(url);
  await fs.rm(dataDir, { recursive: true, force: true });

  const redis = new Redis(config.REDIS_URL);
  const db = new Client({ connectionString: url });
  let app: RunningApp | undefined;
  try {
    const env = { DATABASE_URL: url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn' };
    app = await startApp(env, PORT);
    const b: Bench = { app, redis, db, prefix, duration, range: { lo: 0, hi: 0 }, publishes: 0 };
    const upload = (kind: string, file: string) =>
      importCsv(b, kind, createReadStream(file, { highWaterMark: 1 << 20 }), statSync(file).size);
    console.log('importing merchants, then transactions ...');
    const merchants = await upload('merchants', merchantsFile);
    const tx = await upload('transactions', txFile);
    const m = tx.imp.metrics;
    const rssAfterImport = peakRssMb(app.proc.pid!);
    const publishShare = m.phasesMs.publishHook / m.executionTimeMs;
    console.log(`merchants import ${merchants.seconds.toFixed(1)} s`);
    console.log(
      `transactions import ${tx.seconds.toFixed(1)} s end-to-end (job ${(m.executionTimeMs / 1000).toFixed(1)} s), ` +
        `${m.rowsLoaded.toLocaleString()} rows loaded, ${m.rowsRejected.toLocaleString()} rejected; ` +
        `its indexing + vacuum done at ${tx.settledSeconds.toFixed(1)} s`,
    );
    console.log(`phasesMs ${JSON.stringify(m.phasesMs)}; publishHook ${(publishShare * 100).toFixed(1)} % of the job`);
    console.log(`app peak RSS ${rssAfterImport} MB (the job's own figure ${m.peakRssMb} MB)`);

    await db.connect();
    const raw = await rawScans(db);
    const range = (await db.query(`SELECT min(occurred_at) AS lo, max(occurred_at) AS hi ${TX}`)).rows[0];
    b.range = { lo: range.lo.getTime(), hi: range.hi.getTime() };
    console.log(`data from ${range.lo.toISOString()} to ${range.hi.toISOString()}`);

    const results = [];
    for (const e of ENDPOINTS) {
      results.push(await measure(b, e.name));
    }

    console.log('\n== bench:analytics summary ==\n');
    const uncachedSeconds = Math.max(1, Math.round(duration / 2));
    console.log(`rows ${rows.toLocaleString()} (seed ${seed}); warm ${duration} s × 50 connections; uncached ${uncachedSeconds} s × 10\n`);
    console.log(
      '| endpoint | raw SQL scan ms | cold max ms | warm p50 / p95 / p99 ms | warm req/s | uncached p50 / p95 / p99 ms | uncached req/s | targets |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const { name, cold, warm: w, uncached: u } of results) {
      const coldMax = Math.max(...cold);
      const p95Target = name === 'full-report' ? 100 : 50;
      const checks = [`cold ≤ 500: ${met(coldMax <= 500)}`, `warm p95 ≤ ${p95Target}: ${met(w.p95 <= p95Target)}`];
      if (w.non2xx + u.non2xx + w.errors + u.errors > 0) {
        checks.push(`**non-2xx ${w.non2xx + u.non2xx}, errors ${w.errors + u.errors}**`);
      }
      const rawMs = `${ms(raw.get(name)!)}${name === 'full-report' ? ' (sum)' : ''}`;
      const row = [name, rawMs, ms(coldMax), pcts(w), w.rps.toFixed(0), pcts(u), u.rps.toFixed(1), checks.join('; ')];
      console.log(`| ${row.join(' | ')} |`);
    }
    console.log(
      `\ntransactions import: ${tx.seconds.toFixed(1)} s end-to-end, job ${(m.executionTimeMs / 1000).toFixed(1)} s; ` +
        `publishHook ${(m.phasesMs.publishHook / 1000).toFixed(2)} s = ${(publishShare * 100).toFixed(1)} % of the job ` +
        `(${((m.phasesMs.publishHook / 1000 / tx.seconds) * 100).toFixed(1)} % of end-to-end); target ≤ 25 %: ${met(publishShare <= 0.25)}`,
    );
    console.log(`app peak RSS: ${rssAfterImport} MB after the import, ${peakRssMb(app.proc.pid!)} MB at the end`);
  } finally {
    await app?.stop();
    await db.end().catch(() => undefined);
    redis.disconnect();
    if (f.keep) {
      console.log(`\nkept: psql ${url}  (Redis prefix ${prefix}, data dir ${dataDir}, files ${txFile} ${merchantsFile})`);
      console.log(`app on it: DATABASE_URL=${url} REDIS_PREFIX=${prefix} DATA_DIR=${dataDir} BOOTSTRAP_ADMIN_API_KEY=${KEY} npm run start:prod`);
    } else {
      await dropDatabase(url);
      await dropRedisPrefix(config.REDIS_URL, prefix);
      await fs.rm(dataDir, { recursive: true, force: true });
      await fs.rm(merchantsFile, { force: true });
      if (!f.file) {
        await fs.rm(txFile, { force: true });
      }
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
