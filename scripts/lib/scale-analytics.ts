import autocannon from 'autocannon';
import { createReadStream, promises as fs, statSync } from 'fs';
import Redis from 'ioredis';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { dropDatabase } from '../../libs/database/ensure-database';
import { dropRedisPrefix } from '../../libs/redis/drop-prefix';
import { peakRssMb, RunningApp, startApp, startWorker, withDatabase } from './bench-env';
import { BenchTarget, cannon, importCsv, Load, mergeLoads, ms, quiesce, sleep } from './bench-load';
import { CpuMeter, CpuWindow, PgCpu, PgCpuSampler } from './proc-stats';
import { cores, coresText } from './scale-report';
import { BENCH_KEY, sideProcesses } from './scale-imports';

const HEADERS = { 'X-API-Key': BENCH_KEY };
const DAY_MS = 86_400_000;
/** The uncached mix: each request the next of these, with a random window of its own (never cached). */
const MIX = ['zone-leaderboard', 'category-distribution', 'hourly-pattern', 'customer-retention'];

export interface AnalyticsSetup {
  baseUrl: string;
  redisUrl: string;
  transactionsFile: string;
  merchantsFile: string;
  /** Seconds of each autocannon run. */
  duration: number;
  ports: [number, number];
}

export interface Scenario {
  name: string;
  connections: number;
  /** Index 0: one API process; 1: two, one autocannon each with half the connections, summed. */
  runs: Array<{ load: Load; cpu: CpuWindow; pg: PgCpu }>;
}

export interface AnalyticsRun {
  rows: number;
  scenarios: Scenario[];
  rssMb: Record<string, number>;
}

/**
 * One transactions import (and its merchants) on a fresh database, then the same loads against one
 * API process and against two: /health/live (the floor), a cached answer, and a mix of answers
 * computed on every request. Each load runs on one process, then on both at once, back to back,
 * so that the machine's drift touches both alike.
 */
export async function runAnalytics(s: AnalyticsSetup): Promise<AnalyticsRun> {
  const dbName = 'analytics_bench_scale_api';
  const url = withDatabase(s.baseUrl, dbName);
  const prefix = `bench_scale_api_${Date.now()}`;
  const dataDir = path.join(os.tmpdir(), 'analytics-bench-scale-api');
  await dropDatabase(url);
  await fs.rm(dataDir, { recursive: true, force: true });
  const env = { DATABASE_URL: url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: BENCH_KEY, LOG_LEVEL: 'warn' };
  const redis = new Redis(s.redisUrl);
  const db = new Client({ connectionString: url });
  const pgClient = new Client({ connectionString: withDatabase(s.baseUrl, 'postgres') });
  const apps: RunningApp[] = [];
  try {
    apps.push(await startApp({ ...env, APP_ROLE: 'api' }, s.ports[0]));
    const worker = await startWorker(env);
    const b: BenchTarget = { app: apps[0], redis, prefix, headers: HEADERS };
    console.log('analytics: importing merchants, then transactions (one worker) ...');
    const upload = (kind: string, file: string) => importCsv(b, kind, createReadStream(file, { highWaterMark: 1 << 20 }), statSync(file).size);
    await upload('merchants', s.merchantsFile);
    const tx = await upload('transactions', s.transactionsFile);
    console.log(`analytics: transactions import ${tx.seconds.toFixed(1)} s, ${tx.imp.metrics.rowsLoaded.toLocaleString()} rows loaded`);
    // The worker is done; it would only take CPU from the API processes (its sweeper) from here on.
    await worker.stop();
    apps.push(await startApp({ ...env, APP_ROLE: 'api' }, s.ports[1]));
    await db.connect();
    await pgClient.connect();
    const range = (await db.query<{ lo: Date; hi: Date }>('SELECT min(occurred_at) AS lo, max(occurred_at) AS hi FROM transactions')).rows[0];
    const window = randomWindow(range.lo.getTime(), range.hi.getTime());

    const cached = '/api/v1/analytics/zone-leaderboard';
    // The first request computes; each process then keeps the answer from Redis in its own memory.
    for (const app of apps) {
      await fetch(`${app.baseUrl}${cached}`, { headers: HEADERS });
      await fetch(`${app.baseUrl}${cached}`, { headers: HEADERS });
    }
    let turn = 0;
    const mixRequest = [{ method: 'GET' as const, setupRequest: (req: autocannon.Request) => ({ ...req, path: `/api/v1/analytics/${MIX[turn++ % MIX.length]}?${window()}` }) }];
    const scenarios: Scenario[] = [];
    const measure = async (name: string, connections: number, opts: (app: RunningApp) => Parameters<typeof cannon>[0]) => {
      const sc: Scenario = { name, connections, runs: [] };
      for (const n of [1, 2]) {
        await quiesce(db);
        await sleep(1000);
        const used = apps.slice(0, n);
        const sampler = new PgCpuSampler(pgClient, dbName);
        await sampler.start();
        const meter = new CpuMeter({ ...Object.fromEntries(apps.map((a, i) => [`api ${i + 1}`, a.proc.pid!])), ...sideProcesses() }).start();
        const loads = await Promise.all(used.map((app) => cannon({ ...opts(app), connections: connections / n, duration: s.duration })));
        const run = { load: mergeLoads(loads), cpu: meter.stop(), pg: await sampler.stop() };
        sc.runs.push(run);
        console.log(
          `  ${name}, ${n} API process${n > 1 ? 'es' : ''}: ${run.load.rps.toFixed(0)} req/s, p50 / p99 ${ms(run.load.p50)} / ${ms(run.load.p99)} ms, ` +
            `non-2xx ${run.load.non2xx}, errors ${run.load.errors}; cores: ${coresText(cores(run.cpu, run.pg))}`,
        );
      }
      scenarios.push(sc);
    };
    console.log(`analytics: autocannon, ${s.duration} s each ...`);
    await measure('/health/live (floor)', 50, (app) => ({ url: `${app.baseUrl}/health/live` }));
    await measure('cached zone-leaderboard', 50, (app) => ({ url: `${app.baseUrl}${cached}`, headers: HEADERS }));
    await measure(`uncached mix (${MIX.length} answers, random windows)`, 10, (app) => ({ url: app.baseUrl, headers: HEADERS, requests: mixRequest, timeout: 60 }));
    const rssMb = Object.fromEntries(apps.map((a, i) => [`api ${i + 1}`, peakRssMb(a.proc.pid!)]));
    return { rows: tx.imp.metrics.rowsLoaded, scenarios, rssMb };
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    await db.end().catch(() => undefined);
    await pgClient.end().catch(() => undefined);
    redis.disconnect();
    await dropDatabase(url);
    await dropRedisPrefix(s.redisUrl, prefix);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

/** A random window of 1 to 30 days inside [lo, hi], as a query string (a new cache key every time). */
function randomWindow(lo: number, hi: number): () => string {
  return () => {
    const from = lo + Math.floor(Math.random() * Math.max(1, hi - lo - DAY_MS));
    const to = Math.min(from + DAY_MS + Math.floor(Math.random() * 29 * DAY_MS), hi + 1000);
    return `from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`;
  };
}
