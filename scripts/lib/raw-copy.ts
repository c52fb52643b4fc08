import { execFileSync } from 'child_process';
import { Client } from 'pg';
import { dropDatabase, ensureDatabase } from '../../libs/database/ensure-database';
import { withDatabase } from './bench-env';

/**
 * The physical limit of loading a CSV: `psql \copy` of the file into an unindexed table of
 * `columns`, all text (so Postgres does the least work), in a scratch database (`dbName`) on the
 * server of `baseUrl` that is dropped afterwards. Returns the seconds the copy took.
 */
export async function rawCopySeconds(baseUrl: string, file: string, columns: readonly string[], dbName = 'analytics_bench_raw'): Promise<number> {
  const url = withDatabase(baseUrl, dbName);
  await dropDatabase(url);
  await ensureDatabase(url);
  const db = new Client({ connectionString: url });
  await db.connect();
  await db.query(`CREATE TABLE raw_copy (${columns.map((c) => `${c} text`).join(', ')})`);
  await db.end();
  const started = Date.now();
  execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy raw_copy (${columns.join(', ')}) FROM '${file}' WITH (FORMAT csv, HEADER true)`], { stdio: 'inherit' });
  const seconds = (Date.now() - started) / 1000;
  await dropDatabase(url);
  return seconds;
}
