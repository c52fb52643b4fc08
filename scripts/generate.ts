/**
 * Seeded test-data generator (CLI over libs/datagen).
 *
 *   npm run generate -- --kind transactions --rows 1000000 --out tx.csv [--seed 1] [--error-rate 0.02]
 *                       [--merchants 5000] [--days 90] [--now 2025-12-01T00:00:00Z]
 *                       [--shape default|mixed|adversarial] [--customers N | --distinct-customers]
 *                       [--zones N] [--zone-variants 1-7] [--categories N] [--category-spellings N]
 *                       [--quote-rate R] [--crlf] [--timestamp-formats default|all]
 *   npm run generate -- --kind merchants --rows 5000 --out merchants.csv [--seed 1]
 *                       [--shape S] [--zones N] [--categories N]
 *   npm run generate -- --kind sales --rows 1000000 --out sales.csv [--seed 1] [--error-rate 0.15]
 *                       [--year 2024] [--years 1] [--shape default|adversarial] [--products N |
 *                       --distinct-products] [--categories N] [--regions N]
 *   npm run generate -- --kind store-monitoring --out DIR [--stores 14000] [--rows 2000000] [--days 63]
 *                       [--interval-minutes M] [--seed 1] [--shape default|adversarial]
 *   npm run generate -- --kind marketing --rows 10000000 --out ads.csv [--seed 1] [--error-rate 0.01]
 *                       [--shape default|adversarial] [--campaigns 2000] [--days 730] [--end-day 2025-06-30]
 *                       [--currencies USD,EUR] [--restate-days 7]
 *   npm run generate -- --kind messaging --rows 10000000 --out events.csv [--seed 1] [--error-rate 0.005]
 *                       [--days 30] [--end 2025-06-30T00:00:00Z] [--shape default|adversarial]
 *   every kind: [--format csv|ndjson|json]
 *
 * Use the same --seed (and --merchants = merchants --rows, the same --zones / --categories or
 * --shape) for transactions and merchants so that merchant ids, zones and dormant merchants agree.
 * Without --now the current time is used, so pass it for byte-identical files. Shapes are option
 * presets (explicit options win): transactions 'mixed' is a real upload's shape (~rows/3 customers,
 * 3,000 merchants, 41 zones in 4 case variants, 17 category spellings, 120 days, every timestamp
 * format, 5 % quoted rows, CRLF, 1 % faulty), 'adversarial' every limit at once (a customer per
 * row, 100K merchants, 100K zones, 100K categories, 3,650 days, …); sales 'adversarial' a product
 * name per row, 10K categories, 10K regions, 2015-2024; store-monitoring 'adversarial' 1M stores
 * polled ~4 times each over 3,650 days (see libs/datagen/*.shapes.ts, *.dimensions.ts).
 * Sales files are messy on purpose (typos, mixed date formats, faulty rows: see
 * libs/datagen/sales.generator.ts); the summary says how many rows the cleaner should drop, and
 * for transactions the faulty rows by type (the cleaner rejects all but the duplicate ids, which
 * the loader rejects). `--out -` writes to stdout (the summary then goes to stderr).
 *
 * --format ndjson|json converts the CSV on the fly (libs/datagen/csv-to-json.ts): one object per
 * row keyed by the header names, values as strings, plain numbers as JSON numbers on ~half of the
 * rows, empty fields omitted on ~half; the file bytes are the same CSV rows, so the counts hold.
 *
 * store-monitoring writes three files into the directory --out (created if missing):
 * store_status.csv (polls of all stores in time order over the --days before 2024-10-14T00:00:00Z,
 * about --rows of them: each store that polls (99 %) is polled every days·1440·stores/rows minutes
 * ± 20 %, or every --interval-minutes, which then overrides --rows), menu_hours.csv and
 * timezones.csv, sharing store ids (see libs/datagen/store-monitoring.generator.ts); .ndjson /
 * .json with --format. The summary gives the counts a loader should report: duplicate polls
 * (DUPLICATE rejects) and unknown time zones (UNKNOWN_TIMEZONE warnings).
 * Plain script, no Nest; relative imports because the compiled output runs with plain node.
 */
