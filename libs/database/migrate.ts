import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.options';
import { ensureDatabase } from './ensure-database';

/**
 * Creates the database if missing and applies pending migrations under an advisory lock, so that
 * an api and several workers booting together migrate once.
 */
export async function prepareDatabase(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const ds = new DataSource(dataSourceOptions(databaseUrl));
  await ds.initialize();
  try {
    await ds.query('SELECT pg_advisory_lock(7345001)');
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await ds.query('SELECT pg_advisory_unlock(7345001)');
    }
  } finally {
    await ds.destroy();
  }
}
