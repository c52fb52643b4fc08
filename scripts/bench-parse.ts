/**
 * CSV parse benchmark: libs/csv CsvParser vs Papa Parse on a transactions-like file.
 *
 *   npm run bench:parse                          # 1,000,000 rows
 *   node dist/scripts/bench-parse.js --rows 5000000
 *   node dist/scripts/bench-parse.js --file some.csv --keep
 *
 * The file is generated under os.tmpdir() (deleted afterwards unless --keep or --file), then each parser runs in its
 * own child process (so peak RSS is not polluted by the previous run), streaming the file with
 * fs.createReadStream (highWaterMark 1 MiB). Peak RSS is sampled every 100 ms; the kernel's maxRSS is shown too.
 * Plain script, no Nest; relative imports only because the compiled output runs with plain node.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Papa from 'papaparse';
import { CsvParser, encodeCopyRow } from '../libs/csv';
import { Prng } from '../libs/datagen/prng';

const HIGH_WATER_MARK = 1 << 20;
const HEADER = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE\n';
const ZONES = ['Downtown', 'Uptown', 'Midtown', 'Harbor', 'Airport', 'Suburbs', 'Old Town', 'Industrial'];
const CATEGORIES = ['Clothing', 'Electronics', 'Groceries', 'Restaurants', 'Travel', 'Health', 'Entertainment', 'Fuel'];
const QUOTED_ZONES = ['"Downtown, North"', '"Harbor, Pier 39"', '"Old Town, ""Historic"" District"'];
const QUOTED_CATEGORIES = ['"Home, Garden"', '"Books, Music ""and"" Media"', '"Sports, Outdoors"'];

type ParserName = 'csvparser' | 'csvparser+copy' | 'papaparse';
const PARSERS: ParserName[] = ['csvparser', 'csvparser+copy', 'papaparse'];

interface WorkerResult {
  parser: ParserName;
  rows: number;
  fields: number;
  seconds: number;
  peakRssMb: number;
  maxRssMb: number;
}

interface Args {
  rows: number;
  file?: string;
  keep: boolean;
  worker?: ParserName;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { rows: 1_000_000, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rows') {
      args.rows = Number(argv[++i]);
      if (!Number.isInteger(args.rows) || args.rows < 1) throw new Error('--rows must be a positive integer');
    } else if (a === '--file') {
      args.file = argv[++i];
    } else if (a === '--keep') {
      args.keep = true;
    } else if (a === '--worker') {
      const name = argv[++i] as ParserName;
      if (!PARSERS.includes(name)) throw new Error(`unknown parser ${name}`);
      args.worker = name;
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  return args;
}

/** The generators' seeded PRNG, as a function returning floats in [0, 1). */
function prng(seed: number): () => number {
  const rng = new Prng(seed);
  return () => rng.float();
}

