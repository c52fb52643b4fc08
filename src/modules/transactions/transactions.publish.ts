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
  // Per UTC hour, each transaction's customer number and time (migration 19): windowed retention and cohorts.
  { table: 'tx_customer_hours', columns: 'hour_start, transactions, ids, times', index: null, indexColumns: null },
] as const;

export const TX_ROLLUP_TABLES = ROLLUP_TABLES.map((t) => t.table);

type RollupTable = (typeof ROLLUP_TABLES)[number]['table'];
type CustomerSummary = Pick<TxImportSummary, 'customerCount' | 'customerHistogram'>;

/** The import's rollup partitions and rows, as the publish steps write them. */
interface Target {
  ctx: PublishContext;
  acc: TxImportAccumulator;
  /** The import's rows (already attached). */
  rows: string;
  partitions: Record<RollupTable, string>;
}

/**
 * In the publish transaction: writes the import's rollups (folded while its rows loaded, less the
 * rows removed as duplicates) into partitions of their own, indexes and attaches them, and records
 * the import's summary. All of it commits with the rows, or not at all. A rollup the folds gave up
 * on (more distinct zones, merchants or days than their memory budget holds) is not built: it
 * would be about as large as the rows, so the analytics read that import's rows instead (the
 * import's missing_rollups say which). Customers are always counted.
 */
export async function publishTransactions(ctx: PublishContext, ref: PublishRef): Promise<void> {
  const acc = ctx.accumulator as TxImportAccumulator;
  const folded = new Set(acc.folded());
  const partitions = {} as Record<RollupTable, string>;
  for (const t of ROLLUP_TABLES) {
    partitions[t.table] = await createImportTable(ctx.sql, t.table, ref.orgId, ref.importId);
  }
  const target: Target = { ctx, acc, rows: ref.partition, partitions };
  for (const [dim, structure] of [
    ['zone', 'zoneHours'],
    ['category', 'categoryHours'],
  ] as const) {
    if (folded.has(structure)) {
      await ctx.step(structure, () => copy(target, 'tx_rollups', mapIter(acc.dimensionRows(dim), rollupCopyLine)));
    } else if (!acc.hasManyDistinct(dim) && (await ctx.step(`${structure}InSql`, () => dimensionRollupFromSql(target, dim)))) {
      acc.markBuiltInSql(structure);
    }
  }
  if (folded.has('quarters')) {
    await ctx.step('quarters', () => copy(target, 'tx_rollups', mapIter(acc.quarterRows(), rollupCopyLine)));
  }
  if (folded.has('merchantDays')) {
    await ctx.step('merchantDays', () => copy(target, 'tx_merchant_days', acc.merchantDayChunks()));
  } else if (
    !acc.hasManyDistinct('merchant') &&
    (await ctx.step('merchantDaysInSql', () => merchantRollupFromSql(target, 'tx_merchant_days', `(occurred_at AT TIME ZONE 'UTC')::date, merchant_id`)))
  ) {
    acc.markBuiltInSql('merchantDays');
  }
  if (folded.has('merchantZones')) {
    await ctx.step('merchantZones', () =>
      copy(
        target,
        'tx_merchant_zones',
        mapIter(acc.merchantZoneRows(), ([merchant, zone, n]) => encodeCopyRow([merchant, zone, String(n)])),
      ),
    );
  } else if (
    !acc.hasManyDistinct('merchant') &&
    !acc.hasManyDistinct('zone') &&
    (await ctx.step('merchantZonesInSql', () => merchantRollupFromSql(target, 'tx_merchant_zones', 'merchant_id, zone')))
  ) {
    acc.markBuiltInSql('merchantZones');
  }
  const customers = await ctx.step('customers', () => writeCustomers(target));
  await writeCustomerHours(target, ref.orgId);
  await ctx.step('attach', async () => {
    for (const t of ROLLUP_TABLES) {
      if (t.index) {
        await ctx.sql(`CREATE INDEX ${partitions[t.table]}_${t.index} ON ${partitions[t.table]} ${t.indexColumns}`);
      }
      await ctx.sql(`ANALYZE ${partitions[t.table]}`);
      await attachImportTable(ctx.sql, t.table, ref.importId);
    }
  });
  const span = folded.has('quarters') ? acc.spanSummary() : await spanSummaryFromSql(ctx.sql, target.rows);
  await ctx.sql(
    `INSERT INTO tx_import_summaries (import_id, org_id, transaction_count, customer_count, invalid_phone_transactions, customer_histogram, first_at, last_at, customer_hours)
     VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), to_timestamp($8), true)`,
    [
      ref.importId,
      ref.orgId,
      span.transactionCount,
      customers.customerCount,
      span.invalidPhoneTransactions,
      JSON.stringify(customers.customerHistogram),
      span.firstSecond,
      span.lastSecond,
    ],
  );
}

