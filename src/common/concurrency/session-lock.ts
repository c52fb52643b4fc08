import { Client } from 'pg';

/**
 * Runs `fn` holding a Postgres session advisory lock on `key`, on a connection of its own, or
 * answers `{ locked: false }` at once when another session holds it. The lock lives as long as
 * that connection: a process that dies loses it, so work Bull hands to another worker is
 * never done twice at the same time, and never blocked by a dead holder.
 */
export async function withSessionLock<T>(databaseUrl: string, key: string, fn: () => Promise<T>): Promise<{ locked: true; value: T } | { locked: false }> {
  const client = new Client({ connectionString: databaseUrl, application_name: key.slice(0, 60) });
  // A dropped connection surfaces on the next query; here it only must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const [{ ok }] = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key])).rows;
    if (!ok) return { locked: false };
    return { locked: true, value: await fn() };
  } finally {
    await client.end().catch(() => undefined);
  }
}
