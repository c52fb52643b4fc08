/**
 * Seeded test-data generator (CLI over libs/datagen).
 *
 *   npm run generate -- --kind transactions --rows 1000000 --out tx.csv [--seed 1] [--error-rate 0.02]
 *                       [--merchants 5000] [--days 90] [--now 2025-12-01T00:00:00Z]
 *   npm run generate -- --kind merchants --rows 5000 --out merchants.csv [--seed 1]
 *   npm run generate -- --kind sales --rows 1000000 --out sales.csv [--seed 1] [--error-rate 0.15]
 *                       [--year 2024]
 *   npm run generate -- --kind store-monitoring --out DIR [--stores 14000] [--rows 2000000] [--days 63]
 *                       [--interval-minutes M] [--seed 1]
 *
 * Use the same --seed (and --merchants = merchants --rows) for both kinds so that merchant ids,
 * zones and dormant merchants agree. Without --now the current time is used, so pass it for
 * byte-identical files. Sales files are messy on purpose (typos, mixed date formats, faulty rows:
 * see libs/datagen/sales.generator.ts); the summary says how many rows the cleaner should drop.
 * `--out -` writes to stdout (the summary then goes to stderr).
 *
 * store-monitoring writes three files into the directory --out (created if missing):
 * store_status.csv (polls of all stores in time order over the --days before 2024-10-14T00:00:00Z,
 * about --rows of them: each store that polls (99 %) is polled every days·1440·stores/rows minutes
 * ± 20 %, or every --interval-minutes, which then overrides --rows), menu_hours.csv and timezones.csv, sharing store
 * ids (see libs/datagen/store-monitoring.generator.ts). The summary gives the counts a loader should
 * report: duplicate polls (DUPLICATE rejects) and unknown time zones (UNKNOWN_TIMEZONE warnings).
 * Plain script, no Nest; relative imports because the compiled output runs with plain node.
 */
import * as fs from 'fs';
import { finished } from 'stream/promises';
import {
  DEFAULT_DAYS,
  DEFAULT_ERROR_RATE,
  DEFAULT_MERCHANTS,
  DEFAULT_SALES_ERROR_RATE,
  DEFAULT_SALES_YEAR,
  DEFAULT_SEED,
  DEFAULT_STORE_MONITORING_DAYS,
  DEFAULT_STORE_MONITORING_ROWS,
  DEFAULT_STORE_MONITORING_STORES,
  generateStoreMonitoringFeeds,
  writeMerchantsCsv,
  writeSalesCsv,
  writeTransactionsCsv,
} from '../libs/datagen';

const USAGE = `usage:
  generate --kind transactions --rows N --out FILE [--seed S] [--error-rate R] [--merchants M] [--days D] [--now ISO]
  generate --kind merchants --rows M --out FILE [--seed S]
  generate --kind sales --rows N --out FILE [--seed S] [--error-rate R] [--year Y]
  generate --kind store-monitoring --out DIR [--stores N] [--rows N] [--days D] [--interval-minutes M] [--seed S]
defaults: seed ${DEFAULT_SEED}, error-rate ${DEFAULT_ERROR_RATE} (sales: ${DEFAULT_SALES_ERROR_RATE}), merchants ${DEFAULT_MERCHANTS}, days ${DEFAULT_DAYS}, now = current time, year ${DEFAULT_SALES_YEAR}
store-monitoring: writes store_status.csv, menu_hours.csv and timezones.csv into DIR; stores ${DEFAULT_STORE_MONITORING_STORES}, rows ${DEFAULT_STORE_MONITORING_ROWS} (a target: sets the poll interval), days ${DEFAULT_STORE_MONITORING_DAYS} before 2024-10-14T00:00:00Z; --interval-minutes (≥ 1) overrides --rows`;

const KNOWN = new Set([
  'kind',
  'rows',
  'out',
  'seed',
  'error-rate',
  'merchants',
  'days',
  'now',
  'year',
  'stores',
  'interval-minutes',
  'help',
]);

class UsageError extends Error {}

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument: ${a}`);
    const eq = a.indexOf('=');
    const key = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!KNOWN.has(key)) throw new UsageError(`unknown option: --${key}`);
    if (key === 'help') {
      args.set('help', '1');
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) throw new UsageError(`--${key} needs a value`);
    args.set(key, value);
  }
  return args;
}

function intArg(args: Map<string, string>, key: string, fallback?: number): number {
  const raw = args.get(key);
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${key} is required`);
    return fallback;
  }
  const v = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(v)) throw new UsageError(`--${key} must be an integer, got ${raw}`);
  return v;
}

