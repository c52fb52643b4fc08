export const INGESTION_QUEUE = 'ingestion';

/**
 * Housekeeping has a queue of its own: Bull sums the concurrency of every named processor of a
 * queue into one pool, so on the import queue it would let a worker run more imports at once
 * than WORKER_CONCURRENCY.
 */
export const INGESTION_MAINTENANCE_QUEUE = 'ingestion-maintenance';

export enum IngestionJob {
  RunImport = 'ingestion.run-import',
}

export enum IngestionMaintenanceJob {
  /** Detach and drop a deleted import's partitions, then delete its row. */
  PurgeImport = 'ingestion.purge-import',
  /** Finish what crashed workers and broken requests left (see IngestionSweeper). */
  Sweep = 'ingestion.sweep',
}

export interface RunImportPayload {
  importId: string;
}

export interface PurgeImportPayload {
  importId: string;
}
