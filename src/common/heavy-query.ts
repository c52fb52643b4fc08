import type { DataSource } from 'typeorm';

/** Sort/hash memory of one raw-row query (at most one per pooled connection at a time). */
const HEAVY_WORK_MEM = '128MB';

/**
 * Runs a query over millions of raw rows with more sort/hash memory than the 4 MB default (which
 * spilled large aggregates to disk and made bitmaps lossy) and with parallel workers: the app's
 * connections run without them (their start-up cost more than short queries take). `settings`
 * adds planner settings for this statement only, e.g. `{ enable_hashagg: 'off' }`.
 */
export function heavyQuery<T>(db: DataSource, sql: string, params: unknown[], settings: Record<string, string> = {}): Promise<T> {
  return db.transaction(async (em) => {
    const all = { work_mem: HEAVY_WORK_MEM, max_parallel_workers_per_gather: '2', ...settings };
    for (const [name, value] of Object.entries(all)) {
      await em.query('SELECT set_config($1, $2, true)', [name, value]);
    }
    return em.query<T>(sql, params);
  });
}
