import type { Client } from 'pg';
import type { DatasetKind } from './kind.types';
import { partitionName } from './partitions';

export interface PostCommitLog {
  info(message: string): void;
  warn(err: unknown, message: string): void;
}

/**
 * The kind's query indexes on the import's own table, built in the load transaction before the
 * publish (and ANALYZE, so that the first queries are planned on its statistics): an import is
 * published with the indexes its answers read, so the first answers after it are as fast as any.
 * Indexes on the rollup tables the publish hook writes are left to the post-commit work.
 */
export async function indexBeforePublish(sql: (text: string) => Promise<unknown>, kind: DatasetKind, importId: string): Promise<void> {
  const partition = partitionName(kind.table, importId);
  for (const { suffix, columns } of (kind.indexes ?? []).filter((i) => !i.table || i.table === kind.table)) {
    await sql(`CREATE INDEX ${partition}_${suffix}_idx ON ${partition} ${columns}`);
  }
  await sql(`ANALYZE ${partition}`);
}

/**
 * The work after a publish commits: VACUUM (ANALYZE) first, then indexes on the import's
 * partitions (its unique key, for later imports' duplicate checks, and the rollup tables' indexes;
 * the query indexes on its rows are already there, see indexBeforePublish, unless it was published
 * before they were). The rows are visible and exact without any of it; it only makes lookups fast:
 * - The vacuum comes first because the first answers after a publish need it most. The rows were
 *   copied frozen and all-visible, but the duplicates the load deleted cleared the visibility map
 *   of their pages (a fifth of them at 10M rows), and an index-only scan reads the heap for every
 *   entry on such a page. It is also cheaper first: the frozen pages are skipped, and the indexes
 *   built after it hold no dead entries to clean.
 * - The indexes are built without parallel workers: on a small machine they would take every core
 *   from the first answers, and nothing waits for them but later duplicate checks.
 * Idempotent:
 * an index already there is kept, so a rerun after a crash redoes only what is missing. A failing
 * step is logged and the next tried; the answer says whether every step is done (a partition gone
 * since, purged by a delete, counts as done), so the caller records the work finished only then
 * and the sweeper retries the rest.
 */
export async function finishPublishedPartitions(client: Client, kind: DatasetKind, importId: string, log: PostCommitLog): Promise<boolean> {
  const partition = partitionName(kind.table, importId);
  const indexes = [...(kind.uniqueKey ? [{ suffix: 'key', columns: `(${kind.uniqueKey.join(', ')})`, table: kind.table }] : []), ...(kind.indexes ?? [])];
  await client.query(`SET maintenance_work_mem = '512MB'`);
  await client.query(`SET max_parallel_maintenance_workers = 0`);
  let isDone = true;
  const vacuumStarted = Date.now();
  try {
    await client.query(`VACUUM (ANALYZE) ${partition}`);
    log.info(`Import ${importId}: vacuumed in ${Date.now() - vacuumStarted} ms`);
  } catch (err) {
    isDone = isUndefinedTable(err);
    log.warn(err, `Import ${importId}: vacuum of ${partition} failed; a sweep retries it`);
  }
  for (const { suffix, columns, table } of indexes) {
    const started = Date.now();
    const target = table && table !== kind.table ? partitionName(table, importId) : partition;
    try {
      await client.query(`CREATE INDEX IF NOT EXISTS ${target}_${suffix}_idx ON ${target} ${columns}`);
      log.info(`Import ${importId}: indexed ${target} ${columns} in ${Date.now() - started} ms`);
    } catch (err) {
      isDone = isDone && isUndefinedTable(err);
      log.warn(err, `Import ${importId}: indexing ${target} ${columns} failed; queries will scan it until a sweep retries`);
    }
  }
  return isDone;
}

function isUndefinedTable(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '42P01';
}
