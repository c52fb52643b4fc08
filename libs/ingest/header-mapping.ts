import type { KindColumn } from './kind.types';

export interface HeaderMapping {
  /** For each kind column, the index of the file column holding it, or -1 when absent (optional). */
  indexes: number[];
  missing: string[];
  headerWidth: number;
}

/** Matches a file's column names (a CSV header, a JSON record's keys) to a kind's columns, case-insensitively. */
export function mapHeader(columns: readonly KindColumn[], header: readonly string[]): HeaderMapping {
  const positions = new Map<string, number>();
  header.forEach((h, i) => {
    const key = h.trim().toUpperCase();
    if (!positions.has(key)) {
      positions.set(key, i);
    }
  });
  const indexes = columns.map((c) => positions.get(c.name.toUpperCase()) ?? -1);
  const missing = columns.filter((c, i) => c.required && indexes[i] < 0).map((c) => c.name);
  return { indexes, missing, headerWidth: header.length };
}
