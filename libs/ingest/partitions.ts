import type { Sql } from './kind.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The table holding one import's rows: `<table>_p_<uuid hex>`. */
export function partitionName(table: string, importId: string): string {
  return `${table}_p_${assertUuid(importId).replace(/-/g, '')}`;
}

/** A uuid as an SQL literal, for DDL where bind parameters are not allowed. */
export function quoteLiteral(uuid: string): string {
  return `'${assertUuid(uuid)}'`;
}

/**
 * Creates an import's own table shaped like `table` (unindexed, org_id and import_id defaulted,
 * a CHECK that lets ATTACH skip its scan) in the caller's transaction; returns its name.
 */
export async function createImportTable(sql: Sql, table: string, orgId: string, importId: string): Promise<string> {
  const partition = partitionName(table, importId);
  await sql(`CREATE TABLE ${partition} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)`);
  await sql(
    `ALTER TABLE ${partition}
       ALTER COLUMN org_id SET DEFAULT ${quoteLiteral(orgId)},
       ALTER COLUMN import_id SET DEFAULT ${quoteLiteral(importId)},
       ADD CONSTRAINT ${partition}_import_ck CHECK (import_id = ${quoteLiteral(importId)})`,
  );
  return partition;
}

/** Attaches an import's table to its parent: its rows become visible with the transaction's commit. */
export async function attachImportTable(sql: Sql, table: string, importId: string): Promise<void> {
  await sql(`ALTER TABLE ${table} ATTACH PARTITION ${partitionName(table, importId)} FOR VALUES IN (${quoteLiteral(importId)})`);
}

function assertUuid(value: string): string {
  if (!UUID.test(value)) {
    throw new Error(`Not a uuid: ${value}`);
  }
  return value.toLowerCase();
}

/**
 * Removes an import's partition of each table, outside any transaction (`sql` must run each
 * statement on its own): DETACH … CONCURRENTLY first, so readers of the parent (every
 * organization's queries) are never queued behind the removal; it waits only for transactions
 * already using the parent. Idempotent and resumable: a detach left pending by a crash is
 * finalized, a table already gone is skipped.
 */
export async function dropImportPartitions(sql: Sql, tables: string[], importId: string): Promise<void> {
  for (const table of tables) {
    const partition = partitionName(table, importId);
    const [attached] = await sql<{ pending: boolean }>(
      `SELECT inhdetachpending AS pending FROM pg_inherits WHERE inhrelid = to_regclass($1)`,
      [partition],
    );
    if (attached) {
      await sql(`ALTER TABLE ${table} DETACH PARTITION ${partition} ${attached.pending ? 'FINALIZE' : 'CONCURRENTLY'}`);
    }
    await sql(`DROP TABLE IF EXISTS ${partition}`);
  }
}
