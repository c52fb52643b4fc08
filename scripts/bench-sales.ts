/**
 * npm run bench:sales -- --rows 10000000 [--shape default|adversarial] [--format csv|ndjson|json]
 *                        [--import-only] [--seed 1] [--duration 20] [--file path] [--keep]
 *
 * --shape adversarial: every row a distinct product, 10,000 categories and regions, ten years
 * (the daily rollup cannot be folded in memory and is summed in SQL at publish); --format: the
 * same rows as NDJSON or a JSON array; --import-only: stop after the import (no output timings).
 *
 * The sales kind end to end, in one run:
 * - the messy sales file (libs/datagen, default error rate), generated unless it exists;
 * - the physical limit: `psql \copy` of the same file into an unindexed all-text table;
 * - the product path: HTTP upload (raw text/csv) → COMPLETED, with the ratio to the raw COPY
 *   (target ≤ 2×), the job's phases (publish = attach and the daily rollup), rows loaded / rejected and
 *   the app's peak RSS; then how long the job's post-commit indexing took after COMPLETED;
 * - the physical reference for each question: plain SQL over the raw rows (best of 2);
 * - per output under /api/v1/sales/: cold (the first request after a publish: a 10-row import
 *   before each of 3 tries), warm (autocannon, 50 connections, same URL, served from the cache;
 *   target p95 ≤ 50 ms) and uncached (10 connections, a random day window of 2024 per request,
 *   so every answer is computed; not for data-quality, which takes no window).
 * The machine is shared and noisy: compare with what Postgres alone does in the same run.
 */
import { createReadStream, promises as fs, statSync } from 'fs';
import Redis from 'ioredis';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { Readable } from 'stream';
import { SALES_HEADER, SALES_PRODUCTS, SALES_REGIONS, SalesShape, writeSalesCsv } from '../libs/datagen';
import { OutputFormat, writeInFormat } from '../libs/datagen/csv-to-json';
import { dropDatabase } from '../libs/database/ensure-database';
import { AppConfig } from '../src/config/app-config';
import { benchStage, flags, peakRssMb, RunningApp, startApp, withDatabase } from './lib/bench-env';
import { EndpointBench, generate, importCsv, measureEndpoint, met, ms, pcts, rawScans } from './lib/bench-load';
import { rawCopySeconds } from './lib/raw-copy';

const KEY = 'bench-admin-key-0123456789';
const HEADERS = { 'X-API-Key': KEY };
const PORT = 3992;
const DAY_MS = 86_400_000;
/** The generator's default year: the data and every window lie in it. */
const YEAR_START = Date.UTC(2024, 0, 1);
const YEAR_DAYS = (Date.UTC(2025, 0, 1) - YEAR_START) / DAY_MS;
const WARM_P95_TARGET = 50;
const COLUMNS = SALES_HEADER.split(',');

/** The seven anomaly rules over the averages of all rows (the same as the anomalies output). */
const SCORE = `CASE WHEN s.revenue > 10 * a.revenue THEN 3 ELSE 0 END
  + CASE WHEN s.quantity > 5 * a.quantity THEN 2 ELSE 0 END
  + CASE WHEN s.unit_price > 5 * a.unit_price THEN 2 ELSE 0 END
  + CASE WHEN s.discount > 0.7 THEN 1 ELSE 0 END
  + CASE WHEN s.unit_price > 1000 AND s.discount > 0.5 THEN 2 ELSE 0 END
  + CASE WHEN s.revenue > 50000 THEN 1 ELSE 0 END
  + CASE WHEN s.quantity > 100 AND s.unit_price > 500 THEN 2 ELSE 0 END`;

/** Each output, the plain SQL answering its question over the raw rows, and whether it takes a day window. */
const OUTPUTS: Array<{ name: string; raw: string; windowed: boolean }> = [
  {
    name: 'monthly-summary',
    raw: `SELECT to_char(sale_at AT TIME ZONE 'UTC', 'YYYY-MM'), sum(revenue), sum(quantity), avg(discount), count(*) FROM sales GROUP BY 1 ORDER BY 1`,
    windowed: true,
  },
  { name: 'top-products', raw: `SELECT product_name, sum(revenue), sum(quantity) FROM sales GROUP BY 1 ORDER BY 2 DESC LIMIT 10`, windowed: true },
  { name: 'region-performance', raw: `SELECT region, sum(revenue), sum(quantity) FROM sales GROUP BY 1 ORDER BY 2 DESC`, windowed: true },
  {
    name: 'category-discounts',
    raw: `SELECT category, coalesce(sum(revenue * discount) / nullif(sum(revenue), 0), 0), sum(revenue) FROM sales GROUP BY 1 ORDER BY 2 DESC`,
    windowed: true,
  },
  {
    name: 'anomalies',
    raw: `WITH a AS (SELECT avg(revenue) AS revenue, avg(quantity) AS quantity, avg(unit_price) AS unit_price FROM sales)
          SELECT * FROM (SELECT s.*, ${SCORE} AS score FROM sales s CROSS JOIN a) x
          WHERE score >= 2 ORDER BY score DESC, revenue DESC LIMIT 5`,
    windowed: true,
  },
  { name: 'top-transactions', raw: `SELECT * FROM sales ORDER BY revenue DESC, order_id LIMIT 10`, windowed: true },
  {
    name: 'data-quality',
    raw: `SELECT count(*), sum(n) FROM (SELECT count(*) AS n FROM sales GROUP BY order_id HAVING count(*) > 1) d`,
    windowed: false,
  },
];

