import * as path from 'path';
import { startEmbeddedPostgres } from '@libs/database/embedded-postgres';
import Redis from 'ioredis';

/** host:port of a URL, without its credentials (what a message may show of REDIS_URL or DATABASE_URL). */
export function whereOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/**
 * Whether Redis answers at `url` within `timeoutMs`: null when it does, else one line saying what
 * to do. Redis cannot be embedded, and without it nothing works (queues, limits, cache), so the
 * app stops at once with this line instead of retrying in the background with stack traces.
 */
export async function redisProblem(url: string, timeoutMs = 3000): Promise<string | null> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  // The connection's own error (ECONNREFUSED…) comes as an event; connect() then only says it closed.
  let cause: { code?: string; message?: string } | undefined;
  client.on('error', (err: { code?: string; message?: string }) => {
    cause ??= err;
  });
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (err) {
    const e = cause ?? (err as { code?: string; message?: string });
    return (
      `Redis is not reachable at REDIS_URL=${whereOf(url)} (${e.code ?? e.message ?? 'no answer'}). ` +
      'Start one with `docker compose up -d redis` or the OS package (`apt-get install redis-server`, `brew install redis`), or set REDIS_URL.'
    );
  } finally {
    client.disconnect();
  }
}

/** Postgres error codes that mean a configuration problem rather than a fault: wrong password, no such role. */
const CONFIG_CODES = new Set(['28P01', '28000']);

/** Connection errors that mean no server listens there at all (rather than one that refuses us). */
const NOTHING_LISTENS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export type PostgresProbe = { ok: true } | { ok: false; nothingListens: boolean; problem: string };

/**
 * Whether PostgreSQL accepts a connection at `url` (a missing database is fine: it is created at
 * boot); when not, one line saying what to do, and whether nothing listens there at all.
 */
export async function probePostgres(url: string, timeoutMs = 5000): Promise<PostgresProbe> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return { ok: true };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === '3D000') {
      return { ok: true };
    }
    const why = e.code && !CONFIG_CODES.has(e.code) ? e.code : (e.message ?? 'no answer');
    return {
      ok: false,
      nothingListens: NOTHING_LISTENS.has(e.code ?? ''),
      problem:
        `PostgreSQL is not reachable at DATABASE_URL=${whereOf(url)} (${why}). ` +
        'Start it with `docker compose up -d postgres` or the OS package (`apt-get install postgresql`), or set DATABASE_URL.',
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** null when PostgreSQL accepts a connection at `url`, else one line saying what to do. */
export async function postgresProblem(url: string, timeoutMs = 5000): Promise<string | null> {
  const probe = await probePostgres(url, timeoutMs);
  return probe.ok ? null : probe.problem;
}

export interface DatabaseChoice {
  url: string;
  /** Set when the embedded PostgreSQL is used: the one line that says so. */
  notice?: string;
  /** Stops the embedded PostgreSQL if this process started it. */
  stop(): Promise<void>;
}

export interface DatabaseSettings {
  /** DATABASE_URL as the environment gives it (undefined or '' when not set). */
  givenUrl: string | undefined;
  /** DATABASE_URL after defaults. */
  url: string;
  mode: 'auto' | 'always' | 'never';
  dataDir: string;
  port: number;
}

/**
 * The database to use: DATABASE_URL when set; else its default when something answers there;
 * else (EMBEDDED_POSTGRES=auto, the default, or always) an embedded PostgreSQL with its data under
 * DATA_DIR/postgres. Throws an Error whose message is one line for the operator.
 */
export async function chooseDatabase(s: DatabaseSettings): Promise<DatabaseChoice> {
  const none = () => Promise.resolve();
  if (s.mode !== 'always') {
    const probe = await probePostgres(s.url);
    if (probe.ok) return { url: s.url, stop: none };
    if (s.givenUrl || s.mode === 'never' || !probe.nothingListens) throw new Error(probe.problem);
  }
  const dir = path.resolve(s.dataDir, 'postgres');
  const database = decodeURIComponent(new URL(s.url).pathname.replace(/^\//, '')) || 'analytics';
  let pg;
  try {
    pg = await startEmbeddedPostgres({ dir, port: s.port, database });
  } catch (err) {
    throw new Error(`No PostgreSQL at DATABASE_URL=${whereOf(s.url)}, and the embedded one could not start: ${(err as Error).message}`);
  }
  const why = s.mode === 'always' ? 'EMBEDDED_POSTGRES=always' : `DATABASE_URL is not set and nothing answers at ${whereOf(s.url)}`;
  const verb = pg.isOwned ? 'started' : 'using the already running';
  return {
    url: pg.url,
    notice: `${why}: ${verb} embedded PostgreSQL ${pg.version} on 127.0.0.1:${s.port}, data in ${dir} (set DATABASE_URL to use your own server)`,
    stop: () => pg.stop(),
  };
}
