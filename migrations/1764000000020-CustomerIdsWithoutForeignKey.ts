import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * tx_customer_ids gets a row per new customer in the publish of an import: 2.3M rows at 10M
 * transactions of the default shape, 10M when every row is a new customer. Its foreign key to
 * organizations checked every one of them (a row trigger and an index probe each): 5.2 s of the
 * 8.4 s that 2.3M rows took to insert. Organizations are never deleted by the API; when one is
 * deleted in SQL, a statement trigger on organizations forgets its numbers instead, as the
 * cascade did. tx_customer_id_next (a row per organization) keeps its foreign key.
 */
export class CustomerIdsWithoutForeignKey1764000000020 implements MigrationInterface {
  name = 'CustomerIdsWithoutForeignKey1764000000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tx_customer_ids DROP CONSTRAINT tx_customer_ids_org_id_fkey`);
    await q.query(`
      CREATE FUNCTION tx_customer_ids_forget_orgs() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM tx_customer_ids c USING deleted_orgs d WHERE c.org_id = d.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER tx_customer_ids_forget_orgs AFTER DELETE ON organizations
      REFERENCING OLD TABLE AS deleted_orgs FOR EACH STATEMENT EXECUTE FUNCTION tx_customer_ids_forget_orgs()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER tx_customer_ids_forget_orgs ON organizations`);
    await q.query(`DROP FUNCTION tx_customer_ids_forget_orgs()`);
    await q.query(`DELETE FROM tx_customer_ids c WHERE NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = c.org_id)`);
    await q.query(`ALTER TABLE tx_customer_ids ADD CONSTRAINT tx_customer_ids_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE`);
  }
}
