import { encodeCopyRow } from '@libs/csv';
import { attachImportTable, createImportTable, mapIter } from '@libs/ingest';
import type { PublishContext, PublishRef, Sql } from '@libs/ingest';
import { histogramObject, rollupCopyLine, TxImportAccumulator, TxImportSummary } from '@libs/rollups';

/** Rollup tables filled per import (see the CreateTransactionRollups migration). */
const ROLLUP_TABLES = [
  { table: 'tx_rollups', columns: 'grain, dim, key, bucket_start, tx_count, amount_cents, amount_sq_cents', index: 'grain_idx', indexColumns: '(grain, dim, bucket_start)' },
  { table: 'tx_merchant_days', columns: 'day, merchant_id, tx_count', index: 'day_idx', indexColumns: '(day)' },
  { table: 'tx_merchant_zones', columns: 'merchant_id, zone, tx_count', index: null, indexColumns: null },
  // Millions of rows at 10M transactions: its phone index is built after the commit (transactions.kind.ts).
  { table: 'tx_customers', columns: 'phone, tx_count', index: null, indexColumns: null },
] as const;

export const TX_ROLLUP_TABLES = ROLLUP_TABLES.map((t) => t.table);

type RollupTable = (typeof ROLLUP_TABLES)[number]['table'];

/**
 * In the publish transaction: writes the import's rollups (folded while its rows loaded, less the
 * rows removed as duplicates) into partitions of their own, indexes and attaches them, and records
 * the import's summary. All of it commits with the rows, or not at all. What the folds gave up on
 * (more distinct zones, merchants or days than their memory budget holds) is computed here from
 * the import's rows in SQL: slower, equally exact.
 */
