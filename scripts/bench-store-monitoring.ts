/**
 * npm run bench:store-monitoring -- [--shape adversarial] [--stores 14000] [--rows 2000000] [--days 63]
 *                                   [--interval-minutes M] [--seed 1] [--runs 3] [--resend] [--keep]
 *
 * --shape adversarial: the generator's preset of a million stores polled a few times each over ten
 * years; --resend: the status feed a second time (every poll a DUPLICATE), timed like the first.
 *
 * The store-monitoring feeds end to end, in one run:
 * - the three feeds (libs/datagen store-monitoring generator) into a fresh temp dir: store_status.csv
 *   (--rows polls of --stores stores over --days, or one every --interval-minutes), menu_hours.csv
 *   and timezones.csv;
 * - the physical limit: `psql \copy` of store_status.csv into an unindexed all-text table;
 * - the product path, per file: HTTP upload (raw text/csv) → COMPLETED as the import kinds
 *   store-status, business-hours and timezones, rows loaded / rejected (the DUPLICATE rejects must
 *   equal the generator's re-sent polls, the UNKNOWN_TIMEZONE warnings its unknown zones), and for the
 *   status feed the ratio to the raw COPY (target ≤ 2×);
 * - the report: POST trigger_report → GET get_report every 100 ms until Complete, --runs times
 *   (target: median ≤ 10 s), the app's peak RSS during those runs, the CSV's header and one row per
 *   store, the download URL answering the same CSV, and the report as the reports engine has it
 *   (GET /reports/{id}: source store-monitoring.uptime, rows and bytes of that CSV file).
 * The machine is shared and noisy: compare with what Postgres alone does in the same run.
 */
import { createReadStream, promises as fs, readFileSync, statSync, writeFileSync } from 'fs';
import Redis from 'ioredis';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_STORE_MONITORING_DAYS, DEFAULT_STORE_MONITORING_ROWS, DEFAULT_STORE_MONITORING_STORES, generateStoreMonitoringFeeds, STORE_STATUS_HEADER } from '../libs/datagen';
import { dropDatabase } from '../libs/database/ensure-database';
import { AppConfig } from '../src/config/app-config';
import type { ReportDto } from '../src/modules/reports/dto/report.dto';
import type { ReportResponseDto, TriggerReportResponseDto } from '../src/modules/store-monitoring/dto/store-monitoring.dto';
import { benchStage, flags, peakRssMb, RunningApp, startApp, withDatabase } from './lib/bench-env';
import { BenchTarget, importCsv, met, sleep } from './lib/bench-load';
import { rawCopySeconds } from './lib/raw-copy';

const KEY = 'bench-admin-key-0123456789';
const HEADERS = { 'X-API-Key': KEY };
const PORT = 3993;
const RATIO_TARGET = 2;
const REPORT_TARGET_SECONDS = 10;
const REPORT_POLL_MS = 100;
/** A report that runs longer than this is given up on. */
const REPORT_TIMEOUT_MS = 30 * 60_000;
const REPORT_HEADER = 'store_id,uptime_last_hour,uptime_last_day,uptime_last_week,downtime_last_hour,downtime_last_day,downtime_last_week';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const n = (v: number) => v.toLocaleString('en-US');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Resident set size of a process now, in MB (VmRSS). */
function rssMb(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return Math.round(kb / 102.4) / 10;
  } catch {
    return 0; // the process has gone
  }
}

/** Resets the kernel's peak RSS (VmHWM) of a process to its current RSS; false when not allowed. */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

interface FeedLoad {
  kind: string;
  file: string;
  rows: number;
  seconds: number;
  loaded: number;
  rejected: number;
  rejectsByReason: Record<string, number>;
  warningsByReason: Record<string, number>;
  executionTimeMs: number;
}

