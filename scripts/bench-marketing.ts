/**
 * npm run bench:marketing -- --rows 10000000 [--shape default|adversarial] [--restate-days 7]
 *                            [--import-only] [--seed 1] [--duration 20] [--file path] [--keep]
 *
 * The marketing kind end to end, in one run:
 * - the ad-performance file (libs/datagen/marketing.generator.ts: 2,000 campaigns × 5 ad groups × 4
 *   ads over two years by default; adversarial: 200,000 campaigns over ten years, three currencies,
 *   quoted names, CRLF) and its restatement (the last --restate-days days again, late conversions),
 *   generated unless they exist;
 * - the physical limit: `psql \copy` of the same file into an unindexed all-text table;
 * - the product path: HTTP upload (raw text/csv) → COMPLETED, with the ratio to the raw COPY
 *   (target ≤ 2×), the job's phases and the app's peak RSS; then the restatement's import (rows
 *   replaced, time);
 * - the physical reference for each question: plain SQL over the raw rows (best of 2);
 * - the HTTP floor: the no-op GET /health/live under the warm load, what Nest and Express alone cost;
 * - per answer under /api/v1/marketing/: cold (the first request after a publish: a 10-row import
 *   before each of 3 tries; target ≤ 500 ms), warm (autocannon, 50 connections, same URL, from the
 *   cache; target p95 ≤ 50 ms) and uncached (10 connections, a random window per request).
 * Adversarial data holds three currencies: every request then names one (currency=USD).
 * The machine is shared and noisy: compare with what Postgres alone does in the same run.
 */
import { createReadStream, promises as fs, statSync } from 'fs';
import Redis from 'ioredis';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { Readable } from 'stream';
import { MARKETING_HEADER, MarketingShape, writeMarketingCsv } from '../libs/datagen';
import { dropDatabase } from '../libs/database/ensure-database';
import { AppConfig } from '../src/config/app-config';
import { benchStage, flags, peakRssMb, RunningApp, startApp, withDatabase } from './lib/bench-env';
import { EndpointBench, generate, httpFloor, importCsv, measureEndpoint, met, ms, pcts, rawScans } from './lib/bench-load';
import { rawCopySeconds } from './lib/raw-copy';

const KEY = 'bench-admin-key-0123456789';
const HEADERS = { 'X-API-Key': KEY };
const PORT = 3993;
const DAY_MS = 86_400_000;
const WARM_P95_TARGET = 50;
const COLD_TARGET = 500;
const COLUMNS = MARKETING_HEADER.split(',');
const END_DAY = '2025-06-30';

