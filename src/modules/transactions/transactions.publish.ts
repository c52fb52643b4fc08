import { rollupCopyLine, TxImportAccumulator } from '@libs/rollups';
import { encodeCopyRow } from '@libs/csv';
import { attachImportTable, createImportTable, mapIter, partitionName } from '@libs/ingest';
import type { PublishContext, PublishRef, Sql } from '@libs/ingest';

/** Rollup tables filled per import (see the CreateTransactionRollups migration). */
const ROLLUP_TABLES = [
  { table: 'tx_rollups', columns: 'grain, dim, key, bucket_start, tx_count, amount_cents, amount_sq_cents', index: 'grain_idx', indexColumns: '(grain, dim, bucket_start)' },
  { table: 'tx_merchant_days', columns: 'day, merchant_id, tx_count', index: 'day_idx', indexColumns: '(day)' },
  { table: 'tx_merchant_zones', columns: 'merchant_id, zone, tx_count', index: null, indexColumns: null },
  // Millions of rows at 10M transactions: its phone index is built after the commit (transactions.kind.ts).
  { table: 'tx_customers', columns: 'phone, tx_count', index: null, indexColumns: null },
] as const;

/**
 * In the publish transaction: writes the import's rollups (computed while its rows loaded, less
 * the rows removed as duplicates) into partitions of their own, indexes and attaches them, and
 * records the import's summary. All of it commits with the rows, or not at all.
 */
export async function publishTransactions(ctx: PublishContext, ref: PublishRef): Promise<void> {
  const acc = ctx.accumulator as TxImportAccumulator;
  const sources: Record<(typeof ROLLUP_TABLES)[number]['table'], Iterable<string>> = {
    tx_rollups: mapIter(acc.rollupRows(), rollupCopyLine),
    tx_merchant_days: mapIter(acc.merchantDayRows(), ([day, merchant, n]) => encodeCopyRow([day, merchant, String(n)])),
    tx_merchant_zones: mapIter(acc.merchantZoneRows(), ([merchant, zone, n]) => encodeCopyRow([merchant, zone, String(n)])),
    tx_customers: mapIter(acc.customerRows(), ([phone, n]) => encodeCopyRow([phone, String(n)])),
  };
  for (const t of ROLLUP_TABLES) {
    const partition = await createImportTable(ctx.sql, t.table, ref.orgId, ref.importId);
    // FREEZE: the table was created in this transaction, so its rows can be written frozen and
    // all-visible, and index-only scans of it need no VACUUM first.
    await ctx.copyLines(`${partition} (${t.columns})`, sources[t.table], true);
    if (t.index) {
      await ctx.sql(`CREATE INDEX ${partition}_${t.index} ON ${partition} ${t.indexColumns}`);
    }
    await ctx.sql(`ANALYZE ${partition}`);
    await attachImportTable(ctx.sql, t.table, ref.importId);
  }
  const s = acc.summary();
  await ctx.sql(
    `INSERT INTO tx_import_summaries (import_id, org_id, transaction_count, customer_count, invalid_phone_transactions, customer_histogram, first_at, last_at)
     VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), to_timestamp($8))`,
    [ref.importId, ref.orgId, s.transactionCount, s.customerCount, s.invalidPhoneTransactions, JSON.stringify(s.customerHistogram), s.firstSecond, s.lastSecond],
  );
}

/** In the delete transaction: drops the import's rollup partitions (its summary goes with the import row). */
export async function unpublishTransactions(sql: Sql, ref: PublishRef): Promise<void> {
  for (const t of ROLLUP_TABLES) {
    await sql(`DROP TABLE IF EXISTS ${partitionName(t.table, ref.importId)}`);
  }
}