import * as fs from 'fs';
import { finished } from 'stream/promises';
import {
  applyTransactionsShape,
  DEFAULT_DAYS,
  DEFAULT_ERROR_RATE,
  DEFAULT_MERCHANTS,
  DEFAULT_SALES_ERROR_RATE,
  DEFAULT_SALES_YEAR,
  DEFAULT_SEED,
  DEFAULT_STORE_MONITORING_DAYS,
  DEFAULT_STORE_MONITORING_ROWS,
  DEFAULT_STORE_MONITORING_STORES,
  FAULT_TYPES,
  generateStoreMonitoringFeeds,
  MARKETING_FAULT_TYPES,
  MARKETING_SHAPES,
  MESSAGING_SHAPES,
  MessagingShape,
  MarketingShape,
  writeMarketingCsv,
  writeMessagingCsv,
  MESSAGING_FAULT_TYPES,
  SALES_FAULT_DROP_REASON,
  SALES_FAULT_TYPES,
  SALES_SHAPES,
  SalesShape,
  STORE_MONITORING_SHAPES,
  StoreMonitoringShape,
  TRANSACTIONS_SHAPES,
  TransactionsGenOptions,
  TransactionsShape,
  writeMerchantsCsv,
  writeSalesCsv,
  writeTransactionsCsv,
} from '../libs/datagen';
import { CsvToJsonCounts, OUTPUT_FORMATS, OutputFormat, writeInFormat } from '../libs/datagen/csv-to-json';

const USAGE = `usage:
  generate --kind transactions --rows N --out FILE [--seed S] [--error-rate R] [--merchants M] [--days D] [--now ISO]
           [--shape default|mixed|adversarial] [--customers N | --distinct-customers] [--zones N] [--zone-variants 1-7]
           [--categories N] [--category-spellings N] [--quote-rate R] [--crlf] [--timestamp-formats default|all]
  generate --kind merchants --rows M --out FILE [--seed S] [--shape S] [--zones N] [--categories N]
  generate --kind sales --rows N --out FILE [--seed S] [--error-rate R] [--year Y] [--years N]
           [--shape default|adversarial] [--products N | --distinct-products] [--categories N] [--regions N]
  generate --kind store-monitoring --out DIR [--stores N] [--rows N] [--days D] [--interval-minutes M] [--seed S]
           [--shape default|adversarial]
  generate --kind marketing --rows N --out FILE [--seed S] [--error-rate R] [--shape default|adversarial] [--campaigns N]
           [--days D] [--end-day YYYY-MM-DD] [--currencies USD,EUR] [--restate-days D]
  generate --kind messaging --rows N --out FILE [--seed S] [--error-rate R] [--days D] [--end ISO-8601] [--shape default|adversarial]
  any kind: [--format csv|ndjson|json]
defaults: seed ${DEFAULT_SEED}, error-rate ${DEFAULT_ERROR_RATE} (sales: ${DEFAULT_SALES_ERROR_RATE}), merchants ${DEFAULT_MERCHANTS}, days ${DEFAULT_DAYS}, now = current time, year ${DEFAULT_SALES_YEAR}, format csv
transactions: customers ≈ rows/4 (skewed), 8 zones, 10 categories, LF, no quoting; --distinct-customers gives every row its own phone
  shapes: mixed = ~rows/3 customers, 3000 merchants, 41 zones × 4 case variants, 17 category spellings, 120 days,
          all timestamp formats, 5 % quoted rows, CRLF, 1 % faulty; adversarial = a customer per row, 100000 merchants,
          100000 zones, 100000 categories, 3650 days, all timestamp formats, 5 % quoted, CRLF, 1 % faulty
  (explicit options override the shape's)
sales: adversarial = a product name per row, 10000 categories, 10000 regions, dates 2015-2024, usual faults
marketing: campaigns 2000 × 5 ad groups × 4 ads, 730 days to 2025-06-30, USD, 1 % faulty rows; adversarial = 200000 campaigns × 2 × 2,
  3650 days, USD/EUR/GBP, names with quotes, commas and non-ASCII, CRLF; --restate-days D writes only the last D days again with late
  conversions (a restatement: import it after the main file)
messaging: N message status events (rows) over 30 days to 2025-06-30T00:00:00Z: queued/sent/delivered/read/failed lifecycles with
  lognormal delays, WhatsApp error codes, read without delivered, out-of-order arrival, 1 % re-sent events, 0.5 % faulty rows;
  adversarial = 50000 templates, 200000 campaigns, 60+ character ids, 10 % re-sent (some hours later), minutes of network delay,
  reads hours to days later, 15 % failures, ISO timestamps with ±hh:mm offsets
store-monitoring: writes store_status, menu_hours and timezones (.csv, .ndjson or .json) into DIR; stores ${DEFAULT_STORE_MONITORING_STORES}, rows ${DEFAULT_STORE_MONITORING_ROWS} (a target: sets the poll interval), days ${DEFAULT_STORE_MONITORING_DAYS} before 2024-10-14T00:00:00Z; --interval-minutes (≥ 1) overrides --rows; adversarial = 1000000 stores, 4000000 rows, 3650 days`;

