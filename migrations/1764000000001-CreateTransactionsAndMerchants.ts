import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dataset tables are partitioned by import: each import loads into its own unindexed table that
 * is attached in the publish transaction (all rows visible at once) and indexed in bulk right
 * after; deleting an import drops exactly its partition. The parents carry no index, so attaching
 * never builds one inside the publish transaction. Keys use the C collation: byte order sorts and
 * compares several times faster than a locale's, and ids have no linguistic order anyway.
 */
export class CreateTransactionsAndMerchants1764000000001 implements MigrationInterface {
  name = 'CreateTransactionsAndMerchants1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transactions (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        transaction_id text COLLATE "C" NOT NULL,
        merchant_id text NOT NULL,
        zone text NOT NULL,
        category text NOT NULL,
        amount numeric(12, 2) NOT NULL,
        occurred_at timestamptz NOT NULL,
        customer_phone text NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE merchants (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        merchant_id text COLLATE "C" NOT NULL,
        name text,
        zone text
      ) PARTITION BY LIST (import_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE merchants`);
    await q.query(`DROP TABLE transactions`);
  }
}
