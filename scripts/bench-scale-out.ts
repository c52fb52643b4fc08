/**
 * npm run bench:scale-out -- [--rows 1000000] [--files 6] [--orgs 3] [--kind transactions|sales]
 *                            [--shape default|adversarial] [--seed 1] [--duration 10]
 *                            [--analytics-rows 1000000] [--only imports|analytics] [--keep]
 *
 * What a second process buys on this machine; prints figures, no targets.
 * - Imports: --files generated files of --rows rows each (seeds seed, seed+1, …), spread over --orgs
 *   organizations. The floor first: `psql \copy` of every file into an unindexed all-text table of
 *   its own, one at a time, then two at a time. Then, for 1 and for 2 `APP_ROLE=worker` processes
 *   (plus one `APP_ROLE=api` process receiving the uploads; each run on a fresh database, Redis
 *   prefix and DATA_DIR): every file uploaded at once, timed from the first upload to the last
 *   COMPLETED; which worker ran which import (from the worker's "Import … COMPLETED" log line),
 *   each process's CPU time and peak RSS, and the CPU of the run's Postgres backends (from /proc,
 *   when the server runs on this machine).
 * - Analytics: one transactions import of --analytics-rows rows (and 5,000 merchants), then per
 *   load one API process, then two: /health/live (the floor, 50 connections), a cached answer
 *   (zone-leaderboard, 50 connections) and an uncached mix (four answers in turn, each request a
 *   random 1–30-day window: computed every time; 10 connections, the API's pool size). With two
 *   processes, two autocannon instances run at once, half the connections each, one per process;
 *   rates are summed and percentiles taken over every response of both.
 * Ends with markdown tables for the README, the command line and the machine's facts.
 */
import { execFileSync } from 'child_process';
import { promises as fs, statSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import {
  SALES_HEADER,
  SALES_SHAPES,
  SalesShape,
  TRANSACTIONS_HEADER,
  TRANSACTIONS_SHAPES,
  TransactionsShape,
  writeMerchantsCsv,
  writeSalesCsv,
  writeTransactionsCsv,
} from '../libs/datagen';
import { AppConfig } from '../src/config/app-config';
import { flags, withDatabase } from './lib/bench-env';
import { generate } from './lib/bench-load';
import { AnalyticsRun, runAnalytics } from './lib/scale-analytics';
import { BenchFile, ImportRun, rawCopies, runImports, ScaleSetup } from './lib/scale-imports';
import { ImportFigures, printAnalyticsTable, printImportRun, printImportTable, printLimits, printSplit } from './lib/scale-report';

const PORTS: [number, number] = [3996, 3997];
const MERCHANTS = 5000;

interface Options {
  rows: number;
  files: number;
  orgs: number;
  kind: 'transactions' | 'sales';
  shape: string;
  seed: number;
  duration: number;
  analyticsRows: number;
  only?: 'imports' | 'analytics';
  keep: boolean;
}

function options(): Options {
  const f = flags();
  const o: Options = {
    rows: Number(f.rows ?? 1_000_000),
    files: Number(f.files ?? 6),
    orgs: Number(f.orgs ?? 3),
    kind: (f.kind ?? 'transactions') as Options['kind'],
    shape: f.shape ?? 'default',
    seed: Number(f.seed ?? 1),
    duration: Number(f.duration ?? 10),
    analyticsRows: Number(f['analytics-rows'] ?? 1_000_000),
    only: f.only as Options['only'],
    keep: Boolean(f.keep),
  };
  const shapes: readonly string[] = o.kind === 'sales' ? SALES_SHAPES : TRANSACTIONS_SHAPES;
  if (!['transactions', 'sales'].includes(o.kind) || !shapes.includes(o.shape)) {
    throw new Error(`--kind must be transactions or sales, --shape one of ${shapes.join(', ')} for ${o.kind}`);
  }
  if (o.only && !['imports', 'analytics'].includes(o.only)) {
    throw new Error('--only must be imports or analytics');
  }
  if (![o.rows, o.files, o.orgs, o.duration, o.analyticsRows].every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error('--rows, --files, --orgs, --duration and --analytics-rows must be positive integers');
  }
  return o;
}

/** The files of the import runs, generated unless they exist (distinct seeds: no file repeats another's ids). */
async function importFiles(o: Options): Promise<BenchFile[]> {
  const files: BenchFile[] = [];
  for (let i = 0; i < o.files; i++) {
    const seed = o.seed + i;
    const file = path.join(os.tmpdir(), `bench-scale-${o.kind}-${o.rows}-s${seed}-${o.shape}.csv`);
    if (o.kind === 'sales') {
      await generate(file, async (out) => ({ ...(await writeSalesCsv(out, { rows: o.rows, seed, shape: o.shape as SalesShape })), rows: o.rows }));
    } else {
      await generate(file, (out) => writeTransactionsCsv(out, { rows: o.rows, seed, shape: o.shape as TransactionsShape }));
    }
    files.push({ path: file, rows: o.rows, bytes: statSync(file).size, org: i % o.orgs });
  }
  return files;
}

function machineFacts(baseUrl: string): Promise<string> {
  const cpus = os.cpus();
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    } catch {
      return 'unknown';
    }
  })();
  const db = new Client({ connectionString: baseUrl });
  return db
    .connect()
    .then(() => db.query<{ server_version: string }>('SHOW server_version'))
    .then((r) => r.rows[0].server_version)
    .catch(() => 'unknown')
    .then(async (pgVersion) => {
      await db.end().catch(() => undefined);
      return (
        `${cpus.length} cores (${cpus[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, ` +
        `PostgreSQL ${pgVersion}, load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} at the start; commit ${commit}`
      );
    });
}