/** COPY … FREEZE: the table was created in this transaction, so its rows are written frozen and all-visible (index-only scans need no VACUUM first). */
async function copy(t: Target, table: RollupTable, lines: Iterable<string | Buffer>): Promise<void> {
  await t.ctx.copyLines(`${t.partitions[table]} (${ROLLUP_TABLES.find((r) => r.table === table)!.columns})`, lines, true);
}

/** Transactions per customer (INVALID phones are no one), from the counts or summed in SQL. */
async function writeCustomers(t: Target): Promise<CustomerSummary> {
  if (t.acc.hasCustomers) {
    await copy(t, 'tx_customers', t.acc.customerChunks());
    return t.acc.customerSummary();
  }
  const customers = t.partitions.tx_customers;
  await t.ctx.sql(`INSERT INTO ${customers} (phone, tx_count) SELECT customer_phone, count(*) FROM ${t.rows} WHERE customer_phone <> 'INVALID' GROUP BY 1`);
  const rows = await t.ctx.sql<{ n: number; customers: string }>(`SELECT tx_count AS n, count(*)::text AS customers FROM ${customers} GROUP BY 1`);
  return {
    customerCount: rows.reduce((sum, r) => sum + Number(r.customers), 0),
    customerHistogram: histogramObject(new Map(rows.map((r) => [r.n, Number(r.customers)]))),
  };
}

/** A dimension's hour rollup summed in SQL is kept only while it has at most this share of the import's rows. */
const MAX_SQL_ROLLUP_SHARE = 0.5;

/**
 * The hour and day rollups of zones or categories that the folds gave up on (their memory budget
 * is fixed: a realistic file with 41 zones in 4 spellings over 120 days outgrew it), summed from
 * the rows in SQL, exactly as the folds would have: per UTC hour and key, the count, the cents
 * and (categories) the sum of squared cents, then the days from the hours. Kept only when it is
 * much smaller than the rows (it is not with 100K distinct zones over ten years; the answers then
 * read the rows). Answers whether it was kept.
 */
async function dimensionRollupFromSql(t: Target, dim: 'zone' | 'category'): Promise<boolean> {
  const { sql } = t.ctx;
  const sq = dim === 'category' ? 'sum((amount * 100) * (amount * 100))' : 'NULL::numeric';
  await sql(
    `CREATE TEMPORARY TABLE import_dim_hours ON COMMIT DROP AS
     SELECT ${dim} AS key, date_bin('1 hour', occurred_at, 'epoch') AS hour, count(*) AS n, sum(amount * 100)::bigint AS cents, ${sq} AS sq
     FROM ${t.rows} GROUP BY 1, 2`,
  );
  try {
    const [{ cells, rows }] = await sql<{ cells: string; rows: string | null }>(`SELECT count(*)::text AS cells, sum(n)::text AS rows FROM import_dim_hours`);
    if (Number(cells) > Number(rows ?? 0) * MAX_SQL_ROLLUP_SHARE) {
      return false;
    }
    await sql(
      `INSERT INTO ${t.partitions.tx_rollups} (grain, dim, key, bucket_start, tx_count, amount_cents, amount_sq_cents)
       SELECT 'hour', $1, key, hour, n, cents, sq FROM import_dim_hours
       UNION ALL
       SELECT 'day', $1, key, date_bin('1 day', hour, 'epoch'), sum(n), sum(cents), sum(sq) FROM import_dim_hours GROUP BY key, date_bin('1 day', hour, 'epoch')`,
      [dim],
    );
    return true;
  } finally {
    await sql(`DROP TABLE import_dim_hours`);
  }
}

/**
 * Transactions per merchant and day, or per merchant and zone, counted in SQL when the folds gave
 * up on them (3,000 merchants in 164 zone spellings outgrew the merchant zones' share), kept under
 * the same condition as dimensionRollupFromSql. Answers whether it was kept.
 */
async function merchantRollupFromSql(t: Target, table: 'tx_merchant_days' | 'tx_merchant_zones', keys: string): Promise<boolean> {
  const { sql } = t.ctx;
  const partition = t.partitions[table];
  const columns = ROLLUP_TABLES.find((r) => r.table === table)!.columns;
  const [{ cells, rows }] = await sql<{ cells: string; rows: string | null }>(
    `WITH counted AS (INSERT INTO ${partition} (${columns}) SELECT ${keys}, count(*) FROM ${t.rows} GROUP BY ${keys} RETURNING tx_count)
     SELECT count(*)::text AS cells, sum(tx_count)::text AS rows FROM counted`,
  );
  if (Number(cells) > Number(rows ?? 0) * MAX_SQL_ROLLUP_SHARE) {
    await sql(`TRUNCATE ${partition}`);
    return false;
  }
  return true;
}