function generateFile(file: string, rows: number): number {
  const rnd = prng(42);
  const hex = (len: number): string => {
    let s = '';
    for (let i = 0; i < len; i++) s += '0123456789ABCDEF'[(rnd() * 16) | 0];
    return s;
  };
  const pad = (n: number, len: number): string => String(n).padStart(len, '0');
  const base = Date.UTC(2025, 0, 1);
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  try {
    bytes += fs.writeSync(fd, HEADER);
    const batch: string[] = [];
    for (let r = 0; r < rows; r++) {
      const quoted = rnd() < 0.01;
      const zone = quoted && rnd() < 0.5 ? QUOTED_ZONES[(rnd() * QUOTED_ZONES.length) | 0] : ZONES[(rnd() * ZONES.length) | 0];
      const category = quoted && !zone.startsWith('"') ? QUOTED_CATEGORIES[(rnd() * QUOTED_CATEGORIES.length) | 0] : CATEGORIES[(rnd() * CATEGORIES.length) | 0];
      const amount = (rnd() * 1000).toFixed(2);
      const ts = new Date(base + Math.floor(rnd() * 365 * 86_400_000)).toISOString().slice(0, 19);
      const micros = pad((rnd() * 1_000_000) | 0, 6);
      const phone = '+1555' + pad((rnd() * 10_000_000) | 0, 7);
      batch.push(`TXN_${hex(8)},MERCH_${pad((rnd() * 10_000) | 0, 4)},${zone},${category},${amount},${ts}.${micros}+00:00,${phone}\n`);
      if (batch.length === 10_000) {
        bytes += fs.writeSync(fd, batch.join(''));
        batch.length = 0;
      }
    }
    if (batch.length > 0) bytes += fs.writeSync(fd, batch.join(''));
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}

/** Runs one parser over the file in this process and returns its figures. */
async function runWorker(parser: ParserName, file: string): Promise<WorkerResult> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > peakRss) peakRss = rss;
  }, 100);

  let records = 0;
  let fields = 0;
  const started = process.hrtime.bigint();

  if (parser === 'papaparse') {
    // Papa concatenates chunks as strings, so let the stream decode UTF-8 (safe across chunk boundaries).
    const stream = fs.createReadStream(file, { highWaterMark: HIGH_WATER_MARK, encoding: 'utf8' });
    await new Promise<void>((resolve, reject) => {
      Papa.parse<string[]>(stream, {
        header: false,
        skipEmptyLines: true,
        chunk: (results) => {
          const data = results.data;
          records += data.length;
          for (let i = 0; i < data.length; i++) fields += data[i].length;
        },
        complete: () => resolve(),
        error: (err: Error) => reject(err),
      });
      stream.on('error', reject);
    });
  } else {
    const csv = new CsvParser();
    const stream = fs.createReadStream(file, { highWaterMark: HIGH_WATER_MARK });
    let copyBytes = 0;
    const onRecord =
      parser === 'csvparser'
        ? (row: string[]): void => {
            records++;
            fields += row.length;
          }
        : (row: string[]): void => {
            records++;
            fields += row.length;
            copyBytes += encodeCopyRow(row).length;
          };
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk) => csv.push(chunk as Buffer, onRecord));
      stream.on('end', () => {
        csv.end(onRecord);
        resolve();
      });
      stream.on('error', reject);
    });
    if (parser === 'csvparser+copy' && copyBytes === 0) throw new Error('no COPY output');
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  const rss = process.memoryUsage().rss;
  if (rss > peakRss) peakRss = rss;
  return {
    parser,
    rows: records - 1, // minus the header
    fields,
    seconds,
    peakRssMb: peakRss / 1048576,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function spawnWorker(parser: ParserName, file: string): WorkerResult {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--worker', parser, '--file', file], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) {
    throw new Error(`worker ${parser} failed (exit ${child.status}):\n${child.stderr}`);
  }
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as WorkerResult;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));

  if (args.worker) {
    if (!args.file) throw new Error('--worker requires --file');
    const result = await runWorker(args.worker, args.file);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }

  const generated = !args.file;
  const file = args.file ?? path.join(os.tmpdir(), `bench-parse-${process.pid}-${args.rows}.csv`);
  try {
    if (generated) {
      const t0 = Date.now();
      const bytes = generateFile(file, args.rows);
      console.log(`generated ${fmt(args.rows)} rows, ${fmt(bytes / 1048576, 1)} MiB (${fmt(bytes / args.rows, 1)} B/row) ` + `in ${fmt((Date.now() - t0) / 1000, 1)} s -> ${file}`);
    } else {
      console.log(`file ${file}, ${fmt(fs.statSync(file).size / 1048576, 1)} MiB`);
    }
    console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}\n`);

    const results: WorkerResult[] = [];
    for (const parser of PARSERS) {
      const r = spawnWorker(parser, file);
      results.push(r);
      console.log(
        `${parser.padEnd(15)} rows=${fmt(r.rows).padStart(11)}  time=${fmt(r.seconds, 3).padStart(8)} s  ` +
          `rows/s=${fmt(r.rows / r.seconds).padStart(11)}  peak RSS=${fmt(r.peakRssMb, 1).padStart(7)} MB ` +
          `(maxRSS ${fmt(r.maxRssMb, 1)} MB)`,
      );
    }
    const ref = results[0];
    for (const r of results) {
      if (r.rows !== ref.rows || r.fields !== ref.fields) {
        console.error(`MISMATCH: ${r.parser} saw ${r.rows} rows / ${r.fields} fields, ${ref.parser} saw ${ref.rows} / ${ref.fields}`);
        process.exitCode = 1;
      }
    }
    const papa = results.find((r) => r.parser === 'papaparse');
    if (papa) console.log(`\ncsvparser speed-up over papaparse: x${fmt(papa.seconds / ref.seconds, 2)}`);
  } finally {
    if (generated && !args.keep) fs.rmSync(file, { force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
