const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The table holding one import's rows: `<table>_p_<uuid hex>`. */
export function partitionName(table: string, importId: string): string {
  return `${table}_p_${assertUuid(importId).replace(/-/g, '')}`;
}

/** A uuid as an SQL literal, for DDL where bind parameters are not allowed. */
export function quoteLiteral(uuid: string): string {
  return `'${assertUuid(uuid)}'`;
}

function assertUuid(value: string): string {
  if (!UUID.test(value)) {
    throw new Error(`Not a uuid: ${value}`);
  }
  return value.toLowerCase();
}
