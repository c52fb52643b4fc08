/** A rejected row: reason is an UPPER_SNAKE code counted per import (e.g. INVALID_AMOUNT). */
export class Reject {
  constructor(readonly reason: string) {}
}

/** Cleaned values in the kind's COPY column order, as text for PostgreSQL COPY (null = SQL NULL). */
export type CleanValues = (string | null)[];

export type RowCleaner = (fields: string[]) => CleanValues | Reject;

export interface CleanerContext {
  /** Import start; timestamps after it are in the future. */
  now: Date;
}
