import { encodeCopyRow } from '@libs/csv';
import { SalesImportAccumulator } from '@libs/rollups';
import { attachImportTable, createImportTable, mapIter } from '@libs/ingest';
import type { PublishContext, PublishRef } from '@libs/ingest';
import { repeatedOrderIds } from './sales.sql';

export const SALES_ROLLUP_TABLES = ['sales_daily'];

const DAILY_COLUMNS = 'day, product_name, category, region, row_count, quantity, revenue, discount_sum, revenue_discount, price_sum';

/**
 * In the publish transaction: writes the import's daily rollup (per UTC day, product, category and
 * region; exact sums folded by the load threads, see libs/rollups/sales.rollup.ts) into its
 * partition of sales_daily, attached with the rows. Every sales output but anomalies and top
 * transactions reads only this table (tens of thousands of rows for 10M records). The same
 * GROUP BY in PostgreSQL after the COPY took 5-14 s at 10M rows. A file of countless distinct
 * names (the threads stopped folding to bound their memory) gets no daily rollup: it would be
 * about as large as the rows, which the outputs then read instead (missing_rollups says so).
 */
export async function publishSales(ctx: PublishContext, ref: PublishRef): Promise<void> {
  await ctx.step('duplicates', () => summarizeDuplicates(ctx, ref));
  const acc = ctx.accumulator as SalesImportAccumulator;
  if (!acc.isComplete) {
    return;
  }
  const daily = await createImportTable(ctx.sql, 'sales_daily', ref.orgId, ref.importId);
  // FREEZE: the table was created in this transaction (index-only scans need no VACUUM first).
  await ctx.copyLines(`${daily} (${DAILY_COLUMNS})`, mapIter(acc.dailyRows(), encodeCopyRow), true);
  await ctx.sql(`CREATE INDEX ${daily}_day_idx ON ${daily} (day)`);
  await ctx.sql(`ANALYZE ${daily}`);
  await attachImportTable(ctx.sql, 'sales_daily', ref.importId);
}

/**
 * The import's repeated order ids (data quality over this import alone): one pass over its
 * order-id index, built before the publish, in key order (a hash of millions of keys would spill).
 */
async function summarizeDuplicates(ctx: PublishContext, ref: PublishRef): Promise<void> {
  await ctx.sql(`SET LOCAL enable_hashagg = off`);
  await ctx.sql(
    `INSERT INTO sales_import_summaries (import_id, org_id, duplicate_order_ids, duplicate_rows)
     SELECT $1, $2, ids, rows FROM (${repeatedOrderIds(ref.partition)}) r`,
    [ref.importId, ref.orgId],
  );
  await ctx.sql(`RESET enable_hashagg`);
}
