import type { CleanerContext, RowCleaner } from '@libs/cleaners';
import type { CopyFieldType } from '@libs/csv';
import type { ImportAccumulator, RowAggregator } from '@libs/rollups';

export interface KindColumn {
  /** Header name, matched case-insensitively after trimming. */
  name: string;
  required: boolean;
  description: string;
}

/** Runs one parameterised statement in the caller's transaction and returns its rows. */
export type Sql = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/**
 * Streams text-format COPY data into a table (a column list may follow the name) in the caller's
 * transaction: lines as strings, or chunks of whole lines as bytes.
 */
export type CopyLines = (tableAndColumns: string, lines: Iterable<string | Buffer> | AsyncIterable<string | Buffer>, isFreeze?: boolean) => Promise<number>;

export interface PublishRef {
  orgId: string;
  importId: string;
  /** The import's own table, already attached as a partition when publish runs. */
  partition: string;
}

export interface PublishContext {
  sql: Sql;
  copyLines: CopyLines;
  /** Runs one step of the hook, its duration recorded in the import's metrics (phasesMs) under `name`. */
  step<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** What the load threads folded the import's rows into (kinds with a rollup only). */
  accumulator: ImportAccumulator | null;
}

/** Memory a kind's folds may use on one thread. */
export interface FoldBudget {
  bytes: number;
  /**
   * The thread's heap cap: folds made of JS objects (maps, strings) live in that heap beside the
   * pieces being parsed and must stay well under it; typed arrays live outside it.
   */
  heapBytes: number;
}

/** Memory the importing thread's accumulator may use, and where it may spill to disk. */
export interface AccumulatorBudget extends FoldBudget {
  /** Path prefix for the import's spill files (removed when the import ends). */
  spillPath: string;
}

/** Compact structures a kind builds from its rows while they load (see libs/rollups). */
export interface KindRollup {
  /** Runs on a load thread; past its budget it must give up (and say so) rather than grow. */
  createRowAggregator(budget: FoldBudget): RowAggregator;
  createImportAccumulator(budget: AccumulatorBudget): ImportAccumulator;
  /** Select list over the kind's table giving a stored row's cleaned values, in copyColumns order. */
  storedValuesSql: string;
}

/**
 * A dataset kind: what its file must look like, how a row is cleaned, and where it lands.
 * Adding a kind is one file in its domain module (like src/modules/transactions/transactions.kind.ts),
 * a line in src/kinds.registry.ts and a migration creating `table` partitioned by LIST (import_id)
 * with columns org_id, import_id, line_no + copyColumns (and any `rollupTables`).
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
  /** The copy column (a timestamptz or date) a time window filters the rows on; none: no window. */
  windowColumn?: string;
  /**
   * Columns whose values together must be unique within the organization (one column, or a
   * composite such as store_id + timestamp_utc); repeats are rejected as `duplicateReason`.
   */
  uniqueKey?: string[];
  /** Reject code of a repeated key (default DUPLICATE_ID). */
  duplicateReason?: string;
  /**
   * A key an earlier import of the organization holds is not a repeat: the import uploaded later
   * holds the current row (ad platforms restate recent days). Only repeats within one file are
   * rejected; the publish and hide hooks keep exactly one current row per key.
   */
  isLaterImportWinning?: boolean;
  /**
   * Repeats are expected (an appendable feed re-sends what it sent before): they do not count
   * towards the reject threshold (as rejects; they are rows of the file), so re-loading a file
   * completes with every row a repeat, and one with a few faulty rows as it did the first time.
   */
  isRepeatExpected?: boolean;
  /**
   * Query indexes, `<table>_p_<id>_<suffix>_idx`, on the import's partition of `table`: on the
   * kind's own table (the default) built in the load transaction before the publish, so that the
   * first answers after it have them; on a rollup table its publish hook filled, right after the
   * import commits.
   */
  indexes?: Array<{ suffix: string; columns: string; table?: string }>;
  createCleaner(ctx: CleanerContext): RowCleaner;
  rollup?: KindRollup;
  /** Runs inside the publish transaction after the partition is attached (rollups). */
  publish?(ctx: PublishContext, ref: PublishRef): Promise<void>;
  /**
   * Runs in the transaction that hides a published import (under the publish lock, before its
   * rows leave the answers), for kinds whose imports affect each other's rows (restatements).
   */
  onHide?(sql: Sql, ref: PublishRef): Promise<void>;
  /**
   * Other tables partitioned by import that the publish hook fills (rollups): an import's
   * partitions of them are removed with it.
   */
  rollupTables?: string[];
}