export async function publishTransactions(ctx: PublishContext, ref: PublishRef): Promise<void> {
  const acc = ctx.accumulator as TxImportAccumulator;
  const folded = new Set(acc.folded());
  const partitions = {} as Record<RollupTable, string>;
  for (const t of ROLLUP_TABLES) {
    partitions[t.table] = await createImportTable(ctx.sql, t.table, ref.orgId, ref.importId);
  }
  const copy = (table: RollupTable, lines: Iterable<string>) =>
    // FREEZE: the table was created in this transaction, so its rows can be written frozen and
    // all-visible, and index-only scans of it need no VACUUM first.
    ctx.copyLines(`${partitions[table]} (${ROLLUP_TABLES.find((t) => t.table === table)!.columns})`, lines, true);
  const rows = ref.partition;
  const rollups = partitions.tx_rollups;

  for (const [dim, structure] of [['zone', 'zoneHours'], ['category', 'categoryHours']] as const) {
    if (folded.has(structure)) {
      await copy('tx_rollups', mapIter(acc.dimensionRows(dim), rollupCopyLine));
    } else {
      const sq = dim === 'category' ? 'sum((amount * 100) * (amount * 100))' : 'NULL';
      await ctx.sql(
        `INSERT INTO ${rollups} (grain, dim, key, bucket_start, tx_count, amount_cents, amount_sq_cents)
         SELECT 'hour', '${dim}', ${dim}, date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                count(*), sum(amount * 100), ${sq}
         FROM ${rows} GROUP BY 3, 4`,
      );
      await ctx.sql(
        `INSERT INTO ${rollups} (grain, dim, key, bucket_start, tx_count, amount_cents, amount_sq_cents)
         SELECT 'day', dim, key, date_trunc('day', bucket_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                sum(tx_count), sum(amount_cents), sum(amount_sq_cents)
         FROM ${rollups} WHERE grain = 'hour' AND dim = '${dim}' GROUP BY 2, 3, 4`,
      );
    }
  }
  if (folded.has('quarters')) {
    await copy('tx_rollups', mapIter(acc.quarterRows(), rollupCopyLine));
  } else {
    await ctx.sql(
      `INSERT INTO ${rollups} (grain, dim, key, bucket_start, tx_count, amount_cents, amount_sq_cents)
       SELECT 'quarter', 'all', '', to_timestamp(floor(extract(epoch FROM occurred_at) / 900) * 900), count(*), sum(amount * 100), NULL
       FROM ${rows} GROUP BY 4`,
    );
  }
  if (folded.has('merchantDays')) {
    await copy('tx_merchant_days', mapIter(acc.merchantDayRows(), ([day, merchant, n]) => encodeCopyRow([day, merchant, String(n)])));
  } else {
    await ctx.sql(
      `INSERT INTO ${partitions.tx_merchant_days} (day, merchant_id, tx_count)
       SELECT (occurred_at AT TIME ZONE 'UTC')::date, merchant_id, count(*) FROM ${rows} GROUP BY 1, 2`,
    );
  }
  if (folded.has('merchantZones')) {
    await copy('tx_merchant_zones', mapIter(acc.merchantZoneRows(), ([merchant, zone, n]) => encodeCopyRow([merchant, zone, String(n)])));
  } else {
    await ctx.sql(`INSERT INTO ${partitions.tx_merchant_zones} (merchant_id, zone, tx_count) SELECT merchant_id, zone, count(*) FROM ${rows} GROUP BY 1, 2`);
  }
  let customers: Pick<TxImportSummary, 'customerCount' | 'customerHistogram'>;
  if (acc.hasCustomers) {
    await copy('tx_customers', mapIter(acc.customerRows(), ([phone, n]) => encodeCopyRow([phone, String(n)])));
    customers = acc.customerSummary();
  } else {
    await ctx.sql(`INSERT INTO ${partitions.tx_customers} (phone, tx_count) SELECT customer_phone, count(*) FROM ${rows} WHERE customer_phone <> 'INVALID' GROUP BY 1`);
    customers = await customerSummaryFromSql(ctx.sql, partitions.tx_customers);
  }

  for (const t of ROLLUP_TABLES) {
    if (t.index) {
      await ctx.sql(`CREATE INDEX ${partitions[t.table]}_${t.index} ON ${partitions[t.table]} ${t.indexColumns}`);
    }
    await ctx.sql(`ANALYZE ${partitions[t.table]}`);
    await attachImportTable(ctx.sql, t.table, ref.importId);
  }
  const span = folded.has('quarters') ? acc.spanSummary() : await spanSummaryFromSql(ctx.sql, rows);
  await ctx.sql(
    `INSERT INTO tx_import_summaries (import_id, org_id, transaction_count, customer_count, invalid_phone_transactions, customer_histogram, first_at, last_at)
     VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), to_timestamp($8))`,
    [ref.importId, ref.orgId, span.transactionCount, customers.customerCount, span.invalidPhoneTransactions, JSON.stringify(customers.customerHistogram), span.firstSecond, span.lastSecond],
  );
}

async function customerSummaryFromSql(sql: Sql, customers: string): Promise<Pick<TxImportSummary, 'customerCount' | 'customerHistogram'>> {
  const rows = await sql<{ n: number; customers: string }>(`SELECT tx_count AS n, count(*)::text AS customers FROM ${customers} GROUP BY 1`);
  const histogram = new Map(rows.map((r) => [r.n, Number(r.customers)]));
  return { customerCount: rows.reduce((sum, r) => sum + Number(r.customers), 0), customerHistogram: histogramObject(histogram) };
}

/** As the quarter folds give it: the first and last quarter hour (the last one's final second). */
async function spanSummaryFromSql(sql: Sql, rows: string): Promise<Pick<TxImportSummary, 'transactionCount' | 'invalidPhoneTransactions' | 'firstSecond' | 'lastSecond'>> {
  const [r] = await sql<{ n: string; invalid: string; first: string | null; last: string | null }>(
    `SELECT count(*)::text AS n, count(*) FILTER (WHERE customer_phone = 'INVALID')::text AS invalid,
            (floor(extract(epoch FROM min(occurred_at)) / 900) * 900)::text AS first,
            (floor(extract(epoch FROM max(occurred_at)) / 900) * 900 + 899)::text AS last
     FROM ${rows}`,
  );
  return { transactionCount: Number(r.n), invalidPhoneTransactions: Number(r.invalid), firstSecond: r.first === null ? null : Number(r.first), lastSecond: r.last === null ? null : Number(r.last) };
}