/** Rows per block at most: an hour with more is split (a bytea holds at most 1 GB; 2^24 rows are 192 MB). */
const HOUR_BLOCK_ROWS_LOG2 = 24;

/**
 * Numbers the customers the organization has not seen before (under the publish lock, so two
 * publishes never give one number twice), then writes the import's customer hours: per UTC hour,
 * the customer number of each transaction and its time (timestamptz_send: µs since 2000-01-01),
 * in the same order (both aggregates of a group are fed each row in turn). The import's numbers
 * go to a temporary table first, analyzed, so that the join of the rows with them hashes the
 * numbers (2.3M at 10M rows), never the rows. The hour is date_bin from the epoch, the same UTC
 * hour as date_trunc('hour', …, 'UTC') without its time-zone lookup per row (1.7 s less at 10M).
 */
async function writeCustomerHours(t: Target, orgId: string): Promise<void> {
  const { sql } = t.ctx;
  const hours = t.partitions.tx_customer_hours;
  await t.ctx.step('customerNumbers', () => numberCustomers(t, orgId));
  const [{ workMem }] = await sql<{ workMem: string }>(`SELECT current_setting('work_mem') AS "workMem"`);
  await sql(`SELECT set_config('work_mem', '512MB', true)`);
  await t.ctx.step('customerHours', () =>
    sql(
      `INSERT INTO ${hours} (hour_start, transactions, ids, times)
       SELECT date_bin('1 hour', r.occurred_at, 'epoch'), count(*), string_agg(int4send(coalesce(m.id, 0)), ''), string_agg(timestamptz_send(r.occurred_at), '')
       FROM ${t.rows} r LEFT JOIN import_customer_numbers m ON m.phone = r.customer_phone COLLATE "C"
       GROUP BY date_bin('1 hour', r.occurred_at, 'epoch'), r.line_no >> ${HOUR_BLOCK_ROWS_LOG2}`,
    ),
  );
  await sql(`SELECT set_config('work_mem', $1, true)`, [workMem]);
  await sql(`DROP TABLE import_customer_numbers`);
}

/** The import's customers and their numbers (import_customer_numbers), new ones numbered and added to the organization's. */
async function numberCustomers(t: Target, orgId: string): Promise<void> {
  const { sql } = t.ctx;
  await sql(`ALTER TABLE ${t.partitions.tx_customer_hours} ALTER COLUMN ids SET STORAGE EXTERNAL, ALTER COLUMN times SET STORAGE EXTERNAL`);
  const [{ next }] = await sql<{ next: number }>(`SELECT coalesce((SELECT next_id FROM tx_customer_id_next WHERE org_id = $1), 1) AS next`, [orgId]);
  await sql(
    `CREATE TEMPORARY TABLE import_customer_numbers ON COMMIT DROP AS
     SELECT phone, coalesce(known, $2 - 1 + count(*) FILTER (WHERE known IS NULL) OVER (ROWS UNBOUNDED PRECEDING))::int AS id, known IS NULL AS is_new
     FROM (SELECT c.phone, d.id AS known FROM ${t.partitions.tx_customers} c
           LEFT JOIN (SELECT phone, id FROM tx_customer_ids WHERE org_id = $1) d ON d.phone = c.phone) k`,
    [orgId, next],
  );
  await sql(`ANALYZE import_customer_numbers`);
  const [{ added }] = await sql<{ added: number }>(
    `WITH added AS (INSERT INTO tx_customer_ids (org_id, phone, id) SELECT $1, phone, id FROM import_customer_numbers WHERE is_new RETURNING 1)
     SELECT count(*)::int AS added FROM added`,
    [orgId],
  );
  await sql(`INSERT INTO tx_customer_id_next (org_id, next_id) VALUES ($1, $2) ON CONFLICT (org_id) DO UPDATE SET next_id = EXCLUDED.next_id`, [orgId, next + added]);
}

/** As the quarter folds give it: the first and last quarter hour (the last one's final second). */
async function spanSummaryFromSql(sql: Sql, rows: string): Promise<Pick<TxImportSummary, 'transactionCount' | 'invalidPhoneTransactions' | 'firstSecond' | 'lastSecond'>> {
  const [r] = await sql<{ n: string; invalid: string; first: string | null; last: string | null }>(
    `SELECT count(*)::text AS n, count(*) FILTER (WHERE customer_phone = 'INVALID')::text AS invalid,
            (floor(extract(epoch FROM min(occurred_at)) / 900) * 900)::text AS first,
            (floor(extract(epoch FROM max(occurred_at)) / 900) * 900 + 899)::text AS last
     FROM ${rows}`,
  );
  return {
    transactionCount: Number(r.n),
    invalidPhoneTransactions: Number(r.invalid),
    firstSecond: r.first === null ? null : Number(r.first),
    lastSecond: r.last === null ? null : Number(r.last),
  };
}
