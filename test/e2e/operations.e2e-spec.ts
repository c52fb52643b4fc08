import { existsSync, promises as fs, readFileSync } from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import request from 'supertest';
import { chooseDatabase } from '../../src/config/preflight';
import { spawnApp, SpawnedApp, TRANSACTIONS_HEADER } from '../factories/big-csv';

/**
 * Operations through real processes: the API's graceful shutdown (stops accepting, finishes what
 * is in flight, ends event streams with a final event), and the embedded PostgreSQL a machine
 * with Node alone gets. Needs dist/ (`npm test` builds first).
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

const waitReady = (base: string, app: SpawnedApp) =>
  waitFor(
    'the app to be ready',
    async () => {
      if (app.child.exitCode !== null) throw new Error(`exited ${app.child.exitCode}:\n${app.output().slice(-3000)}`);
      const res = await fetch(`${base}/health/ready`);
      return res.status === 200 ? true : undefined;
    },
    90000,
  );

/** Whether something accepts TCP connections on 127.0.0.1:port. */
const listens = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

const csv = (rows: number, first = 0) =>
  `${TRANSACTIONS_HEADER}\n${Array.from({ length: rows }, (_, i) => `TXN_${first + i},M1,North,Food,10.00,2025-01-05 10:00:00,+15551234567`).join('\n')}\n`;

async function createOrgAt(base: string, adminKey: string): Promise<string> {
  const res = await request(base)
    .post('/api/v1/organizations')
    .set('X-API-Key', adminKey)
    .send({ name: `ops-${Math.random().toString(36).slice(2, 8)}` })
    .expect(201);
  return res.body.adminKey.key as string;
}