interface Bench extends EndpointBench {
  publishes: number;
}

const day = (index: number) => new Date(YEAR_START + index * DAY_MS).toISOString().slice(0, 10);

/** A publish that bumps the data version: 10 valid sales rows with order ids of their own. */
async function publishTiny(b: Bench): Promise<void> {
  const n = ++b.publishes;
  const rows = Array.from({ length: 10 }, (_, i) => {
    const p = SALES_PRODUCTS[i % SALES_PRODUCTS.length];
    const region = SALES_REGIONS[i % SALES_REGIONS.length];
    return [`BENCHCOLD-${n}-${i}`, p.name, p.category, 1 + i, p.basePrice.toFixed(2), '0.10', region, day((n * 10 + i) % YEAR_DAYS), 'user1@example.com'];
  });
  const csv = [SALES_HEADER, ...rows.map((r) => r.join(','))].join('\n') + '\n';
  const { imp } = await importCsv(b, 'sales', Readable.from([csv]), Buffer.byteLength(csv));
  if (imp.metrics.rowsLoaded !== 10) {
    throw new Error(`the 10-row publish loaded ${imp.metrics.rowsLoaded} rows: ${JSON.stringify(imp.rejectsByReason)}`);
  }
}

/** A random day window of the year (from < to, to exclusive) as a query string. */
function randomWindow(): string {
  const a = Math.floor(Math.random() * (YEAR_DAYS + 1));
  let c = Math.floor(Math.random() * YEAR_DAYS);
  c = c >= a ? c + 1 : c; // another day of 0..YEAR_DAYS
  return `from=${day(Math.min(a, c))}&to=${day(Math.max(a, c))}`;
}

