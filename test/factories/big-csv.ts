import { ChildProcess, spawn } from 'child_process';
import { once } from 'events';
import { createReadStream, createWriteStream, promises as fs } from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

export const TRANSACTIONS_HEADER = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE';

/**
 * Writes a valid transactions CSV of exactly `rows` data rows with unique ids (`TXN_<firstId + n>`), so that
 * every row is loaded and the expected count is known. Built in 10K-row string batches: ~1 s per 1M rows.
 */
export async function writeTransactionsCsv(filePath: string, rows: number, firstId = 0): Promise<number> {
  const out = createWriteStream(filePath, { highWaterMark: 4 << 20 });
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) {
      await once(out, 'drain');
    }
  };
  await write(`${TRANSACTIONS_HEADER}\n`);
  for (let start = 0; start < rows; start += 10_000) {
    const end = Math.min(rows, start + 10_000);
    let batch = '';
    for (let n = start; n < end; n++) {
      batch += `TXN_${firstId + n},MERCH_${n % 500},North,Food,12.34,2025-01-05 10:00:00,+15551234567\n`;
    }
    await write(batch);
  }
  out.end();
  await once(out, 'close');
  return (await fs.stat(filePath)).size;
}

/** A parsed JSON answer: any, like supertest's res.body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = any;

/**
 * POSTs a file as the raw request body, streamed from disk (no buffer of the whole file).
 * Starts the Nest HTTP server on an ephemeral port first if it is not listening yet.
 */
export async function postFile(server: http.Server, urlPath: string, key: string, filePath: string): Promise<{ status: number; body: JsonBody }> {
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
  const { port } = server.address() as AddressInfo;
  const { size } = await fs.stat(filePath);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: urlPath,
        agent: false,
        headers: { 'X-API-Key': key, 'Content-Type': 'text/csv', 'Content-Length': size },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    createReadStream(filePath).on('error', reject).pipe(req);
  });
}

/** A real `node dist/src/main.js` process, its output kept for diagnostics. */
export interface SpawnedApp {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it is gone. No-op when already gone. */
  stop(graceMs?: number): Promise<void>;
}

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** Spawns the built app (`npx nest build` first) with the test run's environment plus `env`. */
export function spawnApp(env: Record<string, string>): SpawnedApp {
  const child = spawn(process.execPath, ['--max-old-space-size=1024', '--max-semi-space-size=8', 'dist/src/main.js'], {
    cwd: REPO_ROOT,
    env: { MALLOC_ARENA_MAX: '2', ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log += chunk.toString('utf8');
    if (log.length > 256 * 1024) {
      log = log.slice(-128 * 1024);
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode ?? child.signalCode);
      return;
    }
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.once('error', (err) => {
      keep(Buffer.from(`spawn error: ${err.message}\n`));
      resolve(null);
    });
  });
  const isAlive = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  return {
    child,
    output: () => log,
    exited,
    async stop(graceMs = 5000) {
      if (!isAlive()) {
        return;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => isAlive() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
