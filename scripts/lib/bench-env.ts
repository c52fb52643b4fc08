import { ChildProcess, spawn } from 'child_process';
import { promises as fs, readFileSync } from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { createInterface } from 'readline';
import { dropDatabase } from '../../libs/database/ensure-database';
import { dropRedisPrefix } from '../../libs/redis/drop-prefix';
import type { ImportMetricsDto, ImportResponseDto } from '../../src/modules/ingestion/dto/import-response.dto';

/** Command-line flags as `--name value`. */
export function flags(argv = process.argv.slice(2)): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) {
      const next = argv[i + 1];
      out[argv[i].slice(2)] = next && !next.startsWith('--') ? argv[++i] : 'true';
    }
  }
  return out;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A benchmark's own product database (`analytics_bench_<name>`), Redis prefix and data dir:
 * `reset()` empties them before the run, `remove()` drops them after it (unless the run is kept).
 */
export function benchStage(config: { DATABASE_URL: string; REDIS_URL: string }, name: string) {
  const url = withDatabase(config.DATABASE_URL, `analytics_bench_${name}`);
  const prefix = `bench_${name}_${Date.now()}`;
  const dataDir = path.join(os.tmpdir(), `analytics-bench-${name.replaceAll('_', '-')}-data`);
  const reset = async () => {
    await dropDatabase(url);
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  const remove = async () => {
    await reset();
    await dropRedisPrefix(config.REDIS_URL, prefix);
  };
  return { url, prefix, dataDir, reset, remove };
}

/** Peak resident set size (VmHWM) of a process, in MB: the kernel's own high-water mark. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

export interface RunningApp {
  proc: ChildProcess;
  baseUrl: string;
  stop(): Promise<void>;
}

const BENCH_RATE_LIMITS = JSON.stringify(Object.fromEntries(['reads', 'reports', 'exports', 'imports', 'health', 'webhooks'].map((c) => [c, { perMinute: 10_000_000 }])));

/** Starts the built product (dist/src/main.js) as its own process and waits for /health/ready. */
export async function startApp(env: Record<string, string>, port: number): Promise<RunningApp> {
  // As `npm run start:prod` runs it (MALLOC_ARENA_MAX and the heap cap: see the Dockerfile).
  const proc = spawn(process.execPath, ['--max-old-space-size=1024', '--max-semi-space-size=8', path.resolve(__dirname, '../../src/main.js')], {
    // Benchmarks drive one key at thousands of requests a second: rate limits stay on (their cost
    // is part of every answer) but far above the defaults, unless the caller sets RATE_LIMITS.
    env: { MALLOC_ARENA_MAX: '2', RATE_LIMITS: BENCH_RATE_LIMITS, ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      throw new Error(`app exited with ${proc.exitCode}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health/ready`);
      if (res.status === 200) {
        return {
          proc,
          baseUrl,
          stop: () =>
            new Promise((resolve) => {
              if (proc.exitCode !== null || proc.signalCode !== null) {
                resolve();
                return;
              }
              proc.once('exit', () => resolve());
              proc.kill('SIGTERM');
            }),
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  proc.kill('SIGKILL');
  throw new Error('app did not become ready in 60 s');
}

/** A log line of the app (pino JSON): `msg` and whatever the logger bound. */
export type LogEntry = Record<string, unknown> & { msg?: string; time?: number };

/**
 * Starts the built product as an `APP_ROLE=worker` process (no HTTP, so no /health/ready to poll)
 * and waits for its "up" log line. Every JSON log line it writes to stdout goes to `onLog`, which
 * is how a bench learns what the worker did (e.g. which imports it completed).
 */
export async function startWorker(env: Record<string, string>, onLog: (entry: LogEntry) => void = () => undefined): Promise<RunningApp> {
  const proc = spawn(process.execPath, ['--max-old-space-size=1024', '--max-semi-space-size=8', path.resolve(__dirname, '../../src/main.js')], {
    // At info whatever the caller asks: the "up" line is an info line.
    env: { MALLOC_ARENA_MAX: '2', ...process.env, ...env, LOG_LEVEL: 'info', APP_ROLE: 'worker' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        resolve();
        return;
      }
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  const up = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('worker did not log "up" in 60 s')), 60000);
    proc.once('exit', (code, signal) => reject(new Error(`worker exited with ${code ?? signal}`)));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      let entry: LogEntry;
      try {
        entry = JSON.parse(line) as LogEntry;
      } catch {
        return; // not a log line
      }
      if (entry.msg?.startsWith('Analytics platform up')) {
        clearTimeout(timer);
        resolve();
      }
      onLog(entry);
    });
  });
  try {
    await up;
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return { proc, baseUrl: '', stop };
}
/** GET /imports/{id} of a COMPLETED import: its metrics are there. */
export type CompletedImport = ImportResponseDto & { metrics: ImportMetricsDto };

/** Streams a file as the raw body of a POST (no buffering), resolving with the JSON answer. */
export function postFile<T>(url: string, file: NodeJS.ReadableStream, headers: Record<string, string>): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (data ? JSON.parse(data) : null) as T }));
    });
    req.on('error', reject);
    file.pipe(req);
  });
}
