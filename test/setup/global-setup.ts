import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { EmbeddedPostgres, startEmbeddedPostgres } from '../../libs/database/embedded-postgres';
import { prepareDatabase } from '../../libs/database/migrate';
import { testEnvFor } from './test-env';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/analytics';

/** Read by global-teardown.ts (jest keeps globals set here for it). */
export const EMBEDDED = Symbol.for('analytics.test.embeddedPostgres');

/** Whether a PostgreSQL server listens at `url` (whatever it answers). */
async function listens(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch (err) {
    return !['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'].includes((err as { code?: string }).code ?? '');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * As the app does (see chooseDatabase): with DATABASE_URL unset and nothing on the default
 * address (or EMBEDDED_POSTGRES=always), the run uses the embedded PostgreSQL, its data kept in
 * the system temp folder between runs so initdb runs once.
 */
async function embeddedIfNeeded(): Promise<void> {
  const mode = process.env.EMBEDDED_POSTGRES ?? 'auto';
  if (mode === 'never' || (mode !== 'always' && (process.env.DATABASE_URL || (await listens(DEFAULT_URL))))) return;
  const pg: EmbeddedPostgres = await startEmbeddedPostgres({
    dir: path.join(os.tmpdir(), 'analytics-test-postgres'),
    port: Number(process.env.EMBEDDED_POSTGRES_PORT || 54330),
    database: 'analytics',
  });
  console.log(
    `\nTests: ${pg.isOwned ? 'started' : 'using the running'} embedded PostgreSQL ${pg.version} (${mode === 'always' ? 'EMBEDDED_POSTGRES=always' : `nothing answers at ${DEFAULT_URL}`})`,
  );
  process.env.DATABASE_URL = pg.url;
  // Processes the tests spawn use this server through DATABASE_URL, not one of their own.
  delete process.env.EMBEDDED_POSTGRES;
  (globalThis as Record<symbol, unknown>)[EMBEDDED] = pg;
}

export default async function globalSetup(): Promise<void> {
  await embeddedIfNeeded();
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  Object.assign(process.env, testEnvFor(runId, process.env));
  await prepareDatabase(process.env.DATABASE_URL!);
}
