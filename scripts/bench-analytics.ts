/**
 * npm run bench:analytics -- --rows 10000000 [--seed 1] [--duration 20] [--file path] [--keep]
 *
 * Latency of the seven transaction analytics endpoints on a freshly imported data set, in one run:
 * - import: merchants then transactions over HTTP (raw text/csv) → COMPLETED; seconds, phasesMs
 *   (publish = the rollup publish work, target ≤ 25 % of the import job) and peak RSS;
 * - the physical reference: the same questions as plain SQL over the raw table (pg Client, default
 *   settings, best of 2). The machine is shared and noisy, so absolute figures vary from run to
 *   run; what holds is the comparison with what Postgres alone does in the same run;
 * - per endpoint: cold (the first request after a publish, which bumps the data version the cache
 *   is keyed by: a 10-row import before each of 3 tries), warm (autocannon, 50 connections, same
 *   URL, served from the cache) and uncached (10 connections = the app's pool size, a different
 *   random time window per request, so every answer is computed).
 * - request cost: what authentication, rate limiting and the cache lookup cost every request. At
 *   50 connections, a cached zone-leaderboard with an API key and with a login's access token
 *   against /health/live in the same run (target ≥ 0.8× its rate, p97.5 ≤ 50 ms); at 1,000
 *   connections, every cached answer (target p99 < 2 s, no errors). `--cost-only` skips the
 *   per-endpoint part.
 * Targets: cold ≤ 500 ms; warm p95 ≤ 50 ms (full-report ≤ 100 ms).
 */
import { createReadStream, promises as fs, statSync } from 'fs';
import Redis from 'ioredis';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { Readable } from 'stream';
import { CATEGORIES, merchantId, TRANSACTIONS_HEADER, writeMerchantsCsv, writeTransactionsCsv, ZONES } from '../libs/datagen';
import { AppConfig } from '../src/config/app-config';
import { benchStage, flags, peakRssMb, RunningApp, startApp } from './lib/bench-env';
import { cannon, EndpointBench, generate, importCsv, Load, measureEndpoint, met, ms, pcts, quiesce, rawScans, sleep } from './lib/bench-load';

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

