import type { Cell } from './table-writer';

/**
 * Objects (answer rows) as one table: nested objects become dotted columns (`latency_ms.p50`),
 * arrays of plain values are joined with "; ", other arrays become their JSON text; the columns
 * are every key met, in the order first met.
 */
export function tabulate(items: readonly object[]): { columns: string[]; rows: Cell[][] } {
  const flat = items.map((item) => {
    const out = new Map<string, Cell>();
    flatten(item as Record<string, unknown>, '', out);
    return out;
  });
  const columns = [...new Set(flat.flatMap((m) => [...m.keys()]))];
  return { columns, rows: flat.map((m) => columns.map((c) => m.get(c) ?? null)) };
}

function flatten(value: Record<string, unknown>, prefix: string, out: Map<string, Cell>): void {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix + key;
    if (v === null || v === undefined) out.set(name, null);
    else if (v instanceof Date || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.set(name, v);
    else if (typeof v === 'bigint') out.set(name, v.toString());
    else if (Array.isArray(v)) out.set(name, v.every((x) => x === null || typeof x !== 'object') ? v.join('; ') : JSON.stringify(v));
    else if (typeof v === 'object') flatten(v as Record<string, unknown>, `${name}.`, out);
  }
}