function numArg(args: Map<string, string>, key: string, fallback: number): number {
  const raw = args.get(key);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new UsageError(`--${key} must be a number, got ${raw}`);
  return v;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.has('help')) {
    console.log(USAGE);
    return;
  }
  const kind = args.get('kind');
  if (kind === 'store-monitoring') {
    await storeMonitoring(args);
    return;
  }
  if (kind !== 'transactions' && kind !== 'merchants' && kind !== 'sales')
    throw new UsageError('--kind must be transactions, merchants, sales or store-monitoring');
  for (const key of ['stores', 'interval-minutes'])
    if (args.has(key)) throw new UsageError(`--${key} is for --kind store-monitoring only`);
  const outPath = args.get('out');
  if (!outPath) throw new UsageError('--out is required');
  const rows = intArg(args, 'rows');
  const seed = intArg(args, 'seed', DEFAULT_SEED);

  const toStdout = outPath === '-';
  const out: NodeJS.WritableStream = toStdout
    ? process.stdout
    : fs.createWriteStream(outPath, { highWaterMark: 1 << 20 });
  const log = (msg: string): void =>
    void (toStdout ? process.stderr : process.stdout).write(msg + '\n');

  const started = process.hrtime.bigint();
  let summary: string;
  let bytes: number;
  if (kind === 'transactions') {
    let now = new Date();
    if (args.has('now')) {
      now = new Date(args.get('now')!);
      if (Number.isNaN(now.getTime()))
        throw new UsageError(`--now is not a valid date: ${args.get('now')}`);
    }
    const r = await writeTransactionsCsv(out, {
      rows,
      seed,
      errorRate: numArg(args, 'error-rate', DEFAULT_ERROR_RATE),
      merchants: intArg(args, 'merchants', DEFAULT_MERCHANTS),
      days: numArg(args, 'days', DEFAULT_DAYS),
      now,
    });
    bytes = r.bytes;
    summary = `transactions: ${r.rows} rows (${r.faultyRows} faulty), seed ${seed}, now ${now.toISOString()}`;
  } else if (kind === 'sales') {
    const r = await writeSalesCsv(out, {
      rows,
      seed,
      errorRate: numArg(args, 'error-rate', DEFAULT_SALES_ERROR_RATE),
      year: intArg(args, 'year', DEFAULT_SALES_YEAR),
    });
    bytes = r.bytes;
    summary =
      `sales: ${r.rows} rows (${r.faultyRows} faulty, ${r.expectedDropped} expected dropped, ` +
      `${r.duplicateOrderIdRows} duplicate order ids), seed ${seed}`;
  } else {
    const r = await writeMerchantsCsv(out, { rows, seed });
    bytes = r.bytes;
    summary = `merchants: ${r.rows} rows, seed ${seed}`;
  }
  if (!toStdout) {
    out.end();
    await finished(out as fs.WriteStream);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  log(`${summary}`);
  log(
    `wrote ${bytes} bytes (${(bytes / 1048576).toFixed(1)} MiB) to ${outPath} in ${seconds.toFixed(2)} s`,
  );
}

/** --kind store-monitoring: the three feeds into the directory --out. */
async function storeMonitoring(args: Map<string, string>): Promise<void> {
  for (const key of ['error-rate', 'merchants', 'now', 'year'])
    if (args.has(key)) throw new UsageError(`--${key} does not apply to --kind store-monitoring`);
  const dir = args.get('out');
  if (!dir || dir === '-') throw new UsageError('--out DIR is required (a directory, not stdout)');
  const seed = intArg(args, 'seed', DEFAULT_SEED);
  const interval = args.get('interval-minutes');
  const started = process.hrtime.bigint();
  let r: Awaited<ReturnType<typeof generateStoreMonitoringFeeds>>;
  try {
    r = await generateStoreMonitoringFeeds(dir, {
      stores: intArg(args, 'stores', DEFAULT_STORE_MONITORING_STORES),
      rows: intArg(args, 'rows', DEFAULT_STORE_MONITORING_ROWS),
      days: numArg(args, 'days', DEFAULT_STORE_MONITORING_DAYS),
      intervalMinutes: interval === undefined ? undefined : numArg(args, 'interval-minutes', NaN),
      seed,
    });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const mib = (b: number): string => (b / 1048576).toFixed(1) + ' MiB';
  const hours = r.intervalMinutes / 60;
  console.log(
    `store-monitoring: ${r.stores} stores, seed ${seed}, polls every ${r.intervalMinutes.toFixed(1)} min ` +
      `(${hours.toFixed(2)} h) ± 20 % until ${r.endAt.toISOString()}`,
  );
  console.log(
    `  ${r.files.status}: ${r.statusRows} rows (${r.duplicates} duplicate polls → DUPLICATE rejects), ` +
      `${r.storesWithoutPolls} stores without polls, ${r.firstPollAt?.toISOString() ?? '–'} .. ` +
      `${r.lastPollAt?.toISOString() ?? '–'}, ${r.statusBytes} bytes (${mib(r.statusBytes)})`,
  );
  console.log(
    `  ${r.files.hours}: ${r.hoursRows} rows (${(r.hoursRows / Math.max(1, r.stores)).toFixed(2)} per store), ` +
      `${r.hoursBytes} bytes (${mib(r.hoursBytes)})`,
  );
  console.log(
    `  ${r.files.timezones}: ${r.timezoneRows} rows (${r.unknownZones} unknown zones → UNKNOWN_TIMEZONE warnings), ` +
      `${r.timezoneBytes} bytes (${mib(r.timezoneBytes)})`,
  );
  console.log(`wrote ${mib(r.statusBytes + r.hoursBytes + r.timezoneBytes)} to ${dir} in ${seconds.toFixed(2)} s`);
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`error: ${err.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
});
