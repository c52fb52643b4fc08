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

/**
 * Whether PostgreSQL accepts a connection at `url`: null when it does (or only the database is
 * missing: it is created at boot), else one line saying what to do.
 */
export async function postgresProblem(url: string, timeoutMs = 5000): Promise<string | null> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return null;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === '3D000') {
      return null;
    }
    const why = e.code && !CONFIG_CODES.has(e.code) ? e.code : (e.message ?? 'no answer');
    return (
      `PostgreSQL is not reachable at DATABASE_URL=${whereOf(url)} (${why}). ` +
      'Start it with `docker compose up -d postgres` or the OS package (`apt-get install postgresql`), or set DATABASE_URL.'
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