async function main(): Promise<void> {
  const f = flags();
  const rows = Number(f.rows ?? 10_000_000);
  const seed = Number(f.seed ?? 1);
  const duration = Number(f.duration ?? 20);
  const shape = (f.shape ?? 'default') as SalesShape;
  const format = (f.format ?? 'csv') as OutputFormat;
  const media = { csv: 'text/csv', ndjson: 'application/x-ndjson', json: 'application/json' }[format];
  const file = f.file ?? path.join(os.tmpdir(), `bench-sales-${rows}-s${seed}${shape === 'default' ? '' : `-${shape}`}.${format}`);
  const config = AppConfig.fromProcessEnv();
  const { url, prefix, dataDir, reset, remove } = benchStage(config, 'sales');
  const rawDb = 'analytics_bench_sales_raw';

  await generate(file, async (out) => {
    const { result } = await writeInFormat(out, format, (sink) => writeSalesCsv(sink, { rows, seed, shape }));
    return { ...result, rows };
  });
  const sizeMb = statSync(file).size / 1e6;
  console.log(`sales file: ${rows.toLocaleString()} rows, ${sizeMb.toFixed(0)} MB (shape ${shape}, ${format})`);
  await reset();

  const redis = new Redis(config.REDIS_URL);
  const db = new Client({ connectionString: url });
  let app: RunningApp | undefined;
  try {
    console.log('\nraw COPY (psql \\copy, unindexed all-text table) ...');
    const rawCopy = await rawCopySeconds(config.DATABASE_URL, file, COLUMNS, rawDb, format === 'csv' ? 'csv' : 'ndjson');
    console.log(`raw COPY ${rawCopy.toFixed(1)} s (${Math.round(rows / rawCopy).toLocaleString()} rows/s)`);

    const env = { DATABASE_URL: url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn' };
    app = await startApp(env, PORT);
    const b: Bench = { app, redis, db, prefix, headers: HEADERS, duration, publishes: 0, publishTiny: () => publishTiny(b) };

    console.log('\nproduct import (HTTP upload → COMPLETED) ...');
    const sales = await importCsv(b, 'sales', createReadStream(file, { highWaterMark: 1 << 20 }), statSync(file).size, media);
    const m = sales.imp.metrics;
    const rssAfterImport = peakRssMb(app.proc.pid!);
    const ratio = sales.seconds / rawCopy;
    const publishShare = m.phasesMs.publish / m.executionTimeMs;
    const indexingSeconds = sales.settledSeconds - sales.seconds;
    const phase = (k: string) => `${k} ${(m.phasesMs[k] / 1000).toFixed(2)} s`;
    console.log(
      `product import ${sales.seconds.toFixed(1)} s end-to-end (${Math.round(rows / sales.seconds).toLocaleString()} rows/s), ` +
        `job ${(m.executionTimeMs / 1000).toFixed(1)} s; ${ratio.toFixed(2)}× the raw COPY (target ≤ 2×: ${met(ratio <= 2)})`,
    );
    console.log(
      `phases: ${['copy', 'dedupe', 'publish']
        .filter((k) => k in m.phasesMs)
        .map(phase)
        .join(', ')}; all phasesMs ${JSON.stringify(m.phasesMs)}; folds ${JSON.stringify(m.folds ?? {})}`,
    );
    console.log(
      `rows loaded ${m.rowsLoaded.toLocaleString()}, rejected ${m.rowsRejected.toLocaleString()} ${JSON.stringify(sales.imp.rejectsByReason ?? m.rejectsByReason ?? {})}`,
    );
    console.log(`app peak RSS ${rssAfterImport} MB (the job's own figure ${m.peakRssMb} MB)`);
    console.log(`post-commit indexing (Bull job finished) ${indexingSeconds.toFixed(1)} s after COMPLETED`);

    await db.connect();
    if (f['import-only']) {
      return;
    }
    const raw = await rawScans(db, OUTPUTS);

    const results = [];
    for (const o of OUTPUTS) {
      results.push(await measureEndpoint(b, o.name, `/api/v1/sales/${o.name}`, o.windowed ? randomWindow : undefined));
    }

    console.log('\n== bench:sales summary ==\n');
    const uncachedSeconds = Math.max(1, Math.round(duration / 2));
    console.log(
      `rows ${rows.toLocaleString()} (seed ${seed}, ${sizeMb.toFixed(0)} MB); warm ${duration} s × 50 connections; ` +
        `uncached ${uncachedSeconds} s × 10, random day windows of 2024\n`,
    );
    console.log('| output | raw SQL ms | cold max ms | warm p50 / p95 / p99 ms | warm req/s | uncached p50 / p95 ms | target |');
    console.log('|---|---|---|---|---|---|---|');
    let failures = 0;
    for (const { name, cold, warm: w, uncached: u } of results) {
      const checks = [`warm p95 ≤ ${WARM_P95_TARGET}: ${met(w.p95 <= WARM_P95_TARGET)}`];
      const [non2xx, errors] = [w.non2xx + (u?.non2xx ?? 0), w.errors + (u?.errors ?? 0)];
      if (non2xx + errors > 0) {
        failures += non2xx + errors;
        checks.push(`**non-2xx ${non2xx}, errors ${errors}**`);
      }
      const uncached = u ? `${ms(u.p50)} / ${ms(u.p95)}` : '– (no window)';
      const row = [name, ms(raw.get(name)!), ms(Math.max(...cold)), pcts(w), w.rps.toFixed(0), uncached, checks.join('; ')];
      console.log(`| ${row.join(' | ')} |`);
    }
    const line = (k: string, v: string) => console.log(`${k.padEnd(28)} ${v}`);
    console.log('');
    line('product import', `${sales.seconds.toFixed(1)} s end-to-end (${Math.round(rows / sales.seconds).toLocaleString()} rows/s)`);
    line('raw COPY', `${rawCopy.toFixed(1)} s (${Math.round(rows / rawCopy).toLocaleString()} rows/s)`);
    line('ratio product / raw COPY', `${ratio.toFixed(2)}× (target ≤ 2×: ${met(ratio <= 2)})`);
    line(
      'publish (daily rollup)',
      `${(m.phasesMs.publish / 1000).toFixed(2)} s = ${(publishShare * 100).toFixed(1)} % of the job ` +
        `(${((m.phasesMs.publish / 1000 / sales.seconds) * 100).toFixed(1)} % of end-to-end)`,
    );
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
      console.log(`\nkept: psql ${url}  (Redis prefix ${prefix}, data dir ${dataDir}, file ${file})`);
      console.log(`app on it: DATABASE_URL=${url} REDIS_PREFIX=${prefix} DATA_DIR=${dataDir} BOOTSTRAP_ADMIN_API_KEY=${KEY} npm run start:prod`);
    } else {
      await remove();
      if (!f.file) {
        await fs.rm(file, { force: true });
      }
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
