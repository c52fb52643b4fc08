/**
 * npm run bench:reports -- --rows 10000000 [--xlsx-rows 1100000] [--seed 1] [--formats csv,json,xlsx] [--keep]
 *
 * Report exports of a kind's rows against the physical limit, in one run:
 * - transactions files of --rows and --xlsx-rows rows (the generator's default shape), imported
 *   through the product (two imports);
 * - the physical limit: `psql \copy (SELECT …) TO` of the big import's rows, with the very SELECT
 *   a CSV report runs (formula neutralisation included);
 * - the product: POST /reports {source: transactions.rows, params: {importId}} → COMPLETED, as
 *   CSV and JSON of the big import and XLSX of the small one (past Excel's 1,048,576 rows a
 *   sheet, so it continues on a second sheet), each timed end to end (HTTP, queue, file) with
 *   the rows and bytes written, in a freshly started app whose peak RSS (VmHWM) is read after the
 *   exports only (target: CSV ≤ 1.5× the psql \copy, RSS ≤ 300 MB).
 * The machine is shared and noisy: compare with what Postgres alone does in the same run.
 */
import { execFileSync } from 'child_process';
import { createReadStream, promises as fs, statSync } from 'fs';
import Redis from 'ioredis';
import * as os from 'os';
import * as path from 'path';
import { writeTransactionsCsv } from '../libs/datagen';
import { AppConfig } from '../src/config/app-config';
import { KINDS } from '../src/kinds.registry';
import type { ReportDto } from '../src/modules/reports/dto/report.dto';
import { rowsSelect } from '../src/modules/reports/report-runner';
import { benchStage, flags, peakRssMb, RunningApp, startApp } from './lib/bench-env';
import { BenchTarget, generate, importCsv, met, sleep } from './lib/bench-load';

const KEY = 'bench-admin-key-0123456789';
const HEADERS = { 'X-API-Key': KEY, 'Content-Type': 'application/json' };
const PORT = 3993;
const CSV_TARGET = 1.5;
const RSS_TARGET_MB = 300;

