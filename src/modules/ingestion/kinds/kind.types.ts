import type { CleanerContext, RowCleaner } from '@libs/cleaners';
import type { CopyFieldType } from '@libs/csv';

export interface KindColumn {
  /** Header name, matched case-insensitively after trimming. */
  name: string;
  required: boolean;
  description: string;
}

/** Runs one parameterised statement in the caller's transaction and returns its rows. */
export type Sql = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

export interface PublishRef {
  orgId: string;
  importId: string;
  /** The import's own table, already attached as a partition when publish runs. */
  partition: string;
}

/**
 * A dataset kind: what its file must look like, how a row is cleaned, and where it lands.
 * Adding a kind is one file like transactions.kind.ts, an entry in kinds/index.ts and a migration
 * creating `table` partitioned by LIST (import_id) with columns org_id, import_id, line_no + copyColumns.
 */
export interface DatasetKind {
  name: string;
  description: string;
  columns: KindColumn[];
  /** Parent table (partitioned by import_id). */
  table: string;
  /** Target columns in the order the cleaner returns values. */
  copyColumns: string[];
  /** Binary COPY type of each copy column (the cleaner's text output is encoded accordingly). */
  copyTypes: CopyFieldType[];
  /** A column whose value must be unique within the organization; repeats are rejected as DUPLICATE_ID. */
  uniqueKey?: string;
  createCleaner(ctx: CleanerContext): RowCleaner;
  /** Runs inside the publish transaction after the partition is attached (rollups). */
  publish?(sql: Sql, ref: PublishRef): Promise<void>;
  /** Runs inside the delete transaction before the partition is dropped (undo rollups). */
  unpublish?(sql: Sql, ref: PublishRef): Promise<void>;
}
