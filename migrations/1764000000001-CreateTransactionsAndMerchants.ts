import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dataset tables are partitioned by import: each import loads into its own unindexed table,
 * is indexed once in bulk, then attached in the publish transaction (all rows visible at once);
 * deleting an import drops exactly its partition.
 */
export class CreateTransactionsAndMerchants1764000000001 implements MigrationInterface {
  name = 'CreateTransactionsAndMerchants1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transactions (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        transaction_id text NOT NULL,
        merchant_id text NOT NULL,
        zone text NOT NULL,
        category text NOT NULL,
        amount numeric(12, 2) NOT NULL,
        occurred_at timestamptz NOT NULL,
        customer_phone text NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`CREATE INDEX transactions_org_txid_idx ON transactions (org_id, transaction_id)`);
    await q.query(`
      CREATE TABLE merchants (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        merchant_id text NOT NULL,
        name text,
        zone text
      ) PARTITION BY LIST (import_id)`);
    await q.query(`CREATE INDEX merchants_org_merchant_idx ON merchants (org_id, merchant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE merchants`);
    await q.query(`DROP TABLE transactions`);
  }
}