interface Bench extends EndpointBench {
  range: { lo: number; hi: number };
  publishes: number;
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

/** A random time window inside the data (1 to 30 days) as a query string. */
function randomWindow(b: Bench): string {
  const { lo, hi } = b.range;
  const from = lo + Math.floor(Math.random() * (hi - lo - DAY_MS));
  const to = Math.min(from + DAY_MS + Math.floor(Math.random() * 29 * DAY_MS), hi + 1000);
  return `from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`;
}

interface Cost {
  floor: Load;
  key: Load;
  token: Load;
  crowd: Array<{ name: string; load: Load }>;
}

/** Authentication, rate limiting and the cache lookup, measured on cached answers (see the header). */
async function requestCost(b: Bench): Promise<Cost> {
  const base = b.app.baseUrl;
  const api = (p: string, init: RequestInit = {}) =>
    fetch(`${base}/api/v1/${p}`, { ...init, headers: { ...HEADERS, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
  const email = `bench-${Date.now()}@example.com`;
  const user = (await (await api('users', { method: 'POST', body: JSON.stringify({ email, role: 'viewer' }) })).json()) as { passwordSetToken: string };
  await api('auth/password', { method: 'POST', body: JSON.stringify({ token: user.passwordSetToken, password: 'bench password long enough' }) });
  const login = (await (await api('auth/login', { method: 'POST', body: JSON.stringify({ email, password: 'bench password long enough' }) })).json()) as { accessToken: string };
  const bearer = { Authorization: `Bearer ${login.accessToken}` };
  const leaderboard = `${base}/api/v1/analytics/zone-leaderboard`;
  // Cached before measuring: the first answer computes.
  await fetch(leaderboard, { headers: HEADERS });
  await quiesce(b.db);
  console.log(`\nrequest cost (50 connections, ${b.duration} s each) ...`);
  // The floor before and after the two, averaged: the machine is shared and drifts.
  const before = await cannon({ url: `${base}/health/live`, connections: 50, duration: b.duration });
  const key = await cannon({ url: leaderboard, headers: HEADERS, connections: 50, duration: b.duration });
  const token = await cannon({ url: leaderboard, headers: bearer, connections: 50, duration: b.duration });
  const after = await cannon({ url: `${base}/health/live`, connections: 50, duration: b.duration });
  console.log(`  /health/live before ${before.rps.toFixed(0)} req/s, after ${after.rps.toFixed(0)} req/s`);
  const floor = {
    ...before,
    rps: (before.rps + after.rps) / 2,
    p50: Math.max(before.p50, after.p50),
    p975: Math.max(before.p975, after.p975),
    p99: Math.max(before.p99, after.p99),
  };
  const crowd: Cost['crowd'] = [];
  const crowdSeconds = Math.max(10, b.duration);
  console.log(`1,000 connections on each cached answer (${crowdSeconds} s each) ...`);
  // The floor at this crowd: the framework and the machine alone (no key, no query).
  crowd.push({ name: '/health/live (floor)', load: await cannon({ url: `${base}/health/live`, connections: 1000, duration: crowdSeconds, timeout: 30 }) });
  await sleep(2000);
  for (const e of ENDPOINTS) {
    const url = `${base}/api/v1/analytics/${e.name}`;
    await fetch(url, { headers: HEADERS });
    crowd.push({ name: e.name, load: await cannon({ url, headers: HEADERS, connections: 1000, duration: crowdSeconds, timeout: 30 }) });
    await sleep(2000);
  }
  return { floor, key, token, crowd };
}

function printCost(c: Cost, duration: number): void {
  const p = (l: Load) => `${ms(l.p50)} / ${ms(l.p975)} / ${ms(l.p99)}`;
  console.log(`\n== request cost: cached answers (50 connections, ${duration} s each) ==\n`);
  console.log('| request | req/s | × /health/live | p50 / p97.5 / p99 ms | errors, non-2xx | targets |');
  console.log('|---|---|---|---|---|---|');
  console.log(`| /health/live (no key, no query; mean of before and after) | ${c.floor.rps.toFixed(0)} | 1.00 | ${p(c.floor)} | ${c.floor.errors}, ${c.floor.non2xx} | |`);
  for (const [label, l] of [
    ['zone-leaderboard, X-API-Key', c.key],
    ['zone-leaderboard, Bearer access token', c.token],
  ] as const) {
    const ratio = l.rps / c.floor.rps;
    console.log(`| ${label} | ${l.rps.toFixed(0)} | ${ratio.toFixed(2)} | ${p(l)} | ${l.errors}, ${l.non2xx} | ≥ 0.8×: ${met(ratio >= 0.8)}; p97.5 ≤ 50: ${met(l.p975 <= 50)} |`);
  }
  console.log('\n== 1,000 connections, each cached answer ==\n');
  console.log('| answer | req/s | p50 / p97.5 / p99 ms | errors, non-2xx | p99 < 2 s, no errors |');
  console.log('|---|---|---|---|---|');
  for (const { name, load: l } of c.crowd) {
    console.log(`| ${name} | ${l.rps.toFixed(0)} | ${p(l)} | ${l.errors}, ${l.non2xx} | ${met(l.p99 < 2000 && l.errors + l.non2xx === 0)} |`);
  }
}

async function main(): Promise<void> {
  const f = flags();
  const rows = Number(f.rows ?? 10_000_000);
  const seed = Number(f.seed ?? 1);
  const duration = Number(f.duration ?? 20);
  const txFile = f.file ?? path.join(os.tmpdir(), `bench-transactions-${rows}-s${seed}.csv`);
  const merchantsFile = path.join(os.tmpdir(), `bench-merchants-${MERCHANTS}-s${seed}.csv`);
  const config = AppConfig.fromProcessEnv();
  const { url, prefix, dataDir, reset, remove } = benchStage(config, 'analytics');

  await generate(txFile, (out) => writeTransactionsCsv(out, { rows, seed, merchants: MERCHANTS }));
  await generate(merchantsFile, (out) => writeMerchantsCsv(out, { rows: MERCHANTS, seed }));
  await reset();

  const redis = new Redis(config.REDIS_URL);
  const db = new Client({ connectionString: url });
  let app: RunningApp | undefined;
  try {
    const env = { DATABASE_URL: url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn' };
    app = await startApp(env, PORT);
    const b: Bench = {
      app,
      redis,
      db,
      prefix,
      headers: HEADERS,
      duration,
      range: { lo: 0, hi: 0 },
      publishes: 0,
      publishTiny: () => publishTiny(b),
    };
    const upload = (kind: string, file: string) => importCsv(b, kind, createReadStream(file, { highWaterMark: 1 << 20 }), statSync(file).size);
    console.log('importing merchants, then transactions ...');
    const merchants = await upload('merchants', merchantsFile);
    const tx = await upload('transactions', txFile);
    const m = tx.imp.metrics;
    const rssAfterImport = peakRssMb(app.proc.pid!);
    const publishShare = m.phasesMs.publish / m.executionTimeMs;
    console.log(`merchants import ${merchants.seconds.toFixed(1)} s`);
    console.log(
      `transactions import ${tx.seconds.toFixed(1)} s end-to-end (job ${(m.executionTimeMs / 1000).toFixed(1)} s), ` +
        `${m.rowsLoaded.toLocaleString()} rows loaded, ${m.rowsRejected.toLocaleString()} rejected; ` +
        `its indexing + vacuum done at ${tx.settledSeconds.toFixed(1)} s`,
    );
    console.log(`phasesMs ${JSON.stringify(m.phasesMs)}; publish ${(publishShare * 100).toFixed(1)} % of the job`);
    console.log(`app peak RSS ${rssAfterImport} MB (the job's own figure ${m.peakRssMb} MB)`);

    await db.connect();
    const raw = await rawScans(db, ENDPOINTS);
    raw.set(
      'full-report',
      [...raw.values()].reduce((s, v) => s + v, 0),
    );
    const range = (await db.query<{ lo: Date; hi: Date }>(`SELECT min(occurred_at) AS lo, max(occurred_at) AS hi ${TX}`)).rows[0];
    b.range = { lo: range.lo.getTime(), hi: range.hi.getTime() };
    console.log(`data from ${range.lo.toISOString()} to ${range.hi.toISOString()}`);

    const results = [];
    for (const e of f['cost-only'] ? [] : ENDPOINTS) {
      results.push(await measureEndpoint(b, e.name, `/api/v1/analytics/${e.name}`, () => randomWindow(b)));
    }
    const cost = await requestCost(b);

    console.log('\n== bench:analytics summary ==\n');
    const uncachedSeconds = Math.max(1, Math.round(duration / 2));
    console.log(`rows ${rows.toLocaleString()} (seed ${seed}); warm ${duration} s × 50 connections; uncached ${uncachedSeconds} s × 10\n`);
    console.log('| endpoint | raw SQL scan ms | cold max ms | warm p50 / p95 / p99 ms | warm req/s | uncached p50 / p95 / p99 ms | uncached req/s | targets |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const { name, cold, warm: w, uncached } of results as Array<{ name: string; cold: number[]; warm: Load; uncached?: Load }>) {
      const u = uncached!;
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
    printCost(cost, duration);
    console.log(
      `\ntransactions import: ${tx.seconds.toFixed(1)} s end-to-end, job ${(m.executionTimeMs / 1000).toFixed(1)} s; ` +
        `publish ${(m.phasesMs.publish / 1000).toFixed(2)} s = ${(publishShare * 100).toFixed(1)} % of the job ` +
        `(${((m.phasesMs.publish / 1000 / tx.seconds) * 100).toFixed(1)} % of end-to-end); target ≤ 25 %: ${met(publishShare <= 0.25)}`,
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
      await remove();
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
