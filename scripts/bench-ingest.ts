/**
 * npm run bench:ingest -- --rows 10000000 [--shape default|mixed|adversarial] [--format csv|ndjson|json]
 *                         [--seed 1] [--file path] [--keep] [--typed] [--reupload] [--other-tenant]
 *
 * In one run: (1) the physical limit, `psql \copy` of the same file into an unindexed table (all
 * text, so Postgres does the least work; an NDJSON file as one value per line), and (2) the
 * product path, HTTP upload → COMPLETED, on a fresh database; prints both times, their ratio,
 * rows/s, the job's phases, how its folds coped (summed in SQL, spills) and the app's peak RSS.
 * Options:
 * - --shape: the generator's shape (libs/datagen transactions.shapes): default, mixed (a real
 *   user's file: ~rows/3 customers, 3,000 merchants, 41 zones in 4 spellings, 120 days, every
 *   timestamp format, quoted rows, CRLF) or adversarial (every limit at once);
 * - --format ndjson|json: the same rows as NDJSON or one JSON array (raw body application/x-ndjson
 *   or application/json);
 * - --typed: also the typed reference, `psql \copy` of the product's cleaned rows into its column
 *   types (CSV only);
 * - --reupload: then the same file again into the same organization (every id known: all rows
 *   DUPLICATE_ID, with rejectThreshold=1), the worst case of the duplicate check;
 * - --other-tenant: a tenth of the rows first into an empty database, then, once the big file is
 *   loaded, the same tenth into a new organization: what another tenant's data costs an import.
 */
