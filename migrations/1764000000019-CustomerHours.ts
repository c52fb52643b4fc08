import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer retention and cohorts over any time window without grouping millions of phone numbers
 * per request:
 * - tx_customer_ids: a dense number per customer (phone) of an organization, from 1, given when
 *   an import that names the phone for the first time is published (under the publish lock);
 *   tx_customer_id_next holds the next one. Numbers are never reused, so every import's blocks
 *   stay valid when another is deleted.
 * - tx_customer_hours: per import and UTC hour, the customer number of each transaction (int4,
 *   big-endian, 0 for an unusable phone) and, in the same order, its time (timestamptz_send: int8
 *   µs since 2000-01-01, big-endian), stored uncompressed. The API counts whole hours from `ids` alone and reads
 *   `times` only for the hours a window cuts.
 * - tx_import_summaries.customer_hours: whether the import has its blocks (imports published
 *   before this migration have none, and are answered from their rows as before).
 */
export class CustomerHours1764000000019 implements MigrationInterface {
  name = 'CustomerHours1764000000019';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tx_customer_ids (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        phone text COLLATE "C" NOT NULL,
        id integer NOT NULL
      )`);
    await q.query(`CREATE INDEX tx_customer_ids_org_idx ON tx_customer_ids (org_id)`);
    await q.query(`
      CREATE TABLE tx_customer_id_next (
        org_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        next_id integer NOT NULL
      )`);
    await q.query(`
      CREATE TABLE tx_customer_hours (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        hour_start timestamptz NOT NULL,
        transactions integer NOT NULL,
        ids bytea NOT NULL,
        times bytea NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`ALTER TABLE tx_import_summaries ADD COLUMN customer_hours boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tx_import_summaries DROP COLUMN customer_hours`);
    await q.query(`DROP TABLE tx_customer_hours`);
    await q.query(`DROP TABLE tx_customer_id_next`);
    await q.query(`DROP TABLE tx_customer_ids`);
  }
}