/** Options that take no value (`--crlf`, or `--crlf=false`). */
const FLAGS = new Set(['help', 'crlf', 'distinct-customers', 'distinct-products']);
const COMMON = ['kind', 'out', 'seed', 'format', 'shape', 'help'];
const OPTIONS_BY_KIND: Readonly<Record<string, readonly string[]>> = {
  transactions: [
    ...COMMON,
    'rows',
    'error-rate',
    'merchants',
    'days',
    'now',
    'customers',
    'distinct-customers',
    'zones',
    'zone-variants',
    'categories',
    'category-spellings',
    'quote-rate',
    'crlf',
    'timestamp-formats',
  ],
  merchants: [...COMMON, 'rows', 'zones', 'categories'],
  sales: [...COMMON, 'rows', 'error-rate', 'year', 'years', 'products', 'distinct-products', 'categories', 'regions'],
  'store-monitoring': [...COMMON, 'rows', 'stores', 'days', 'interval-minutes'],
  marketing: [...COMMON, 'rows', 'error-rate', 'campaigns', 'days', 'end-day', 'currencies', 'restate-days'],
  messaging: [...COMMON, 'rows', 'error-rate', 'days', 'end'],
};
const KNOWN = new Set(Object.values(OPTIONS_BY_KIND).flat());

class UsageError extends Error {}

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument: ${a}`);
    const eq = a.indexOf('=');
    const key = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!KNOWN.has(key)) throw new UsageError(`unknown option: --${key}`);
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (FLAGS.has(key)) value = 'true';
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

/** An integer option, or undefined when absent (the generator's default or the shape's applies). */
function optionalInt(args: Map<string, string>, key: string): number | undefined {
  return args.has(key) ? intArg(args, key) : undefined;
}

function numArg(args: Map<string, string>, key: string, fallback: number): number {
  const raw = args.get(key);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new UsageError(`--${key} must be a number, got ${raw}`);
  return v;
}

function optionalNum(args: Map<string, string>, key: string): number | undefined {
  return args.has(key) ? numArg(args, key, NaN) : undefined;
}

function flagArg(args: Map<string, string>, key: string): boolean | undefined {
  const raw = args.get(key);
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false') throw new UsageError(`--${key} takes no value (or =true / =false), got ${raw}`);
  return raw === 'true';
}

function choiceArg<T extends string>(args: Map<string, string>, key: string, choices: readonly T[]): T | undefined {
  const raw = args.get(key);
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${key} must be ${choices.join(', ')}, got ${raw}`);
  return raw as T;
}

