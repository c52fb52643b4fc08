import type { CleanValues } from '../cleaners';

/** A part handed between threads, with the buffers to transfer rather than copy. */
export interface TransferablePart<P> {
  part: P;
  transfer: ArrayBuffer[];
}

/**
 * Folds a kind's loaded rows into compact structures on a load thread: takePiece() after each
 * piece (small per-piece facts), finish() once after the thread's last piece (everything else).
 */
export interface RowAggregator {
  add(values: CleanValues): void;
  takePiece(): TransferablePart<unknown> | null;
  finish(): TransferablePart<unknown>;
  /**
   * finish() in several parts, each handed over (cloned) before the next is made, for folds made of
   * JS objects: one whole part in transit was a copy of the thread's folds beside the folds.
   * Each part goes to addThread like a whole one.
   */
  finishInParts?(): Iterable<TransferablePart<unknown>>;
}

/** Gathers the threads' parts for one import on the importing thread. */
export interface ImportAccumulator {
  addPiece(part: unknown): void;
  addThread(part: unknown): void;
  /** A row removed after the COPY (its key repeated): take back what it contributed. */
  subtract(values: CleanValues): void;
  /** Releases what it holds outside memory (spill files); called however the import ends. */
  dispose?(): void;
  /**
   * The rollups it gave up on (more distinct values than its memory budget holds): the publish
   * builds none of them, and answers read the import's rows instead (a rollup of such data would
   * be about as large as the rows).
   */
  missingRollups(): string[];
  /** How the folds coped with the data (missing rollups, spills), for the import's metrics. */
  describe(): Record<string, unknown>;
  /** Drops everything folded (a file re-sent whole: hardly any row is left to roll up). */
  giveUp(): void;
}