async function loadFeed(b: BenchTarget, kind: string, file: string, rows: number): Promise<FeedLoad> {
  const size = statSync(file).size;
  const { imp, seconds } = await importCsv(b, kind, createReadStream(file, { highWaterMark: 1 << 20 }), size);
  const m = imp.metrics ?? {};
  const load: FeedLoad = {
    kind,
    file,
    rows,
    seconds,
    loaded: m.rowsLoaded ?? imp.progress?.rowsLoaded ?? NaN,
    rejected: m.rowsRejected ?? imp.progress?.rowsRejected ?? NaN,
    rejectsByReason: imp.rejectsByReason ?? m.rejectsByReason ?? {},
    warningsByReason: imp.warningsByReason ?? {},
    executionTimeMs: m.executionTimeMs ?? NaN,
  };
  console.log(
    `  ${kind.padEnd(15)} ${seconds.toFixed(2).padStart(7)} s upload → COMPLETED (job ${(load.executionTimeMs / 1000).toFixed(2)} s, ` +
      `${n(Math.round(rows / seconds))} rows/s, ${mb(size)}); rows ${n(rows)}: loaded ${n(load.loaded)}, rejected ${n(load.rejected)} ` +
      `${JSON.stringify(load.rejectsByReason)}, warnings ${JSON.stringify(load.warningsByReason)}`,
  );
  return load;
}

interface ReportRun {
  seconds: number;
  body: ReportResponseDto;
  /** Highest VmRSS seen while polling, MB. */
  sampledPeakMb: number;
}

