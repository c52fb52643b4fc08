import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { InputFormat } from '@libs/ingest';

export const IMPORT_STATUSES = ['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlyArray<ImportStatus> = ['COMPLETED', 'FAILED', 'CANCELLED'];

export interface ImportMetrics {
  executionTimeMs: number;
  peakRssMb: number;
  maxEventLoopDelayMs: number;
  rowsProcessed: number;
  rowsLoaded: number;
  rowsRejected: number;
  rejectsByReason: Record<string, number>;
  processingRateRowsPerSec: number;
  phasesMs: Record<string, number>;
  /** How the rollup folds coped with the data: structures summed in SQL instead, customer spills. */
  folds?: Record<string, unknown>;
}

const bigintAsNumber = { to: (v: number) => v, from: (v: string | null) => (v === null ? 0 : Number(v)) };

@Entity('imports')
export class ImportEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column('text')
  kind: string;

  /** How the file holds its records: csv, json-array or ndjson. */
  @Column('text')
  format: InputFormat;

  @Column('text')
  status: ImportStatus;

  @Column({ name: 'file_name', type: 'text' })
  fileName: string;

  /** Relative to DATA_DIR. */
  @Column({ name: 'file_path', type: 'text' })
  filePath: string;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: bigintAsNumber })
  sizeBytes: number;

  @Column('text')
  sha256: string;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey: string | null;

  @Column({ name: 'reject_threshold', type: 'double precision' })
  rejectThreshold: number;

  @Column({ name: 'bytes_read', type: 'bigint', transformer: bigintAsNumber })
  bytesRead: number;

  @Column({ name: 'rows_read', type: 'bigint', transformer: bigintAsNumber })
  rowsRead: number;

  @Column({ name: 'rows_loaded', type: 'bigint', transformer: bigintAsNumber })
  rowsLoaded: number;

  @Column({ name: 'rows_rejected', type: 'bigint', transformer: bigintAsNumber })
  rowsRejected: number;

  @Column({ name: 'rejects_by_reason', type: 'jsonb' })
  rejectsByReason: Record<string, number>;

  /** Rows kept with a substituted value, by reason (set by a kind's publish hook). */
  @Column({ name: 'warnings_by_reason', type: 'jsonb', default: () => "'{}'::jsonb" })
  warningsByReason: Record<string, number>;

  /** Rows of earlier imports this one's rows replaced when it published (restating kinds). */
  @Column({ name: 'rows_replaced', type: 'bigint', transformer: bigintAsNumber, default: 0 })
  rowsReplaced: number;

  /** Relative to DATA_DIR. */
  @Column({ name: 'rejects_path', type: 'text', nullable: true })
  rejectsPath: string | null;

  @Column({ type: 'jsonb', nullable: true })
  metrics: ImportMetrics | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Why a FAILED import failed, as a code (REJECT_THRESHOLD_EXCEEDED, RECORD_TOO_LARGE, INVALID_JSON, …). */
  @Column({ name: 'error_code', type: 'text', nullable: true })
  errorCode: string | null;

  /** Where it failed, when known: line (CSV line or JSON record), byteOffset. */
  @Column({ name: 'error_details', type: 'jsonb', nullable: true })
  errorDetails: Record<string, unknown> | null;

  /** When the post-commit work (indexes, statistics) of a COMPLETED import was done. */
  @Column({ name: 'indexed_at', type: 'timestamptz', nullable: true })
  indexedAt: Date | null;

  /** Set when a delete hid the import; its partitions are then being dropped. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column('int')
  attempts: number;

  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true })
  cancelRequestedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