const mib = (b: number): string => (b / 1048576).toFixed(1) + ' MiB';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.has('help')) {
    console.log(USAGE);
    return;
  }
  const kind = args.get('kind') ?? '';
  const allowed = OPTIONS_BY_KIND[kind];
  if (!allowed) throw new UsageError('--kind must be transactions, merchants, sales, store-monitoring, marketing or messaging');
  for (const key of args.keys()) if (!allowed.includes(key)) throw new UsageError(`--${key} does not apply to --kind ${kind}`);
  const format = choiceArg(args, 'format', OUTPUT_FORMATS) ?? 'csv';
  try {
    if (kind === 'store-monitoring') await storeMonitoring(args, format);
    else await singleFile(kind, args, format);
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
}

/** transactions, merchants and sales: one file (or stdout). */
async function singleFile(kind: string, args: Map<string, string>, format: OutputFormat): Promise<void> {
  const outPath = args.get('out');
  if (!outPath) throw new UsageError('--out is required');
  const rows = intArg(args, 'rows');
  const seed = intArg(args, 'seed', DEFAULT_SEED);

  const toStdout = outPath === '-';
  const out: NodeJS.WritableStream = toStdout ? process.stdout : fs.createWriteStream(outPath, { highWaterMark: 1 << 20 });
  const log = (msg: string): void => void (toStdout ? process.stderr : process.stdout).write(msg + '\n');

  const started = process.hrtime.bigint();
  let summary: string[];
  let csvBytes: number;
  let json: CsvToJsonCounts | null;
  if (kind === 'transactions') {
    const opts = transactionsOptions(args, rows, seed);
    const w = await writeInFormat(out, format, (sink) => writeTransactionsCsv(sink, opts));
    const r = w.result;
    ({ json } = w);
    csvBytes = r.bytes;
    summary = transactionsSummary(opts, r);
  } else if (kind === 'sales') {
    const shape = choiceArg<SalesShape>(args, 'shape', SALES_SHAPES);
    const w = await writeInFormat(out, format, (sink) =>
      writeSalesCsv(sink, {
        rows,
        seed,
        shape,
        errorRate: numArg(args, 'error-rate', DEFAULT_SALES_ERROR_RATE),
        year: optionalInt(args, 'year'),
        years: optionalInt(args, 'years'),
        products: optionalInt(args, 'products'),
        distinctProducts: flagArg(args, 'distinct-products'),
        categories: optionalInt(args, 'categories'),
        regions: optionalInt(args, 'regions'),
      }),
    );
    const r = w.result;
    ({ json } = w);
    csvBytes = r.bytes;
    const dropped = SALES_FAULT_TYPES.filter((t) => SALES_FAULT_DROP_REASON[t] !== null)
      .map((t) => `${t} ${r.faultsByType[t]} (${SALES_FAULT_DROP_REASON[t]})`)
      .join(', ');
    const kept = SALES_FAULT_TYPES.filter((t) => SALES_FAULT_DROP_REASON[t] === null)
      .map((t) => `${t} ${r.faultsByType[t]}`)
      .join(', ');
    summary = [
      `sales: ${r.rows} rows (${r.faultyRows} faulty, ${r.expectedDropped} expected dropped, ` +
        `${r.duplicateOrderIdRows} duplicate order ids), seed ${seed}, shape ${shape ?? 'default'}`,
      `  dropped by the cleaner: ${dropped}`,
      `  kept faults: ${kept}`,
    ];
  } else if (kind === 'marketing') {
    const w = await writeInFormat(out, format, (sink) =>
      writeMarketingCsv(sink, {
        rows,
        seed,
        shape: choiceArg<MarketingShape>(args, 'shape', MARKETING_SHAPES),
        errorRate: optionalNum(args, 'error-rate'),
        campaigns: optionalInt(args, 'campaigns'),
        days: optionalInt(args, 'days'),
        endDay: args.get('end-day'),
        currencies: args
          .get('currencies')
          ?.split(',')
          .map((c) => c.trim().toUpperCase()),
        restateDays: optionalInt(args, 'restate-days'),
      }),
    );
    const r = w.result;
    ({ json } = w);
    csvBytes = r.bytes;
    summary = [
      `marketing: ${r.rows} rows (${r.faultyRows} faulty: ${MARKETING_FAULT_TYPES.map((t) => `${t} ${r.faultsByType[t]}`).join(', ')}), ` +
        `${r.campaigns} campaigns, ${r.ads} ads, days ${r.firstDay}..${r.lastDay}, seed ${seed}`,
    ];
  } else if (kind === 'messaging') {
    const w = await writeInFormat(out, format, (sink) =>
      writeMessagingCsv(sink, {
        events: rows,
        seed,
        errorRate: optionalNum(args, 'error-rate'),
        days: optionalNum(args, 'days'),
        end: args.get('end'),
        shape: choiceArg<MessagingShape>(args, 'shape', MESSAGING_SHAPES),
      }),
    );
    const r = w.result;
    ({ json } = w);
    csvBytes = r.bytes;
    summary = [
      `messaging: ${r.events} events of ${r.messages} messages (${r.duplicates} re-sent, ${r.faultyRows} faulty: ` +
        `${MESSAGING_FAULT_TYPES.map((t) => `${t} ${r.faultsByType[t]}`).join(', ')}), ${r.first}..${r.last}, seed ${seed}`,
    ];
  } else {
    const shape = choiceArg<TransactionsShape>(args, 'shape', TRANSACTIONS_SHAPES);
    // The merchants file only needs the zones and categories of the transactions shape.
    const dims = applyTransactionsShape({
      rows,
      shape,
      zones: optionalInt(args, 'zones'),
      categories: optionalInt(args, 'categories'),
    });
    const w = await writeInFormat(out, format, (sink) => writeMerchantsCsv(sink, { rows, seed, zones: dims.zones, categories: dims.categories }));
    ({ json } = w);
    csvBytes = w.result.bytes;
    summary = [`merchants: ${w.result.rows} rows, seed ${seed}, zones ${dims.zones ?? 'default (8)'}, ` + `categories ${dims.categories ?? 'default (10)'}`];
  }
  if (!toStdout) {
    out.end();
    await finished(out);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const line of summary) log(line);
  if (json) log(jsonSummary(format, json));
  const bytes = json ? json.bytes : csvBytes;
  log(`wrote ${bytes} bytes (${mib(bytes)}) of ${format} to ${outPath} in ${seconds.toFixed(2)} s` + (json ? ` (the CSV text: ${csvBytes} bytes)` : ''));
}

