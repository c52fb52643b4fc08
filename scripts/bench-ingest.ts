/**
 * npm run bench:ingest -- --rows 10000000 [--seed 1] [--file path] [--keep]
 *
 * In one run: (1) the physical limit, `psql \copy` of the same file into an unindexed table with
 * the same columns (all text, so Postgres does the least work), and (2) the product path, HTTP
 * upload → COMPLETED, on a fresh database; prints both times, their ratio, rows/s and peak RSS.
 */
import { execFileSync } from 'child_process';
import { createReadStream, createWriteStream, existsSync, promises as fs, statSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { writeTransactionsCsv } from '../libs/datagen';
import { dropDatabase, ensureDatabase } from '../libs/database/ensure-database';
import { AppConfig } from '../src/config/app-config';
import { dropRedisPrefix } from '../libs/redis/drop-prefix';
import { flags, peakRssMb, postFile, startApp, withDatabase } from './lib/bench-env';
import { rawCopySeconds } from './lib/raw-copy';

const COLUMNS = ['transaction_id', 'merchant_id', 'zone', 'category', 'amount', 'occurred_at', 'customer_phone'];

async function generate(rows: number, seed: number, file: string): Promise<void> {
  if (existsSync(file)) {
    console.log(`reusing ${file}`);
    return;
  }
  const started = Date.now();
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const res = await writeTransactionsCsv(out, { rows, seed });
  await new Promise((r) => out.end(r));
  console.log(`generated ${res.rows} rows (${res.faultyRows} faulty), ${(res.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * The floor for storing what the product stores: the product's cleaned rows, exported from its
 * table, COPYed with psql into an unindexed table with the product's column types.
 */
async function typedCopySeconds(productDb: string, baseUrl: string): Promise<number> {
  const exported = path.join(os.tmpdir(), 'bench-typed-rows.txt');
  execFileSync('psql', [productDb, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy (SELECT line_no, ${COLUMNS.join(', ')} FROM transactions) TO '${exported}'`], { stdio: 'inherit' });
  const url = withDatabase(baseUrl, 'analytics_bench_typed');
  await dropDatabase(url);
  await ensureDatabase(url);
  const db = new Client({ connectionString: url });
  await db.connect();
  await db.query(`CREATE TABLE typed_copy (line_no int, transaction_id text, merchant_id text, zone text, category text,
    amount numeric(12, 2), occurred_at timestamptz, customer_phone text)`);
  await db.end();
  const started = Date.now();
  execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy typed_copy FROM '${exported}'`], { stdio: 'inherit' });
  const seconds = (Date.now() - started) / 1000;
  await dropDatabase(url);
  await fs.rm(exported, { force: true });
  return seconds;
}

async function productSeconds(baseUrl: string, file: string, rows: number) {
  const config = AppConfig.fromProcessEnv();
  const url = withDatabase(baseUrl, 'analytics_bench');
  await dropDatabase(url);
  const key = 'bench-admin-key-0123456789';
  const redisPrefix = `bench_${Date.now()}`;
  const dataDir = path.join(os.tmpdir(), 'analytics-bench-data');
  const app = await startApp(
    {
      DATABASE_URL: url,
      REDIS_PREFIX: redisPrefix,
      DATA_DIR: dataDir,
      BOOTSTRAP_ADMIN_API_KEY: key,
      LOG_LEVEL: 'warn',
      MAX_UPLOAD_BYTES: String(config.MAX_UPLOAD_BYTES),
    },
    3990,
  );
  try {
    const rssAtStart = peakRssMb(app.proc.pid!);
    const started = Date.now();
    const upload = await postFile(`${app.baseUrl}/api/v1/imports/transactions?fileName=bench.csv`, createReadStream(file, { highWaterMark: 1 << 20 }), {
      'Content-Type': 'text/csv',
      'X-API-Key': key,
      'Content-Length': String(statSync(file).size),
    });
    if (upload.status !== 202) {
      throw new Error(`upload answered ${upload.status}: ${JSON.stringify(upload.body)}`);
    }
    const uploadSeconds = (Date.now() - started) / 1000;
    let body: any;
    for (;;) {
      const res = await fetch(`${app.baseUrl}/api/v1/imports/${upload.body.importId}`, { headers: { 'X-API-Key': key } });
      body = await res.json();
      if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(body.status)) {
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (Date.now() - started) / 1000;
    if (body.status !== 'COMPLETED') {
      throw new Error(`import ended ${body.status}: ${body.error}`);
    }
    const peakRss = peakRssMb(app.proc.pid!);
    await app.stop();
    console.log('typed reference (psql \\copy of the cleaned rows into the same column types) ...');
    const typed = await typedCopySeconds(url, baseUrl);
    return { seconds, uploadSeconds, body, peakRss, rssAtStart, rows, typed };
  } finally {
    await app.stop();
    await dropDatabase(url);
    await dropRedisPrefix(config.REDIS_URL, redisPrefix);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const f = flags();
  const rows = Number(f.rows ?? 10_000_000);
  const seed = Number(f.seed ?? 1);
  const file = f.file ?? path.join(os.tmpdir(), `bench-transactions-${rows}-s${seed}.csv`);
  const baseUrl = AppConfig.fromProcessEnv().DATABASE_URL;
  await generate(rows, seed, file);
  const sizeMb = statSync(file).size / 1e6;

  console.log('raw COPY (psql \\copy, unindexed all-text table) ...');
  const raw = await rawCopySeconds(baseUrl, file, COLUMNS);
  console.log('product (HTTP upload → COMPLETED) ...');
  const p = await productSeconds(baseUrl, file, rows);
  const m = p.body.metrics;

  const line = (k: string, v: string) => console.log(`${k.padEnd(34)} ${v}`);
  console.log('\n== bench:ingest ==');
  line('rows in file / file size', `${rows.toLocaleString()} / ${sizeMb.toFixed(0)} MB`);
  line('raw COPY', `${raw.toFixed(1)} s  (${Math.round(rows / raw).toLocaleString()} rows/s)`);
  line('product end-to-end', `${p.seconds.toFixed(1)} s  (${Math.round(rows / p.seconds).toLocaleString()} rows/s)`);
  line('  of which upload to disk', `${p.uploadSeconds.toFixed(1)} s`);
  line('  import job', `${(m.executionTimeMs / 1000).toFixed(1)} s  phases ${JSON.stringify(m.phasesMs)}`);
  line('typed reference COPY', `${p.typed.toFixed(1)} s  (the cleaned rows, product column types)`);
  line('ratio product / raw COPY', `${(p.seconds / raw).toFixed(2)}×  (target ≤ 2×)`);
  line('ratio product / typed reference', `${(p.seconds / p.typed).toFixed(2)}×`);
  line('rows loaded / rejected', `${m.rowsLoaded.toLocaleString()} / ${m.rowsRejected.toLocaleString()}  ${JSON.stringify(m.rejectsByReason)}`);
  line('app peak RSS (VmHWM, whole process)', `${p.peakRss} MB  (at ready: ${p.rssAtStart} MB; during the import job: ${m.peakRssMb} MB; target ≤ 300 MB)`);
  line('max event-loop delay during import', `${m.maxEventLoopDelayMs} ms  (Bull lock: ${AppConfig.fromProcessEnv().QUEUE_LOCK_DURATION_MS} ms)`);
  if (!f.keep && !f.file) {
    await fs.rm(file, { force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