async function main(): Promise<void> {
  const f = flags();
  const rows = Number(f.rows ?? 10_000_000);
  const xlsxRows = Number(f['xlsx-rows'] ?? 1_100_000);
  const seed = Number(f.seed ?? 1);
  const formats = (f.formats ?? 'csv,json,xlsx').split(',');
  const config = AppConfig.fromProcessEnv();
  const { url, prefix, dataDir, reset, remove } = benchStage(config, 'reports');
  const env = { DATABASE_URL: url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn' };
  const big = path.join(os.tmpdir(), `bench-reports-tx-${rows}-s${seed}.csv`);
  const small = path.join(os.tmpdir(), `bench-reports-tx-${xlsxRows}-s${seed + 1}.csv`);
  const now = new Date('2025-06-30T00:00:00Z');
  await generate(big, (out) => writeTransactionsCsv(out, { rows, seed, now }));
  if (formats.includes('xlsx')) await generate(small, (out) => writeTransactionsCsv(out, { rows: xlsxRows, seed: seed + 1, now }));
  await reset();
  const redis = new Redis(config.REDIS_URL);
  let app: RunningApp | undefined;
  const kind = KINDS.find((k) => k.name === 'transactions')!;
  try {
    app = await startApp(env, PORT);
    const b: BenchTarget = { app, redis, prefix, headers: { 'X-API-Key': KEY } };
    console.log('\nimporting (HTTP upload → COMPLETED) ...');
    const bigImport = (await importCsv(b, 'transactions', createReadStream(big, { highWaterMark: 1 << 20 }), statSync(big).size)).imp;
    console.log(`big import: ${bigImport.progress.rowsLoaded.toLocaleString()} rows loaded`);
    const smallImport = formats.includes('xlsx') ? (await importCsv(b, 'transactions', createReadStream(small, { highWaterMark: 1 << 20 }), statSync(small).size)).imp : null;
    await app.stop();

    console.log("\nphysical limit: psql \\copy (the CSV report's SELECT) TO ...");
    const copyFile = path.join(os.tmpdir(), 'bench-reports-copy.csv');
    const started = Date.now();
    execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy (${rowsSelect(kind, bigImport.importId, {}, true)}) TO '${copyFile}' WITH (FORMAT csv, HEADER)`], {
      stdio: 'inherit',
    });
    const copySeconds = (Date.now() - started) / 1000;
    const copyBytes = statSync(copyFile).size;
    await fs.rm(copyFile, { force: true });
    console.log(`psql \\copy TO: ${copySeconds.toFixed(1)} s, ${(copyBytes / 1e6).toFixed(0)} MB`);

    // A fresh process: its peak RSS is the exports' alone.
    app = await startApp(env, PORT);
    const results: Array<{ format: string; rows: number; bytes: number; seconds: number }> = [];
    for (const format of formats) {
      const importId = format === 'xlsx' ? smallImport!.importId : bigImport.importId;
      console.log(`\nreport: transactions.rows as ${format} ...`);
      const t0 = performance.now();
      const made = (await (
        await fetch(`${app.baseUrl}/api/v1/reports`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ source: 'transactions.rows', format, params: { importId } }) })
      ).json()) as { reportId: string };
      // Once COMPLETED (checked below) rows and bytes are set.
      let r: ReportDto & { rows: number; bytes: number };
      do {
        await sleep(200);
        r = (await (await fetch(`${app.baseUrl}/api/v1/reports/${made.reportId}`, { headers: HEADERS })).json()) as typeof r;
      } while (!['COMPLETED', 'FAILED'].includes(r.status));
      if (r.status !== 'COMPLETED') throw new Error(`report ${format} ${r.status}: ${r.error}`);
      const seconds = (performance.now() - t0) / 1000;
      console.log(
        `${format}: ${r.rows.toLocaleString()} rows, ${(r.bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s (${Math.round(r.rows / seconds).toLocaleString()} rows/s)`,
      );
      results.push({ format, rows: r.rows, bytes: r.bytes, seconds });
    }
    const rss = peakRssMb(app.proc.pid!);

    console.log('\n== bench:reports summary ==\n');
    console.log(
      `transactions rows: ${bigImport.progress.rowsLoaded.toLocaleString()} (CSV, JSON), ${smallImport?.progress.rowsLoaded.toLocaleString() ?? '–'} (XLSX); seed ${seed}\n`,
    );
    console.log('| export | rows | file | seconds | rows/s | against psql \\copy TO |');
    console.log('|---|---|---|---|---|---|');
    console.log(
      `| psql \\copy (SELECT …) TO, CSV | ${bigImport.progress.rowsLoaded.toLocaleString()} | ${(copyBytes / 1e6).toFixed(0)} MB | ${copySeconds.toFixed(1)} | ${Math.round(bigImport.progress.rowsLoaded / copySeconds).toLocaleString()} | 1.00× |`,
    );
    for (const r of results) {
      const ratio = r.seconds / copySeconds;
      const target = r.format === 'csv' ? ` (target ≤ ${CSV_TARGET}×: ${met(ratio <= CSV_TARGET)})` : '';
      console.log(
        `| report ${r.format} (HTTP → COMPLETED) | ${r.rows.toLocaleString()} | ${(r.bytes / 1e6).toFixed(0)} MB | ${r.seconds.toFixed(1)} | ${Math.round(r.rows / r.seconds).toLocaleString()} | ${r.format === 'xlsx' ? '–' : `${ratio.toFixed(2)}×${target}`} |`,
      );
    }
    console.log(`\napp peak RSS during the exports: ${rss} MB (target ≤ ${RSS_TARGET_MB} MB: ${met(rss <= RSS_TARGET_MB)})`);
  } finally {
    await app?.stop();
    redis.disconnect();
    if (f.keep) {
      console.log(`\nkept: psql ${url}  (data dir ${dataDir})`);
    } else {
      await remove();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
