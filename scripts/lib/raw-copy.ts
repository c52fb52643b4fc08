import { execFileSync } from 'child_process';
import { Client } from 'pg';
import { dropDatabase, ensureDatabase } from '../../libs/database/ensure-database';
import { withDatabase } from './bench-env';

/**
 * The physical limit of loading a file: `psql \copy` of it into an unindexed table, in a scratch
 * database (`dbName`) on the server of `baseUrl` that is dropped afterwards. Returns the seconds
 * the copy took. A CSV goes into `columns`, all text (so Postgres does the least work); NDJSON,
 * which no COPY format parses, goes in as one text value per line (the bytes, moved).
 */
export async function rawCopySeconds(
  baseUrl: string, file: string, columns: readonly string[], dbName = 'analytics_bench_raw', format: 'csv' | 'ndjson' = 'csv',
): Promise<number> {
  const url = withDatabase(baseUrl, dbName);
  await dropDatabase(url);
  await ensureDatabase(url);
  const db = new Client({ connectionString: url });
  await db.connect();
  const target = format === 'csv' ? `raw_copy (${columns.join(', ')})` : 'raw_copy (line)';
  await db.query(format === 'csv' ? `CREATE TABLE raw_copy (${columns.map((c) => `${c} text`).join(', ')})` : 'CREATE TABLE raw_copy (line text)');
  await db.end();
  // NDJSON: CSV mode with a quote and a delimiter that never occur, so every line is one value, untouched.
  const options = format === 'csv' ? 'FORMAT csv, HEADER true' : `FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02'`;
  const started = Date.now();
  execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy ${target} FROM '${file}' WITH (${options})`], { stdio: 'inherit' });
  const seconds = (Date.now() - started) / 1000;
  await dropDatabase(url);
  return seconds;
}
