import { createReadStream, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { dropDatabase } from '../../libs/database/ensure-database';
import { dropRedisPrefix } from '../../libs/redis/drop-prefix';
import { CompletedImport, LogEntry, peakRssMb, postFile, RunningApp, startApp, startWorker, withDatabase } from './bench-env';
import { sleep } from './bench-load';
import { CpuMeter, CpuWindow, PgCpu, PgCpuSampler, pidsNamed } from './proc-stats';
import { copyInto, rawCopyDatabase, RawFormat } from './raw-copy';

export const BENCH_KEY = 'bench-admin-key-0123456789';

export interface BenchFile {
  path: string;
  rows: number;
  bytes: number;
  /** Index of the organization it is uploaded into. */
  org: number;
}

export interface ScaleSetup {
  /** DATABASE_URL of the server: each run gets a database of its own on it. */
  baseUrl: string;
  redisUrl: string;
  kind: 'transactions' | 'sales';
  files: BenchFile[];
  orgs: number;
  port: number;
}

export interface ImportRecord {
  importId: string;
  file: BenchFile;
  /** Worker index (0-based) whose log says it completed the import; -1 when none did. */
  worker: number;
  uploadedS: number;
  startedS: number;
  completedS: number;
  indexedS: number;
  jobS: number;
  /** The job's phases (copy, dedupe, publish, …), in seconds. */
  phasesS: Record<string, number>;
  rowsLoaded: number;
  rowsRejected: number;
  attempts: number;
}

export interface ImportRun {
  workers: number;
  /** First upload → the last import's COMPLETED (its finishedAt). */
  wallS: number;
  /** First upload → the last import's post-commit work done (indexedAt): when the workers are free again. */
  settledS: number;
  imports: ImportRecord[];
  cpu: CpuWindow;
  pg: PgCpu;
  rssMb: Record<string, number>;
  /** Worker log lines worth a look: a run that stood down, errors. */
  notes: string[];
}

/** The processes beside the app whose CPU a run also reads: this bench itself and Redis (when local). */
export function sideProcesses(): Record<string, number> {
  const redis = pidsNamed('redis-server')[0];
  return { bench: process.pid, ...(redis ? { redis } : {}) };
}

const secondsSince = (t0: number, iso: string | null) => (iso ? (Date.parse(iso) - t0) / 1000 : NaN);

/**
 * One API process receiving the uploads and `workers` worker processes, on a fresh database, Redis
 * prefix and DATA_DIR: every file uploaded at once, each into its organization, timed from the
 * first upload to the last COMPLETED, with every process's CPU and the database's Postgres CPU.
 */
export async function runImports(s: ScaleSetup, workers: number): Promise<ImportRun> {
  const dbName = `analytics_bench_scale_w${workers}`;
  const url = withDatabase(s.baseUrl, dbName);
  const prefix = `bench_scale_w${workers}_${Date.now()}`;
  const dataDir = path.join(os.tmpdir(), `analytics-bench-scale-w${workers}`);
  await dropDatabase(url);
  await fs.rm(dataDir, { recursive: true, force: true });
  const env = { DATABASE_URL: url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: BENCH_KEY };
  const pgClient = new Client({ connectionString: withDatabase(s.baseUrl, 'postgres') });
  const procs: RunningApp[] = [];
  const completedBy = new Map<string, number>();
  const notes: string[] = [];
  try {
    // The API first: it applies the migrations the workers expect.
    const api = await startApp({ ...env, APP_ROLE: 'api', LOG_LEVEL: 'warn' }, s.port);
    procs.push(api);
    const onLog = (worker: number) => (e: LogEntry) => {
      const done = /^Import (\S+) COMPLETED$/.exec(e.msg ?? '');
      if (done) {
        completedBy.set(done[1], worker);
      } else if (/stands down|FAILED|CANCELLED/.test(e.msg ?? '') || Number(e.level) >= 50) {
        notes.push(`worker ${worker + 1}: ${e.msg}`);
      }
    };
    procs.push(...(await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(env, onLog(i))))));
    const keys = await createOrganizations(api, s.orgs);
    await pgClient.connect();

    const labels: Record<string, number> = { api: api.proc.pid! };
    procs.slice(1).forEach((w, i) => (labels[`worker ${i + 1}`] = w.proc.pid!));
    Object.assign(labels, sideProcesses());
    const meter = new CpuMeter(labels);
    const sampler = new PgCpuSampler(pgClient, dbName);
    await sampler.start();
    meter.start();
    const t0 = Date.now();
    const uploaded = await Promise.all(s.files.map((f) => upload(api, s.kind, f, keys[f.org], t0)));
    const bodies = await waitForAll(
      procs,
      uploaded.map((u) => ({ id: u.importId, key: keys[u.file.org] })),
      (b) => b.status !== 'PROCESSING' && b.status !== 'QUEUED',
    );
    const cpu = meter.stop();
    const pg = await sampler.stop();
    const failed = bodies.filter((b) => b.status !== 'COMPLETED');
    if (failed.length) {
      throw new Error(`imports not COMPLETED: ${failed.map((b) => `${b.importId} ${b.status} ${b.error}`).join('; ')}`);
    }
    const rssMb = Object.fromEntries(
      Object.entries(labels)
        .filter(([l]) => l === 'api' || l.startsWith('worker'))
        .map(([l, pid]) => [l, peakRssMb(pid)]),
    );
    // The workers hold each job through its post-commit indexing: wait for it, so the next run starts clean.
    const settled = await waitForAll(
      procs,
      uploaded.map((u) => ({ id: u.importId, key: keys[u.file.org] })),
      (b) => Boolean(b.indexedAt),
    );
    const imports = uploaded.map((u, i): ImportRecord => {
      const b = settled[i];
      return {
        importId: u.importId,
        file: u.file,
        worker: completedBy.get(u.importId) ?? -1,
        uploadedS: u.uploadedS,
        startedS: secondsSince(t0, b.startedAt),
        completedS: secondsSince(t0, b.finishedAt),
        indexedS: secondsSince(t0, b.indexedAt),
        jobS: b.metrics.executionTimeMs / 1000,
        phasesS: Object.fromEntries(Object.entries(b.metrics.phasesMs).map(([k, v]) => [k, v / 1000])),
        rowsLoaded: b.metrics.rowsLoaded,
        rowsRejected: b.metrics.rowsRejected,
        attempts: b.attempts,
      };
    });
    const wallS = Math.max(...imports.map((r) => r.completedS));
    const settledS = Math.max(...imports.map((r) => r.indexedS));
    return { workers, wallS, settledS, imports, cpu, pg, rssMb, notes };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await pgClient.end().catch(() => undefined);
    await dropDatabase(url);
    await dropRedisPrefix(s.redisUrl, prefix);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

async function createOrganizations(api: RunningApp, n: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${api.baseUrl}/api/v1/organizations`, {
      method: 'POST',
      headers: { 'X-API-Key': BENCH_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `scale-out ${i + 1}` }),
    });
    const body = (await res.json()) as { adminKey?: { key: string } };
    if (!body.adminKey) {
      throw new Error(`creating an organization answered ${res.status}: ${JSON.stringify(body)}`);
    }
    keys.push(body.adminKey.key);
  }
  return keys;
}

async function upload(api: RunningApp, kind: string, file: BenchFile, key: string, t0: number) {
  const res = await postFile<{ importId: string }>(
    `${api.baseUrl}/api/v1/imports/${kind}?fileName=${encodeURIComponent(path.basename(file.path))}&rejectThreshold=0.9`,
    createReadStream(file.path, { highWaterMark: 1 << 20 }),
    { 'Content-Type': 'text/csv', 'X-API-Key': key, 'Content-Length': String(file.bytes) },
  );
  if (res.status !== 202) {
    throw new Error(`upload of ${file.path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return { importId: res.body.importId, file, uploadedS: (Date.now() - t0) / 1000 };
}

/**
 * Polls every import (4 a second) until `isDone` holds for all; answers their last bodies, in
 * order. Stops at once when one of `procs` has exited.
 */
async function waitForAll(procs: RunningApp[], imports: Array<{ id: string; key: string }>, isDone: (body: CompletedImport) => boolean): Promise<CompletedImport[]> {
  const api = procs[0];
  const deadline = Date.now() + 3_600_000;
  for (;;) {
    const dead = procs.findIndex((p) => p.proc.exitCode !== null || p.proc.signalCode !== null);
    if (dead >= 0) {
      throw new Error(`${dead === 0 ? 'the api process' : `worker ${dead}`} exited (${procs[dead].proc.exitCode ?? procs[dead].proc.signalCode}) during the run`);
    }
    const bodies = await Promise.all(
      imports.map(async ({ id, key }) => (await fetch(`${api.baseUrl}/api/v1/imports/${id}`, { headers: { 'X-API-Key': key } })).json() as Promise<CompletedImport>),
    );
    if (bodies.every(isDone)) {
      return bodies;
    }
    if (Date.now() > deadline) {
      throw new Error('imports not done within an hour');
    }
    await sleep(250);
  }
}

export interface RawCopyRun {
  lanes: number;
  wallS: number;
  cpu: CpuWindow;
  pg: PgCpu;
}

/**
 * The physical floor of the same files: `psql \copy` of each into an unindexed all-text table of
 * its own (as each import gets a table of its own), `lanes` at a time. The database's backends'
 * CPU is sampled; the psql clients' is in the machine's total.
 */
export async function rawCopies(s: ScaleSetup, columns: readonly string[], lanes: number, format: RawFormat = 'csv'): Promise<RawCopyRun> {
  const dbName = `analytics_bench_scale_raw`;
  const tables = s.files.map((_, i) => `raw_copy_${i}`);
  const url = await rawCopyDatabase(s.baseUrl, dbName, tables, columns, format);
  const pgClient = new Client({ connectionString: withDatabase(s.baseUrl, 'postgres') });
  await pgClient.connect();
  try {
    const sampler = new PgCpuSampler(pgClient, dbName);
    await sampler.start();
    const meter = new CpuMeter(sideProcesses()).start();
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < s.files.length; i = next++) {
        await copyInto(url, tables[i], s.files[i].path, columns, format);
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    const cpu = meter.stop();
    return { lanes, wallS: cpu.seconds, cpu, pg: await sampler.stop() };
  } finally {
    await pgClient.end();
    await dropDatabase(url);
  }
}