/** POST trigger_report, then GET get_report every 100 ms until Complete (throws on Failed or timeout). */
async function runReport(app: RunningApp, index: number): Promise<ReportRun> {
  const pid = app.proc.pid!;
  const started = performance.now();
  const res = await fetch(`${app.baseUrl}/api/v1/store-monitoring/trigger_report`, {
    method: 'POST',
    headers: { ...HEADERS, 'Content-Type': 'application/json' },
    body: '{}',
  });
  const trigger = (await res.json().catch(() => null)) as TriggerReportResponseDto | null;
  if (!res.ok || !trigger?.reportId) {
    throw new Error(`trigger_report answered ${res.status}: ${JSON.stringify(trigger)}`);
  }
  let sampledPeakMb = rssMb(pid);
  let body: ReportResponseDto;
  let lastProgress = '';
  for (;;) {
    await sleep(REPORT_POLL_MS);
    sampledPeakMb = Math.max(sampledPeakMb, rssMb(pid));
    const r = await fetch(`${app.baseUrl}/api/v1/store-monitoring/get_report/${trigger.reportId}`, { headers: HEADERS });
    body = (await r.json().catch(() => null)) as ReportResponseDto;
    if (!r.ok) {
      throw new Error(`get_report answered ${r.status}: ${JSON.stringify(body)}`);
    }
    if (body.status === 'Complete') break;
    if (body.status === 'Failed') {
      throw new Error(`report ${trigger.reportId} failed: ${body.error}`);
    }
    if (body.status !== 'Running') {
      throw new Error(`report ${trigger.reportId} has an unexpected status: ${JSON.stringify(body)}`);
    }
    lastProgress = `${body.progress?.storesDone}/${body.progress?.storesTotal}`;
    if (performance.now() - started > REPORT_TIMEOUT_MS) {
      throw new Error(`report ${trigger.reportId} still Running after ${REPORT_TIMEOUT_MS / 60_000} min (${lastProgress})`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const metrics = body.metrics ? `, server metrics ${JSON.stringify(body.metrics)}` : '';
  console.log(
    `  run ${index}: ${seconds.toFixed(2)} s trigger → Complete (now ${body.now ?? '?'}, last progress seen ${lastProgress || '–'}, ` +
      `app RSS ≤ ${sampledPeakMb} MB sampled${metrics})`,
  );
  return { seconds, body, sampledPeakMb };
}

/** Problems of a report CSV: header, one row per store, unique known store ids, numeric values. */
function checkReportCsv(csv: string, stores: number): { rows: number; problems: string[]; firstRows: string[] } {
  const lines = csv.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const problems: string[] = [];
  if (lines[0] !== REPORT_HEADER) problems.push(`header is ${JSON.stringify(lines[0])}`);
  const data = lines.slice(1);
  if (data.length !== stores) problems.push(`${n(data.length)} rows, not one per store (${n(stores)})`);
  const ids = new Set<string>();
  let badRows = 0;
  for (const line of data) {
    const f = line.split(',');
    ids.add(f[0]);
    if (f.length !== 7 || f.slice(1).some((v) => v === '' || !Number.isFinite(Number(v)))) badRows++;
  }
  if (ids.size !== data.length) problems.push(`${n(data.length - ids.size)} repeated store ids`);
  if (badRows > 0) problems.push(`${n(badRows)} rows without 7 fields of numbers`);
  return { rows: data.length, problems, firstRows: data.slice(0, 3) };
}

/** The report as GET /reports/{id} has it: a COMPLETED store-monitoring.uptime whose rows and bytes are the CSV's. */
async function engineReport(app: RunningApp, reportId: string, rows: number, bytes: number): Promise<{ isSame: boolean; text: string }> {
  const res = await fetch(`${app.baseUrl}/api/v1/reports/${reportId}`, { headers: HEADERS });
  const r = (await res.json().catch(() => null)) as ReportDto | null;
  const isSame = res.ok && r?.source === 'store-monitoring.uptime' && r.status === 'COMPLETED' && r.rows === rows && r.bytes === bytes;
  const text = res.ok
    ? `${r?.source} ${r?.status}, rows ${n(r?.rows ?? NaN)} (CSV ${n(rows)}), bytes ${n(r?.bytes ?? NaN)} (CSV ${n(bytes)})${isSame ? '' : ' **mismatch**'}`
    : `HTTP ${res.status} ${JSON.stringify(r)}`;
  return { isSame, text };
}

async function main(): Promise<void> {
  const f = flags();
  // --shape adversarial: a million stores over ten years (the generator's preset; explicit flags win).
  const shape = f.shape === 'adversarial' ? 'adversarial' : undefined;
  const option = (value: string | undefined, fallback: number) => (value !== undefined ? Number(value) : shape ? undefined : fallback);
  const stores = option(f.stores, DEFAULT_STORE_MONITORING_STORES);
  const rows = option(f.rows, DEFAULT_STORE_MONITORING_ROWS);
  const days = option(f.days, DEFAULT_STORE_MONITORING_DAYS);
  const intervalMinutes = f['interval-minutes'] !== undefined ? Number(f['interval-minutes']) : undefined;
  const seed = Number(f.seed ?? 1);
  const runs = Number(f.runs ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be an integer ≥ 1, got ${f.runs}`);
  const config = AppConfig.fromProcessEnv();
  const { url, prefix, dataDir, reset, remove } = benchStage(config, 'store_monitoring');
  const rawDb = 'analytics_bench_store_monitoring_raw';
  const feedDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-store-monitoring-'));

  console.log(`generating the three feeds into ${feedDir} ...`);
  const genStarted = performance.now();
  const gen = await generateStoreMonitoringFeeds(feedDir, { shape, stores, rows, days, intervalMinutes, seed });
  const genSeconds = (performance.now() - genStarted) / 1000;
  console.log(
    `generated in ${genSeconds.toFixed(2)} s: ${n(gen.stores)} stores, a poll every ${gen.intervalMinutes.toFixed(1)} min ` +
      `± 20 %, ${gen.firstPollAt?.toISOString() ?? '–'} .. ${gen.lastPollAt?.toISOString() ?? '–'} (endAt ${gen.endAt.toISOString()})`,
  );
  console.log(`  store_status.csv ${n(gen.statusRows)} rows (${n(gen.duplicates)} re-sent polls, ${n(gen.storesWithoutPolls)} stores without polls), ${mb(gen.statusBytes)}`);
  console.log(`  menu_hours.csv   ${n(gen.hoursRows)} rows, ${mb(gen.hoursBytes)}`);
  console.log(`  timezones.csv    ${n(gen.timezoneRows)} rows (${n(gen.unknownZones)} unknown zones), ${mb(gen.timezoneBytes)}`);
  await reset();

  const redis = new Redis(config.REDIS_URL);
  let app: RunningApp | undefined;
  try {
    console.log('\nraw COPY of store_status.csv (psql \\copy, unindexed all-text table) ...');
    const rawCopy = await rawCopySeconds(config.DATABASE_URL, gen.files.status, STORE_STATUS_HEADER.split(','), rawDb);
    console.log(`raw COPY ${rawCopy.toFixed(2)} s (${n(Math.round(gen.statusRows / rawCopy))} rows/s)`);

    const env = { DATABASE_URL: url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn' };
    app = await startApp(env, PORT);
    const pid = app.proc.pid!;
    const b: BenchTarget = { app, redis, prefix, headers: HEADERS };

    console.log('\nproduct imports (HTTP upload → COMPLETED) ...');
    const status = await loadFeed(b, 'store-status', gen.files.status, gen.statusRows);
    const hours = await loadFeed(b, 'business-hours', gen.files.hours, gen.hoursRows);
    const zones = await loadFeed(b, 'timezones', gen.files.timezones, gen.timezoneRows);
    const rssAfterImports = peakRssMb(pid);
    const ratio = status.seconds / rawCopy;
    const duplicateRejects = status.rejectsByReason.DUPLICATE ?? 0;
    const unknownWarnings = zones.warningsByReason.UNKNOWN_TIMEZONE ?? 0;
    const loadChecks = [
      [`store-status DUPLICATE rejects ${n(duplicateRejects)} = re-sent polls ${n(gen.duplicates)}`, duplicateRejects === gen.duplicates],
      [`store-status loaded ${n(status.loaded)} = rows − re-sent ${n(gen.statusRows - gen.duplicates)}`, status.loaded === gen.statusRows - gen.duplicates],
      [`business-hours loaded ${n(hours.loaded)} = rows ${n(gen.hoursRows)}`, hours.loaded === gen.hoursRows],
      [`timezones loaded ${n(zones.loaded)} = rows ${n(gen.timezoneRows)}`, zones.loaded === gen.timezoneRows],
      [`timezones UNKNOWN_TIMEZONE warnings ${n(unknownWarnings)} = unknown zones ${n(gen.unknownZones)}`, unknownWarnings === gen.unknownZones],
    ] as const;
    for (const [what, ok] of loadChecks) console.log(`  ${what}: ${ok ? 'ok' : '**MISMATCH**'}`);
    console.log(
      `store-status ${status.seconds.toFixed(2)} s = ${ratio.toFixed(2)}× the raw COPY (target ≤ ${RATIO_TARGET}×: ${met(ratio <= RATIO_TARGET)}); ` +
        `app peak RSS ${rssAfterImports} MB after the imports`,
    );
    if (f.resend) {
      const again = await loadFeed(b, 'store-status', gen.files.status, gen.statusRows);
      const isAllRepeats = again.loaded === 0 && (again.rejectsByReason.DUPLICATE ?? 0) === gen.statusRows;
      console.log(`  re-sent status feed: ${again.seconds.toFixed(2)} s, every poll a DUPLICATE: ${isAllRepeats ? 'ok' : '**MISMATCH**'}; app peak RSS ${peakRssMb(pid)} MB`);
    }

    console.log(`\nreport (trigger_report → get_report every ${REPORT_POLL_MS} ms until Complete), ${runs} run(s) ...`);
    const peakReset = resetPeakRss(pid);
    const reports: ReportRun[] = [];
    for (let i = 1; i <= runs; i++) reports.push(await runReport(app, i));
    const reportSeconds = reports.map((r) => r.seconds);
    const reportMedian = median(reportSeconds);
    const sampledPeak = Math.max(...reports.map((r) => r.sampledPeakMb));
    const reportPeak = peakReset ? peakRssMb(pid) : sampledPeak;
    const peakNote = peakReset
      ? `kernel VmHWM, reset before the first run; ${sampledPeak} MB sampled every ${REPORT_POLL_MS} ms`
      : `sampled every ${REPORT_POLL_MS} ms (VmHWM could not be reset; it says ${peakRssMb(pid)} MB since start)`;
    console.log(
      `  median ${reportMedian.toFixed(2)} s (target ≤ ${REPORT_TARGET_SECONDS} s: ${met(reportMedian <= REPORT_TARGET_SECONDS)}); app peak RSS ${reportPeak} MB (${peakNote})`,
    );

    const last = reports[reports.length - 1].body;
    const csv: string = last.csv ?? '';
    const check = checkReportCsv(csv, gen.stores);
    console.log(`  CSV: ${n(check.rows)} rows, ${mb(Buffer.byteLength(csv))}; first rows:`);
    for (const row of [REPORT_HEADER, ...check.firstRows]) console.log(`    ${row}`);
    for (const p of check.problems) console.log(`  **${p}**`);
    if (check.rows === gen.stores - gen.storesWithoutPolls) {
      console.log(`  (rows = stores with polls: the ${n(gen.storesWithoutPolls)} stores without polls are not in the report)`);
    }
    let downloadSame = false;
    if (typeof last.downloadUrl === 'string') {
      const dl = last.downloadUrl.startsWith('/') ? `${app.baseUrl}${last.downloadUrl}` : last.downloadUrl;
      const started = performance.now();
      const res = await fetch(dl, { headers: HEADERS });
      const text = await res.text();
      downloadSame = res.ok && text === csv;
      console.log(
        `  GET downloadUrl: HTTP ${res.status}, ${mb(Buffer.byteLength(text))} in ${((performance.now() - started) / 1000).toFixed(2)} s, ` +
          `${downloadSame ? 'same as csv' : '**differs from csv**'} (${res.headers.get('content-type')})`,
      );
    } else {
      console.log('  **no downloadUrl in the Complete answer**');
    }

    const engine = await engineReport(app, last.reportId, check.rows, Buffer.byteLength(csv));
    console.log(`  GET /reports/{id}: ${engine.text}`);

    console.log('\n== bench:store-monitoring summary ==\n');
    const interval = intervalMinutes !== undefined ? `every ${intervalMinutes} min` : `${n(rows ?? gen.statusRows)} rows target${shape ? `, shape ${shape}` : ''}`;
    console.log(
      `stores ${n(gen.stores)}, ${n(gen.statusRows)} polls over ${days ?? "the preset's"} days (${interval}, seed ${seed}), ` +
        `${n(gen.hoursRows)} hours rows, ${n(gen.timezoneRows)} zone rows; generated in ${genSeconds.toFixed(1)} s\n`,
    );
    const line = (k: string, v: string) => console.log(`${k.padEnd(30)} ${v}`);
    line('raw COPY store_status', `${rawCopy.toFixed(2)} s (${n(Math.round(gen.statusRows / rawCopy))} rows/s)`);
    for (const l of [status, hours, zones]) {
      line(`import ${l.kind}`, `${l.seconds.toFixed(2)} s (loaded ${n(l.loaded)}, rejected ${n(l.rejected)} ${JSON.stringify(l.rejectsByReason)})`);
    }
    line('ratio store-status / raw COPY', `${ratio.toFixed(2)}× (target ≤ ${RATIO_TARGET}×: ${met(ratio <= RATIO_TARGET)})`);
    line('load checks', loadChecks.every(([, ok]) => ok) ? 'all ok' : `**${loadChecks.filter(([, ok]) => !ok).length} mismatched** (see above)`);
    line(
      'report trigger → Complete',
      `${reportSeconds.map((s) => s.toFixed(2)).join(' / ')} s; median ${reportMedian.toFixed(2)} s (target ≤ ${REPORT_TARGET_SECONDS} s: ${met(reportMedian <= REPORT_TARGET_SECONDS)})`,
    );
    line('report CSV', check.problems.length === 0 ? `header ok, one row per store (${n(check.rows)})` : `**${check.problems.join('; ')}**`);
    line('downloadUrl', downloadSame ? 'same CSV' : '**not the same CSV**');
    line('reports engine', engine.isSame ? 'store-monitoring.uptime, COMPLETED, rows and bytes of the CSV' : `**${engine.text}**`);
    line('app peak RSS', `${rssAfterImports} MB after the imports; ${reportPeak} MB during the reports`);
  } finally {
    await app?.stop();
    redis.disconnect();
    await dropDatabase(withDatabase(config.DATABASE_URL, rawDb));
    if (f.keep) {
      console.log(`\nkept: psql ${url}  (Redis prefix ${prefix}, data dir ${dataDir}, feeds ${feedDir})`);
      console.log(`app on it: DATABASE_URL=${url} REDIS_PREFIX=${prefix} DATA_DIR=${dataDir} BOOTSTRAP_ADMIN_API_KEY=${KEY} npm run start:prod`);
    } else {
      await remove();
      await fs.rm(feedDir, { recursive: true, force: true });
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