interface Bench extends EndpointBench {
  publishes: number;
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

async function main(): Promise<void> {
  const f = flags();
  const rows = Number(f.rows ?? 10_000_000);
  const seed = Number(f.seed ?? 1);
  const duration = Number(f.duration ?? 20);
  const shape = (f.shape ?? 'default') as MarketingShape;
  const restateDays = Number(f['restate-days'] ?? 7);
  const days = shape === 'adversarial' ? 3650 : 730;
  const currency = shape === 'adversarial' ? 'currency=USD' : '';
  const file = f.file ?? path.join(os.tmpdir(), `bench-marketing-${rows}-s${seed}${shape === 'default' ? '' : `-${shape}`}.csv`);
  const restated = file.replace(/\.csv$/, `.restated-${restateDays}.csv`);
  const config = AppConfig.fromProcessEnv();
  const { url, prefix, dataDir, reset, remove } = benchStage(config, 'marketing');
  const rawDb = 'analytics_bench_marketing_raw';

  await generate(file, (out) => writeMarketingCsv(out, { rows, seed, shape }));
  await generate(restated, (out) => writeMarketingCsv(out, { rows, seed, shape, restateDays }));
  const sizeMb = statSync(file).size / 1e6;
  console.log(
    `marketing file: ${rows.toLocaleString()} rows, ${sizeMb.toFixed(0)} MB (shape ${shape}); restatement of ${restateDays} days: ${(statSync(restated).size / 1e6).toFixed(1)} MB`,
  );
  await reset();

  const redis = new Redis(config.REDIS_URL);
  const db = new Client({ connectionString: url });
  let app: RunningApp | undefined;
  const endMs = Date.parse(`${END_DAY}T00:00:00Z`);
  const startMs = endMs - (days - 1) * DAY_MS;
  /** A random window of the data's span, as start_date/end_date (the paths already name the currency). */
  const randomWindow = () => {
    const a = startMs + Math.floor(Math.random() * days) * DAY_MS;
    const c = startMs + Math.floor(Math.random() * days) * DAY_MS;
    return `start_date=${day(Math.min(a, c))}&end_date=${day(Math.max(a, c))}`;
  };
  /** A random 30-day window's end (trends, anomalies, insights take a window ending there). */
  const randomEnd = () => `end_date=${day(startMs + (30 + Math.floor(Math.random() * (days - 30))) * DAY_MS)}`;
  try {
    console.log('\nraw COPY (psql \\copy, unindexed all-text table) ...');
    const rawCopy = await rawCopySeconds(config.DATABASE_URL, file, COLUMNS, rawDb, 'csv');
    console.log(`raw COPY ${rawCopy.toFixed(1)} s (${Math.round(rows / rawCopy).toLocaleString()} rows/s)`);

    const env = { DATABASE_URL: url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn' };
    app = await startApp(env, PORT);
    const b: Bench = { app, redis, db, prefix, headers: HEADERS, duration, publishes: 0, publishTiny: () => publishTiny(b) };

    console.log('\nproduct import (HTTP upload → COMPLETED) ...');
    const main = await importCsv(b, 'marketing', createReadStream(file, { highWaterMark: 1 << 20 }), statSync(file).size);
    const m = main.imp.metrics;
    const rssAfterImport = peakRssMb(app.proc.pid!);
    const ratio = main.seconds / rawCopy;
    const indexingSeconds = main.settledSeconds - main.seconds;
    console.log(
      `product import ${main.seconds.toFixed(1)} s end-to-end (${Math.round(rows / main.seconds).toLocaleString()} rows/s), ` +
        `job ${(m.executionTimeMs / 1000).toFixed(1)} s; ${ratio.toFixed(2)}× the raw COPY (target ≤ 2×: ${met(ratio <= 2)})`,
    );
    console.log(`phasesMs ${JSON.stringify(m.phasesMs)}`);
    console.log(`rows loaded ${m.rowsLoaded.toLocaleString()}, rejected ${m.rowsRejected.toLocaleString()} ${JSON.stringify(main.imp.rejectsByReason)}`);
    console.log(`app peak RSS ${rssAfterImport} MB (the job's own figure ${m.peakRssMb} MB); post-commit indexing ${indexingSeconds.toFixed(1)} s after COMPLETED`);

    console.log(`\nrestatement (${restateDays} days again, late conversions) ...`);
    const restatement = await importCsv(b, 'marketing', createReadStream(restated), statSync(restated).size);
    const r = restatement.imp;
    console.log(
      `restatement ${restatement.seconds.toFixed(1)} s: ${r.progress.rowsLoaded.toLocaleString()} rows, ${r.rowsReplaced.toLocaleString()} replaced; ` +
        `phasesMs ${JSON.stringify(r.metrics.phasesMs)}`,
    );

    await db.connect();
    if (f['import-only']) {
      return;
    }
    const lastMonth = `day > date '${END_DAY}' - 30`;
    const raw = await rawScans(db, [
      { name: 'roi', raw: `SELECT sum(impressions), sum(clicks), sum(conversions), sum(cost_cents), sum(revenue_cents) FROM marketing` },
      { name: 'breakdown campaign', raw: `SELECT campaign_id, sum(cost_cents), sum(revenue_cents), sum(clicks) FROM marketing GROUP BY 1` },
      { name: 'breakdown date', raw: `SELECT day, sum(cost_cents), sum(revenue_cents), sum(clicks) FROM marketing GROUP BY 1` },
      { name: 'trends', raw: `SELECT day, sum(cost_cents), sum(revenue_cents) FROM marketing WHERE ${lastMonth} GROUP BY 1` },
      { name: 'anomalies one', raw: `SELECT day, sum(cost_cents) FROM marketing WHERE campaign_id = 'cmp-17' AND ${lastMonth} GROUP BY 1` },
      { name: 'anomalies all', raw: `SELECT campaign_id, day, sum(cost_cents) FROM marketing WHERE ${lastMonth} GROUP BY 1, 2` },
      { name: 'insights', raw: `SELECT ad_id, sum(cost_cents), sum(revenue_cents), sum(conversions) FROM marketing WHERE ${lastMonth} GROUP BY 1` },
    ]);
    const q = (s: string) => (currency ? `${s}${s.includes('?') ? '&' : '?'}${currency}` : s);
    const endpoints: Array<{ name: string; path: string; window: () => string }> = [
      { name: 'roi', path: q('/api/v1/marketing/roi'), window: randomWindow },
      { name: 'breakdown campaign', path: q('/api/v1/marketing/breakdown?dimension=campaign&sort=roi'), window: randomWindow },
      { name: 'breakdown date', path: q('/api/v1/marketing/breakdown?dimension=date'), window: randomWindow },
      { name: 'trends', path: q('/api/v1/marketing/trends?granularity=day&days=30'), window: randomEnd },
      { name: 'anomalies one', path: q('/api/v1/marketing/anomalies?metric_type=cost&entity_type=campaign&entity_id=cmp-17'), window: randomEnd },
      { name: 'anomalies all', path: q('/api/v1/marketing/anomalies?metric_type=cost&entity_type=campaign'), window: randomEnd },
      { name: 'insights', path: q('/api/v1/marketing/insights'), window: randomEnd },
    ];
    console.log('\n== HTTP floor ==');
    const floor = await httpFloor(b);
    const results = [];
    for (const e of endpoints) {
      results.push(await measureEndpoint(b, e.name, e.path, e.window));
    }

    console.log('\n== bench:marketing summary ==\n');
    console.log(
      `rows ${rows.toLocaleString()} (seed ${seed}, shape ${shape}, ${sizeMb.toFixed(0)} MB); warm ${duration} s × 50 connections; uncached ${Math.max(1, Math.round(duration / 2))} s × 10, random windows\n`,
    );
    console.log('| answer | raw SQL ms | cold max ms | warm p50 / p95 / p99 ms | warm req/s | uncached p50 / p95 ms | target |');
    console.log('|---|---|---|---|---|---|---|');
    let failures = 0;
    for (const { name, cold, warm: w, uncached: u } of results) {
      const checks = [`warm p95 ≤ ${WARM_P95_TARGET}: ${met(w.p95 <= WARM_P95_TARGET)}`, `cold ≤ ${COLD_TARGET}: ${met(Math.max(...cold) <= COLD_TARGET)}`];
      const [non2xx, errors] = [w.non2xx + (u?.non2xx ?? 0), w.errors + (u?.errors ?? 0)];
      if (non2xx + errors > 0) {
        failures += non2xx + errors;
        checks.push(`**non-2xx ${non2xx}, errors ${errors}**`);
      }
      const row = [name, ms(raw.get(name)!), ms(Math.max(...cold)), pcts(w), w.rps.toFixed(0), u ? `${ms(u.p50)} / ${ms(u.p95)}` : '–', checks.join('; ')];
      console.log(`| ${row.join(' | ')} |`);
    }
    console.log(`| HTTP floor (no-op /health/live) | – | – | ${pcts(floor)} | ${floor.rps.toFixed(0)} | – | the framework alone, same load |`);
    const line = (k: string, v: string) => console.log(`${k.padEnd(28)} ${v}`);
    console.log('');
    line('product import', `${main.seconds.toFixed(1)} s end-to-end (${Math.round(rows / main.seconds).toLocaleString()} rows/s)`);
    line('raw COPY', `${rawCopy.toFixed(1)} s (${Math.round(rows / rawCopy).toLocaleString()} rows/s)`);
    line('ratio product / raw COPY', `${ratio.toFixed(2)}× (target ≤ 2×: ${met(ratio <= 2)})`);
    line('restatement', `${restatement.seconds.toFixed(1)} s for ${r.progress.rowsLoaded.toLocaleString()} rows (${r.rowsReplaced.toLocaleString()} replaced)`);
    line('post-commit indexing', `${indexingSeconds.toFixed(1)} s after COMPLETED`);
    line('app peak RSS', `${rssAfterImport} MB after the import, ${peakRssMb(app.proc.pid!)} MB at the end`);
    if (failures > 0) {
      console.log(`\n**${failures} non-2xx answers or errors under load**`);
    }
  } finally {
    await app?.stop();
    await db.end().catch(() => undefined);
    redis.disconnect();
    await dropDatabase(withDatabase(config.DATABASE_URL, rawDb));
    if (f.keep) {
      console.log(`\nkept: psql ${url}  (Redis prefix ${prefix}, data dir ${dataDir}, files ${file}, ${restated})`);
    } else {
      await remove();
      if (!f.file) {
        await fs.rm(file, { force: true });
        await fs.rm(restated, { force: true });
      }
    }
  }
}

/** A publish that bumps the data version: 10 rows of a campaign of their own. */
async function publishTiny(b: Bench): Promise<void> {
  const n = ++b.publishes;
  const lines = Array.from({ length: 10 }, (_, i) => `bench-cold-${n},meta,${END_DAY},,,,ad-${i},,,100,5,1,2.50,4.00,USD`);
  const csv = [MARKETING_HEADER, ...lines].join('\n') + '\n';
  const { imp } = await importCsv(b, 'marketing', Readable.from([csv]), Buffer.byteLength(csv));
  if (imp.metrics.rowsLoaded !== 10) {
    throw new Error(`the 10-row publish loaded ${imp.metrics.rowsLoaded} rows: ${JSON.stringify(imp.rejectsByReason)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