import { execFileSync } from 'child_process';
import { createReadStream, createWriteStream, existsSync, promises as fs, statSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { TRANSACTIONS_SHAPES, TransactionsShape, writeTransactionsCsv } from '../libs/datagen';
import { OutputFormat, writeInFormat } from '../libs/datagen/csv-to-json';
import { dropDatabase, ensureDatabase } from '../libs/database/ensure-database';
import { AppConfig } from '../src/config/app-config';
import { dropRedisPrefix } from '../libs/redis/drop-prefix';
import { CompletedImport, flags, peakRssMb, postFile, RunningApp, startApp, withDatabase } from './lib/bench-env';
import { rawCopySeconds } from './lib/raw-copy';

const COLUMNS = ['transaction_id', 'merchant_id', 'zone', 'category', 'amount', 'occurred_at', 'customer_phone'];
const KEY = 'bench-admin-key-0123456789';
const MEDIA: Record<OutputFormat, string> = { csv: 'text/csv', ndjson: 'application/x-ndjson', json: 'application/json' };

async function generate(file: string, rows: number, seed: number, shape: TransactionsShape, format: OutputFormat): Promise<void> {
  if (existsSync(file)) {
    console.log(`reusing ${file}`);
    return;
  }
  const started = Date.now();
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const { result } = await writeInFormat(out, format, (sink) => writeTransactionsCsv(sink, { rows, seed, shape }));
  await new Promise((r) => out.end(r));
  console.log(
    `generated ${rows.toLocaleString()} rows (${result.faultyRows} faulty, shape ${shape}, ${format}), ${(statSync(file).size / 1e6).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
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

interface Imported {
  seconds: number;
  uploadSeconds: number;
  body: CompletedImport;
}

/** Uploads `file` as the raw body of POST /imports/transactions and waits for the import to end. */
async function importFile(app: RunningApp, key: string, file: string, format: OutputFormat, query = ''): Promise<Imported> {
  const started = Date.now();
  const upload = await postFile<{ importId: string }>(`${app.baseUrl}/api/v1/imports/transactions?fileName=bench&${query}`, createReadStream(file, { highWaterMark: 1 << 20 }), {
    'Content-Type': MEDIA[format],
    'X-API-Key': key,
    'Content-Length': String(statSync(file).size),
  });
  if (upload.status !== 202) {
    throw new Error(`upload answered ${upload.status}: ${JSON.stringify(upload.body)}`);
  }
  const uploadSeconds = (Date.now() - started) / 1000;
  let body: CompletedImport;
  for (;;) {
    const res = await fetch(`${app.baseUrl}/api/v1/imports/${upload.body.importId}`, { headers: { 'X-API-Key': key } });
    body = (await res.json()) as CompletedImport;
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(body.status)) {
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (body.status !== 'COMPLETED') {
    throw new Error(`import ended ${body.status}: ${body.errorCode} ${body.error}`);
  }
  return { seconds: (Date.now() - started) / 1000, uploadSeconds, body };
}

/** Waits until the import's post-commit work (indexes, statistics) is done. */
async function settled(app: RunningApp, key: string, importId: string): Promise<void> {
  for (;;) {
    const body = (await (await fetch(`${app.baseUrl}/api/v1/imports/${importId}`, { headers: { 'X-API-Key': key } })).json()) as { indexedAt: string | null };
    if (body.indexedAt) {
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function newOrganization(app: RunningApp, name: string): Promise<string> {
  const res = await fetch(`${app.baseUrl}/api/v1/organizations`, {
    method: 'POST',
    headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as { adminKey: { key: string } };
  return body.adminKey.key;
}

async function main(): Promise<void> {
  const f = flags();
  const rows = Number(f.rows ?? 10_000_000);
  const seed = Number(f.seed ?? 1);
  const shape = (f.shape ?? 'default') as TransactionsShape;
  const format = (f.format ?? 'csv') as OutputFormat;
  if (!TRANSACTIONS_SHAPES.includes(shape) || !(format in MEDIA)) {
    throw new Error(`--shape must be one of ${TRANSACTIONS_SHAPES.join(', ')}, --format one of csv, ndjson, json`);
  }
  const ext = format === 'csv' ? 'csv' : format;
  const file = f.file ?? path.join(os.tmpdir(), `bench-transactions-${rows}-s${seed}${shape === 'default' ? '' : `-${shape}`}.${ext}`);
  const tenthFile = path.join(os.tmpdir(), `bench-transactions-${Math.round(rows / 10)}-s${seed + 1}-${shape}.${ext}`);
  const config = AppConfig.fromProcessEnv();
  const baseUrl = config.DATABASE_URL;
  await generate(file, rows, seed, shape, format);
  if (f['other-tenant']) {
    await generate(tenthFile, Math.round(rows / 10), seed + 1, shape, format);
  }
  const sizeMb = statSync(file).size / 1e6;

  console.log(`raw COPY (psql \\copy, unindexed ${format === 'csv' ? 'all-text table' : 'one-column table, a line per row'}) ...`);
  const raw = await rawCopySeconds(baseUrl, file, COLUMNS, 'analytics_bench_raw', format === 'csv' ? 'csv' : 'ndjson');

  const url = withDatabase(baseUrl, 'analytics_bench');
  await dropDatabase(url);
  const redisPrefix = `bench_${Date.now()}`;
  const dataDir = path.join(os.tmpdir(), 'analytics-bench-data');
  const app = await startApp(
    { DATABASE_URL: url, REDIS_PREFIX: redisPrefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn', MAX_UPLOAD_BYTES: String(config.MAX_UPLOAD_BYTES) },
    3990,
  );
  const line = (k: string, v: string) => console.log(`${k.padEnd(36)} ${v}`);
  try {
    const rssAtStart = peakRssMb(app.proc.pid!);
    let alone: Imported | undefined;
    if (f['other-tenant']) {
      console.log('a tenth of the rows into the empty database ...');
      alone = await importFile(app, await newOrganization(app, 'alone'), tenthFile, format);
    }
    console.log('product (HTTP upload → COMPLETED) ...');
    const main = await importFile(app, KEY, file, format, 'rejectThreshold=0.9');
    const peakAfterImport = peakRssMb(app.proc.pid!);
    const m = main.body.metrics;

    let again: Imported | undefined;
    let beside: Imported | undefined;
    if (f.reupload || f['other-tenant']) {
      await settled(app, KEY, main.body.importId);
    }
    if (f.reupload) {
      console.log('the same file again (every id known) ...');
      again = await importFile(app, KEY, file, format, 'rejectThreshold=1');
      // Its post-commit vacuum of ~10M removed rows must not run beside the next measurement.
      await settled(app, KEY, again.body.importId);
    }
    if (f['other-tenant']) {
      console.log('the tenth again, into a new organization beside the big one ...');
      beside = await importFile(app, await newOrganization(app, 'beside'), tenthFile, format);
    }
    const peakAtEnd = peakRssMb(app.proc.pid!);
    await app.stop();
    const typed = f.typed && format === 'csv' ? await typedCopySeconds(url, baseUrl) : null;

    console.log('\n== bench:ingest ==');
    line('rows in file / file size', `${rows.toLocaleString()} / ${sizeMb.toFixed(0)} MB (shape ${shape}, ${format})`);
    line('raw COPY', `${raw.toFixed(1)} s  (${Math.round(rows / raw).toLocaleString()} rows/s)`);
    line('product end-to-end', `${main.seconds.toFixed(1)} s  (${Math.round(rows / main.seconds).toLocaleString()} rows/s)`);
    line('  of which upload to disk', `${main.uploadSeconds.toFixed(1)} s`);
    line('  import job', `${(m.executionTimeMs / 1000).toFixed(1)} s  phases ${JSON.stringify(m.phasesMs)}`);
    line('  folds', JSON.stringify(m.folds ?? {}));
    line('ratio product / raw COPY', `${(main.seconds / raw).toFixed(2)}×  (target ≤ 2×)`);
    if (typed !== null) {
      line('typed reference COPY', `${typed.toFixed(1)} s  (the cleaned rows, product column types)`);
      line('ratio product / typed reference', `${(main.seconds / typed).toFixed(2)}×`);
    }
    line('rows loaded / rejected', `${m.rowsLoaded.toLocaleString()} / ${m.rowsRejected.toLocaleString()}  ${JSON.stringify(m.rejectsByReason)}`);
    line('app peak RSS (VmHWM, whole process)', `${peakAfterImport} MB after the import (at ready: ${rssAtStart} MB; the job's own sampling: ${m.peakRssMb} MB; target ≤ 300 MB)`);
    line('max event-loop delay during import', `${m.maxEventLoopDelayMs} ms  (Bull lock: ${config.QUEUE_LOCK_DURATION_MS} ms)`);
    if (again) {
      const a = again.body.metrics;
      line(
        're-upload (every id known)',
        `${again.seconds.toFixed(1)} s, ${a.rowsRejected.toLocaleString()} rejected ${JSON.stringify(a.rejectsByReason)}, phases ${JSON.stringify(a.phasesMs)}`,
      );
    }
    if (alone && beside) {
      line('a tenth, empty database', `${alone.seconds.toFixed(2)} s (job ${(alone.body.metrics.executionTimeMs / 1000).toFixed(2)} s)`);
      line(
        'a tenth, beside the big tenant',
        `${beside.seconds.toFixed(2)} s (job ${(beside.body.metrics.executionTimeMs / 1000).toFixed(2)} s): ${(beside.seconds / alone.seconds).toFixed(2)}×`,
      );
    }
    line('app peak RSS at the end', `${peakAtEnd} MB (target ≤ 300 MB)`);
  } finally {
    await app.stop();
    await dropDatabase(url);
    await dropRedisPrefix(config.REDIS_URL, redisPrefix);
    await fs.rm(dataDir, { recursive: true, force: true });
    if (!f.keep && !f.file) {
      await fs.rm(file, { force: true });
      await fs.rm(tenthFile, { force: true });
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
