import type { Sql } from './kind.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The table holding one import's rows: `<table>_p_<uuid hex>`. */
export function partitionName(table: string, importId: string): string {
  return `${table}_p_${assertUuid(importId).replace(/-/g, '')}`;
}

/**
 * The advisory lock one publish of a kind in an organization holds (one at a time, so two imports
 * cannot both admit a key), and that hiding one of its imports takes too.
 */
export function publishLockKey(table: string, orgId: string): string {
  return `publish:${table}:${orgId}`;
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

/** Whether `value` is a uuid in its text form (either case). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

function assertUuid(value: string): string {
  if (!isUuid(value)) {
    throw new Error(`Not a uuid: ${value}`);
  }
  return value.toLowerCase();
}

/**
 * Removes an import's partition of each table, outside any transaction (`sql` must run each
 * statement on its own, all on one session): DETACH … CONCURRENTLY first, so readers of the parent
 * (every organization's queries) are never queued behind the removal; it waits only for
 * transactions already using the parent. A parent allows one pending detach at a time, so removals
 * from one parent take turns (a session advisory lock, gone with a dead session), and a detach a
 * crash left pending on the parent, this import's or another's, is finalized first (the other
 * import's own removal then finds its partition detached and drops it). Idempotent and resumable.
 */
export async function dropImportPartitions(sql: Sql, tables: string[], importId: string): Promise<void> {
  for (const table of tables) {
    const partition = partitionName(table, importId);
    await sql('SELECT pg_advisory_lock(hashtext($1))', [`purge:${table}`]);
    try {
      const pending = await sql<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1) AND i.inhdetachpending`,
        [table],
      );
      for (const { name } of pending) {
        await sql(`ALTER TABLE ${table} DETACH PARTITION ${quoteIdent(name)} FINALIZE`);
      }
      const [attached] = await sql<{ one: number }>(`SELECT 1 AS one FROM pg_inherits WHERE inhrelid = to_regclass($1)`, [partition]);
      if (attached) {
        await sql(`ALTER TABLE ${table} DETACH PARTITION ${partition} CONCURRENTLY`);
      }
      await sql(`DROP TABLE IF EXISTS ${partition}`);
    } finally {
      await sql('SELECT pg_advisory_unlock(hashtext($1))', [`purge:${table}`]);
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
