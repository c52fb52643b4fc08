import { spawn } from 'child_process';
import { Client } from 'pg';
import { dropDatabase, ensureDatabase } from '../../libs/database/ensure-database';
import { withDatabase } from './bench-env';

export type RawFormat = 'csv' | 'ndjson';

/**
 * The physical limit of loading a file: `psql \copy` of it into an unindexed table, in a scratch
 * database (`dbName`) on the server of `baseUrl` that is dropped afterwards. Returns the seconds
 * the copy took. A CSV goes into `columns`, all text (so Postgres does the least work); NDJSON,
 * which no COPY format parses, goes in as one text value per line (the bytes, moved).
 */
export async function rawCopySeconds(baseUrl: string, file: string, columns: readonly string[], dbName = 'analytics_bench_raw', format: RawFormat = 'csv'): Promise<number> {
  const url = await rawCopyDatabase(baseUrl, dbName, ['raw_copy'], columns, format);
  const seconds = await copyInto(url, 'raw_copy', file, columns, format);
  await dropDatabase(url);
  return seconds;
}

/**
 * A fresh scratch database `dbName` holding one unindexed table per name in `tables` (all-text
 * `columns`, or one text column `line` for NDJSON); returns its URL. Drop it with dropDatabase.
 */
export async function rawCopyDatabase(baseUrl: string, dbName: string, tables: readonly string[], columns: readonly string[], format: RawFormat = 'csv'): Promise<string> {
  const url = withDatabase(baseUrl, dbName);
  await dropDatabase(url);
  await ensureDatabase(url);
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const definition = format === 'csv' ? columns.map((c) => `${c} text`).join(', ') : 'line text';
    for (const table of tables) {
      await db.query(`CREATE TABLE ${table} (${definition})`);
    }
  } finally {
    await db.end();
  }
  return url;
}

/**
 * `psql \copy` of `file` into `table` of the database at `url`; resolves with the seconds it took.
 * A child process of its own, so that several copies can run at once.
 */
export function copyInto(url: string, table: string, file: string, columns: readonly string[], format: RawFormat = 'csv'): Promise<number> {
  const target = format === 'csv' ? `${table} (${columns.join(', ')})` : `${table} (line)`;
  // NDJSON: CSV mode with a quote and a delimiter that never occur, so every line is one value, untouched.
  const options = format === 'csv' ? 'FORMAT csv, HEADER true' : `FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02'`;
  const started = Date.now();
  const psql = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy ${target} FROM '${file}' WITH (${options})`], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    psql.once('error', reject);
    psql.once('exit', (code) => (code === 0 ? resolve((Date.now() - started) / 1000) : reject(new Error(`psql \\copy of ${file} exited with ${code}`))));
  });
}
