import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transactions per customer (phone) and import, partitioned by import like the other rollups, so
 * that customer figures over several imports can be merged exactly: a customer seen in two
 * imports is one customer, found through the phone index of the larger import's partition.
 */
export class CreateTransactionCustomers1764000000003 implements MigrationInterface {
  name = 'CreateTransactionCustomers1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tx_customers (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        phone text COLLATE "C" NOT NULL,
        tx_count integer NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`ALTER TABLE tx_import_summaries ADD COLUMN customer_count bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tx_import_summaries DROP COLUMN customer_count`);
    await q.query(`DROP TABLE tx_customers`);
  }
}
