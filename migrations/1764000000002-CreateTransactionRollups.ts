import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The compact structures transaction analytics read instead of the raw rows. Like the raw
 * tables they are partitioned by import: an import's rollup partitions are filled and attached
 * in its publish transaction (visible together with its rows) and dropped with it.
 * - tx_rollups: per grain (quarter, hour, day), dimension (zone, category, all) and bucket:
 *   count, sum and (categories) sum of squares of the amounts, in integer cents.
 * - tx_merchant_days / tx_merchant_zones: transactions per merchant and UTC day, and per zone.
 * - tx_import_summaries: one row per import (customer histogram for retention, time span).
 */
export class CreateTransactionRollups1764000000002 implements MigrationInterface {
  name = 'CreateTransactionRollups1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tx_rollups (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        grain text NOT NULL CHECK (grain IN ('quarter', 'hour', 'day')),
        dim text NOT NULL CHECK (dim IN ('zone', 'category', 'all')),
        key text NOT NULL,
        bucket_start timestamptz NOT NULL,
        tx_count bigint NOT NULL,
        amount_cents bigint NOT NULL,
        amount_sq_cents numeric
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE tx_merchant_days (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        day date NOT NULL,
        merchant_id text COLLATE "C" NOT NULL,
        tx_count integer NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE tx_merchant_zones (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        merchant_id text COLLATE "C" NOT NULL,
        zone text NOT NULL,
        tx_count bigint NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE tx_import_summaries (
        import_id uuid PRIMARY KEY REFERENCES imports(id) ON DELETE CASCADE,
        org_id uuid NOT NULL,
        transaction_count bigint NOT NULL,
        invalid_phone_transactions bigint NOT NULL,
        customer_histogram jsonb NOT NULL,
        first_at timestamptz,
        last_at timestamptz
      )`);
    await q.query(`CREATE INDEX tx_import_summaries_org_idx ON tx_import_summaries (org_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tx_import_summaries`);
    await q.query(`DROP TABLE tx_merchant_zones`);
    await q.query(`DROP TABLE tx_merchant_days`);
    await q.query(`DROP TABLE tx_rollups`);
  }
}