async function main(): Promise<void> {
  const o = options();
  const config = AppConfig.fromProcessEnv();
  const command = `npm run bench:scale-out${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const facts = await machineFacts(withDatabase(config.DATABASE_URL, 'postgres'));
  console.log(`${command}\n${facts}\n`);
  const generated: string[] = [];
  let figures: ImportFigures | undefined;
  let analytics: AnalyticsRun | undefined;
  try {
    if (o.only !== 'analytics') {
      const files = await importFiles(o);
      generated.push(...files.map((f) => f.path));
      const s: ScaleSetup = { baseUrl: config.DATABASE_URL, redisUrl: config.REDIS_URL, kind: o.kind, files, orgs: o.orgs, port: PORTS[0] };
      const columns = (o.kind === 'sales' ? SALES_HEADER : TRANSACTIONS_HEADER).split(',');
      console.log(`\nraw COPY of the ${files.length} files, one at a time, then two at a time ...`);
      const raw = [await rawCopies(s, columns, 1), await rawCopies(s, columns, 2)];
      const runs: ImportRun[] = [];
      for (const workers of [1, 2]) {
        console.log(`\nimports with ${workers} worker process${workers > 1 ? 'es' : ''} ...`);
        runs.push(await runImports(s, workers));
        printImportRun(runs[runs.length - 1]);
      }
      figures = { rows: files.reduce((s, f) => s + f.rows, 0), bytes: files.reduce((s, f) => s + f.bytes, 0), raw, runs };
    }
    if (o.only !== 'imports') {
      const transactionsFile = path.join(os.tmpdir(), `bench-scale-transactions-${o.analyticsRows}-s${o.seed}-default.csv`);
      const merchantsFile = path.join(os.tmpdir(), `bench-scale-merchants-${MERCHANTS}-s${o.seed}.csv`);
      await generate(transactionsFile, (out) => writeTransactionsCsv(out, { rows: o.analyticsRows, seed: o.seed, merchants: MERCHANTS }));
      await generate(merchantsFile, (out) => writeMerchantsCsv(out, { rows: MERCHANTS, seed: o.seed }));
      generated.push(transactionsFile, merchantsFile);
      console.log();
      analytics = await runAnalytics({ baseUrl: config.DATABASE_URL, redisUrl: config.REDIS_URL, transactionsFile, merchantsFile, duration: o.duration, ports: PORTS });
    }
  } finally {
    if (!o.keep) {
      await Promise.all([...new Set(generated)].map((file) => fs.rm(file, { force: true })));
    }
  }

  console.log(`\n== bench:scale-out ==\n\n\`${command}\`\n\n${facts}\n`);
  if (figures) {
    const { rows, bytes, runs } = figures;
    console.log(
      `Imports: ${o.files} ${o.kind} files × ${o.rows.toLocaleString('en-US')} rows (shape ${o.shape}), ${(bytes / 1e6).toFixed(0)} MB, ` +
        `${o.orgs} organizations, uploaded all at once; wall = first upload → last COMPLETED; ${rows.toLocaleString('en-US')} rows in all.\n`,
    );
    printImportTable(figures);
    console.log("\n| workers | process | did | CPU | its imports' postgres CPU | peak RSS MB |\n|---|---|---|---|---|---|");
    runs.forEach(printSplit);
  }
  if (analytics) {
    console.log(
      `\nAnalytics: ${analytics.rows.toLocaleString('en-US')} transactions, ${o.duration} s per load; with two API processes two autocannon ` +
        `instances at once (half the connections each, one per process), rates summed, percentiles over both.\n`,
    );
    printAnalyticsTable(analytics);
    console.log(
      `\npeak RSS: ${Object.entries(analytics.rssMb)
        .map(([l, v]) => `${l} ${v} MB`)
        .join(', ')}`,
    );
  }
  printLimits(figures, analytics);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