function transactionsOptions(args: Map<string, string>, rows: number, seed: number): TransactionsGenOptions {
  let now = new Date();
  if (args.has('now')) {
    now = new Date(args.get('now')!);
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now is not a valid date: ${args.get('now')}`);
  }
  return {
    rows,
    seed,
    now,
    shape: choiceArg<TransactionsShape>(args, 'shape', TRANSACTIONS_SHAPES),
    errorRate: optionalNum(args, 'error-rate'),
    merchants: optionalInt(args, 'merchants'),
    days: optionalNum(args, 'days'),
    customers: optionalInt(args, 'customers'),
    distinctCustomers: flagArg(args, 'distinct-customers'),
    zones: optionalInt(args, 'zones'),
    zoneVariants: optionalInt(args, 'zone-variants'),
    categories: optionalInt(args, 'categories'),
    categorySpellings: optionalInt(args, 'category-spellings'),
    quoteRate: optionalNum(args, 'quote-rate'),
    crlf: flagArg(args, 'crlf'),
    timestampFormats: choiceArg(args, 'timestamp-formats', ['default', 'all'] as const),
  };
}

function transactionsSummary(opts: TransactionsGenOptions, r: Awaited<ReturnType<typeof writeTransactionsCsv>>): string[] {
  const o = applyTransactionsShape(opts);
  const customers = o.distinctCustomers ? 'one per row' : String(o.customers ?? `~rows/4 (${Math.min(10_000_000, Math.ceil(o.rows / 4))})`);
  const byType = FAULT_TYPES.map((t) => `${t} ${r.faultsByType[t]}`).join(', ');
  const duplicates = r.faultsByType.duplicate_id;
  return [
    `transactions: ${r.rows} rows (${r.faultyRows} faulty), seed ${o.seed}, now ${o.now!.toISOString()}, ` + `shape ${o.shape ?? 'default'}`,
    `  customers ${customers}, merchants ${o.merchants ?? DEFAULT_MERCHANTS}, days ${o.days ?? DEFAULT_DAYS}, ` +
      `zones ${o.zones ?? 'default (8 + quoted "Zone, Other")'}` +
      (o.zoneVariants ? ` × ${o.zoneVariants} spellings` : '') +
      `, categories ${o.categories ?? 'default (10)'}` +
      (o.categorySpellings ? ` (${o.categorySpellings} spellings)` : '') +
      `, timestamps ${o.timestampFormats ?? 'default'}, ${r.quotedRows} rows fully quoted, ` +
      `${o.crlf ? 'CRLF' : 'LF'}, error rate ${o.errorRate ?? DEFAULT_ERROR_RATE}`,
    `  faulty by type: ${byType}`,
    `  expected: ${r.faultyRows - duplicates} rows rejected by the cleaner, ${duplicates} duplicate ids ` + `(rejected by the loader), ${r.rows - r.faultyRows} clean rows`,
  ];
}

function jsonSummary(format: OutputFormat, c: CsvToJsonCounts): string {
  return (
    `  ${format}: ${c.rows} objects, ${c.numberRows} with JSON numbers (${c.numberFields} fields), ` +
    `${c.omittedEmptyFields} empty fields omitted, ${c.emptyStringFields} written as ""` +
    (c.shortRows + c.longRows > 0 ? `, ${c.shortRows} short and ${c.longRows} long records` : '')
  );
}

/** --kind store-monitoring: the three feeds into the directory --out. */
async function storeMonitoring(args: Map<string, string>, format: OutputFormat): Promise<void> {
  const dir = args.get('out');
  if (!dir || dir === '-') throw new UsageError('--out DIR is required (a directory, not stdout)');
  const seed = intArg(args, 'seed', DEFAULT_SEED);
  const shape = choiceArg<StoreMonitoringShape>(args, 'shape', STORE_MONITORING_SHAPES);
  const started = process.hrtime.bigint();
  const r = await generateStoreMonitoringFeeds(dir, {
    shape,
    stores: optionalInt(args, 'stores'),
    rows: optionalInt(args, 'rows'),
    days: optionalNum(args, 'days'),
    intervalMinutes: optionalNum(args, 'interval-minutes'),
    seed,
    format,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const hours = r.intervalMinutes / 60;
  const size = async (file: string): Promise<number> => (await fs.promises.stat(file)).size;
  const sizes = [await size(r.files.status), await size(r.files.hours), await size(r.files.timezones)];
  console.log(
    `store-monitoring: ${r.stores} stores, seed ${seed}, shape ${shape ?? 'default'}, polls every ` +
      `${r.intervalMinutes.toFixed(1)} min (${hours.toFixed(2)} h) ± 20 % until ${r.endAt.toISOString()}`,
  );
  console.log(
    `  ${r.files.status}: ${r.statusRows} rows (${r.duplicates} duplicate polls → DUPLICATE rejects), ` +
      `${r.storesWithoutPolls} stores without polls, ${r.firstPollAt?.toISOString() ?? '–'} .. ` +
      `${r.lastPollAt?.toISOString() ?? '–'}, ${sizes[0]} bytes (${mib(sizes[0])})`,
  );
  console.log(`  ${r.files.hours}: ${r.hoursRows} rows (${(r.hoursRows / Math.max(1, r.stores)).toFixed(2)} per store), ` + `${sizes[1]} bytes (${mib(sizes[1])})`);
  console.log(`  ${r.files.timezones}: ${r.timezoneRows} rows (${r.unknownZones} unknown zones → UNKNOWN_TIMEZONE warnings), ` + `${sizes[2]} bytes (${mib(sizes[2])})`);
  if (r.json) {
    for (const [name, counts] of Object.entries(r.json)) console.log(`  ${name}${jsonSummary(format, counts).slice(1)}`);
  }
  const total = sizes[0] + sizes[1] + sizes[2];
  console.log(`wrote ${mib(total)} of ${format} to ${dir} in ${seconds.toFixed(2)} s`);
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