describe('Operations: graceful API shutdown and embedded PostgreSQL (e2e)', () => {
  const spawned: SpawnedApp[] = [];
  const dirs: string[] = [];

  afterAll(async () => {
    await Promise.all(spawned.map((a) => a.stop(5000)));
    for (const dir of dirs) {
      // An embedded server left running on purpose (the kill -9 case) is stopped here.
      const pidFile = path.join(dir, 'postgres', 'postmaster.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        try {
          process.kill(pid, 'SIGINT');
          await waitFor('the embedded server to stop', () => (existsSync(pidFile) ? undefined : true), 15000);
        } catch {
          // already gone
        }
      }
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60000);

  it('should stop accepting on SIGTERM, finish the request in flight, end event streams with a final event, and exit 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // Its own Redis prefix: no worker anywhere takes its imports, so an import's stream stays open.
    const api = spawnApp({ APP_ROLE: 'api', PORT: String(port), LOG_LEVEL: 'info', REDIS_PREFIX: `${process.env.REDIS_PREFIX}:ops-api`, SHUTDOWN_GRACE_MS: '10000' });
    spawned.push(api);
    await waitReady(base, api);
    const key = await createOrgAt(base, process.env.BOOTSTRAP_ADMIN_API_KEY!);
    const queued = await request(base)
      .post('/api/v1/imports')
      .set('X-API-Key', key)
      .field('kind', 'transactions')
      .attach('file', Buffer.from(csv(10)), 'q.csv')
      .expect(202);

    // An event stream on the queued import.
    let streamed = '';
    const streamEnded = new Promise<void>((resolve, reject) => {
      http
        .get(`${base}/api/v1/imports/${queued.body.importId}/events`, { headers: { 'X-API-Key': key } }, (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (streamed += chunk));
          res.on('end', resolve);
          res.on('error', reject);
        })
        .on('error', reject);
    });
    await waitFor('the stream to start', () => (streamed.length > 0 ? true : undefined), 10000);

    // An upload in flight: half its body sent before the signal, the rest after.
    const body = Buffer.from(csv(20_000, 1_000_000));
    const half = Math.floor(body.length / 2);
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        `${base}/api/v1/imports/transactions?fileName=slow.csv`,
        {
          method: 'POST',
          agent: false,
          headers: { 'X-API-Key': key, 'Content-Type': 'text/csv', 'Content-Length': body.length },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, half));
      setTimeout(() => {
        // Sent once the process is draining (below).
        void waitFor('the drain', () => (/SIGTERM: shutting down/.test(api.output()) ? true : undefined), 10000).then(async () => {
          await sleep(500);
          req.end(body.subarray(half));
        });
      }, 0);
    });
    await sleep(300);
    api.child.kill('SIGTERM');
    await waitFor('the drain to start', () => (/SIGTERM: shutting down/.test(api.output()) ? true : undefined), 10000);

    // No new connection is accepted while the in-flight upload is still being sent.
    await waitFor('the port to close', async () => ((await listens(port)) ? undefined : true), 3000);
    const streamDone = await Promise.race([streamEnded.then(() => true), sleep(5000).then(() => false)]);
    expect(streamDone).toBe(true);
    expect(streamed).toMatch(/event: ended\ndata: \{"reason":"server-shutdown"\}/);

    const uploaded = await answer;
    expect(uploaded.status).toBe(202);
    expect(JSON.parse(uploaded.text)).toMatchObject({ status: 'QUEUED', kind: 'transactions' });
    expect(await api.exited).toBe(0);
    expect(api.output()).toMatch(/"msg":"Shut down"/);
  }, 120000);

  describe('embedded PostgreSQL', () => {
    it('should start one when DATABASE_URL is not set and nothing answers on the default address, and refuse to when it is set', async () => {
      const dataDir = path.join(os.tmpdir(), `ops-embedded-auto-${process.env.TEST_RUN_ID}-${process.pid}`);
      dirs.push(dataDir);
      const nothing = `postgres://postgres@127.0.0.1:${await freePort()}/analytics`;
      const port = await freePort();
      const settings = { url: nothing, mode: 'auto' as const, dataDir, port };

      // Set (to an address where nothing answers): no fallback, one line naming DATABASE_URL.
      await expect(chooseDatabase({ ...settings, givenUrl: nothing })).rejects.toThrow(
        /^PostgreSQL is not reachable at DATABASE_URL=postgres:\/\/127\.0\.0\.1:\d+\/analytics \(ECONNREFUSED\)/,
      );
      await expect(chooseDatabase({ ...settings, givenUrl: undefined, mode: 'never' })).rejects.toThrow(/DATABASE_URL/);
      expect(existsSync(path.join(dataDir, 'postgres'))).toBe(false);

      const db = await chooseDatabase({ ...settings, givenUrl: undefined });
      try {
        expect(db.notice).toMatch(
          new RegExp(
            `^DATABASE_URL is not set and nothing answers at postgres://127\\.0\\.0\\.1:\\d+/analytics: started embedded PostgreSQL 17\\.\\d+ on 127\\.0\\.0\\.1:${port}, data in ${dataDir}/postgres`,
          ),
        );
        const url = new URL(db.url);
        url.pathname = '/postgres';
        const client = new Client({ connectionString: url.toString() });
        await client.connect();
        expect((await client.query('SELECT 41 + 1 AS n')).rows[0].n).toBe(42);
        await client.end();
        // Only 127.0.0.1, with a password kept beside the data (not readable by others).
        expect((await fs.stat(path.join(dataDir, 'postgres.password'))).mode & 0o077).toBe(0);
      } finally {
        await db.stop();
      }
      expect(await listens(port)).toBe(false);
    }, 120000);

    it('should run the app on it: migrations, an import through HTTP, data kept across restarts, a server left by a killed app reused', async () => {
      const dataDir = path.join(os.tmpdir(), `ops-embedded-app-${process.env.TEST_RUN_ID}-${process.pid}`);
      dirs.push(dataDir);
      const [httpPort, pgPort] = [await freePort(), await freePort()];
      const base = `http://127.0.0.1:${httpPort}`;
      const env = {
        EMBEDDED_POSTGRES: 'always',
        EMBEDDED_POSTGRES_PORT: String(pgPort),
        DATA_DIR: dataDir,
        PORT: String(httpPort),
        APP_ROLE: 'all',
        LOG_LEVEL: 'info',
        REDIS_PREFIX: `${process.env.REDIS_PREFIX}:ops-embedded`,
      };
      const first = spawnApp(env);
      spawned.push(first);
      await waitReady(base, first);
      expect(first.output().split('\n')[0]).toMatch(
        new RegExp(
          `^EMBEDDED_POSTGRES=always: started embedded PostgreSQL 17\\.\\d+ on 127\\.0\\.0\\.1:${pgPort}, data in ${dataDir}/postgres \\(set DATABASE_URL to use your own server\\)$`,
        ),
      );
      const key = await createOrgAt(base, process.env.BOOTSTRAP_ADMIN_API_KEY!);
      const created = await request(base)
        .post('/api/v1/imports')
        .set('X-API-Key', key)
        .field('kind', 'transactions')
        .attach('file', Buffer.from(csv(500)), 'e.csv')
        .expect(202);
      const importId = created.body.importId as string;
      const done = await waitFor(
        'the import',
        async () => {
          const b = (await request(base).get(`/api/v1/imports/${importId}`).set('X-API-Key', key)).body;
          return ['COMPLETED', 'FAILED'].includes(b.status) ? b : undefined;
        },
        60000,
      );
      expect(done).toMatchObject({ status: 'COMPLETED', progress: { rowsLoaded: 500 } });

      // SIGTERM: the app stops the server it started.
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      await waitFor('the embedded server to stop', async () => ((await listens(pgPort)) ? undefined : true), 15000);

      // Started again on the same data: the import is there.
      const second = spawnApp(env);
      spawned.push(second);
      await waitReady(base, second);
      expect(second.output()).toMatch(/started embedded PostgreSQL/);
      expect((await request(base).get(`/api/v1/imports/${importId}`).set('X-API-Key', key).expect(200)).body.status).toBe('COMPLETED');

      // Killed with -9: the server outlives it and the next start reuses it.
      second.child.kill('SIGKILL');
      await second.exited;
      expect(await listens(pgPort)).toBe(true);
      const third = spawnApp(env);
      spawned.push(third);
      await waitReady(base, third);
      expect(third.output()).toMatch(/using the already running embedded PostgreSQL 17\.\d+/);
      expect((await request(base).get(`/api/v1/imports/${importId}`).set('X-API-Key', key).expect(200)).body.status).toBe('COMPLETED');
      third.child.kill('SIGTERM');
      expect(await third.exited).toBe(0);
      // Not its own: left running (afterAll stops it).
      expect(await listens(pgPort)).toBe(true);
    }, 240000);
  });
});
