import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IMPORT_STATUSES, ImportStatus } from '../entities/import.entity';
import { INPUT_FORMATS, InputFormat } from '@libs/ingest';

export class ImportProgressDto {
  @ApiProperty({ description: 'Bytes read / file size, in percent (0-100)', example: 42.5 }) percent: number;
  @ApiProperty() bytesRead: number;
  @ApiProperty({ description: 'Data rows parsed so far (header excluded)' }) rowsRead: number;
  @ApiProperty({ description: 'Rows accepted so far (visible only once the import is COMPLETED)' }) rowsLoaded: number;
  @ApiProperty() rowsRejected: number;
  @ApiProperty({ description: 'Rows read per second since the run started' }) rowsPerSec: number;
  @ApiProperty({ description: 'Milliseconds since the run started (0 while queued)' }) elapsedMs: number;
  @ApiPropertyOptional({ description: 'Estimated milliseconds left, from bytes read so far', nullable: true, type: Number }) etaMs: number | null;
}

export class ImportMetricsDto {
  @ApiProperty() executionTimeMs: number;
  @ApiProperty({ description: 'Peak resident memory of the worker process during the run' }) peakRssMb: number;
  @ApiProperty({ description: 'Longest event-loop stall of the worker during the run (Bull renews its job lock from a timer)' }) maxEventLoopDelayMs: number;
  @ApiProperty() rowsProcessed: number;
  @ApiProperty() rowsLoaded: number;
  @ApiProperty() rowsRejected: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { INVALID_AMOUNT: 3, DUPLICATE_ID: 1 } }) rejectsByReason: Record<string, number>;
  @ApiProperty() processingRateRowsPerSec: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Time per phase: copy (parse, clean, fold, COPY), dedupe (repeated keys), publish (attach, rollups)',
  })
  phasesMs: Record<string, number>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { missingRollups: ['merchantDays'], customerSpills: 3 },
    description:
      "How the rollup folds coped with the data within IMPORT_MEMORY_MB: rollups not built (too many distinct values: answers read this import's rows instead), customer counts spilled to disk",
  })
  folds?: Record<string, unknown>;
}

export class ImportLinksDto {
  @ApiProperty() self: string;
  @ApiProperty() events: string;
  @ApiProperty() rejects: string;
}

export class ImportResponseDto {
  @ApiProperty({ format: 'uuid' }) importId: string;
  @ApiProperty({ example: 'transactions' }) kind: string;
  @ApiProperty({ enum: INPUT_FORMATS, description: 'How the file holds its records: csv, json-array (one JSON array of objects) or ndjson (one object per line)' })
  format: InputFormat;
  @ApiProperty({ enum: IMPORT_STATUSES }) status: ImportStatus;
  @ApiProperty() fileName: string;
  @ApiProperty() sizeBytes: number;
  @ApiProperty({ description: 'sha256 of the uploaded bytes, hex' }) sha256: string;
  @ApiProperty({ description: 'Share of rejected rows above which the import fails and loads nothing' }) rejectThreshold: number;
  @ApiProperty({ type: ImportProgressDto }) progress: ImportProgressDto;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) rejectsByReason: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { UNKNOWN_TIMEZONE: 2 },
    description: 'Rows kept with a substituted value, by reason (e.g. an unknown time zone read as America/Chicago)',
  })
  warningsByReason: Record<string, number>;
  @ApiProperty({
    description: "Rows of the organization's earlier imports this import's rows replaced (kinds whose later uploads restate earlier ones, e.g. marketing; 0 otherwise)",
    example: 0,
  })
  rowsReplaced: number;
  @ApiPropertyOptional({ type: ImportMetricsDto, nullable: true, description: 'Present once the run has ended' }) metrics: ImportMetricsDto | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why the import failed or was cancelled, in words' }) error: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    enum: ['REJECT_THRESHOLD_EXCEEDED', 'RECORD_TOO_LARGE', 'UNCLOSED_QUOTE', 'INVALID_JSON', 'FILE_MISSING', 'DATA_REFUSED', 'MEMORY_LIMIT', 'RETRIES_EXHAUSTED'],
    description: 'Why a FAILED import failed: deterministic causes fail at once and are not retried; RETRIES_EXHAUSTED means a crash or lost connection kept recurring',
  })
  errorCode: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    example: { line: 120034, byteOffset: 10485760 },
    description: 'Where it failed, when known: line (CSV line, JSON record number), byteOffset',
  })
  errorDetails: Record<string, unknown> | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the post-commit work (indexes, statistics) of a COMPLETED import was done; its rows are exact before that',
  })
  indexedAt: string | null;
  @ApiProperty({ description: 'Runs started (a crashed worker causes a retry)' }) attempts: number;
  @ApiProperty() cancelRequested: boolean;
  @ApiPropertyOptional({ nullable: true, type: String }) idempotencyKey: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) startedAt: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty({ type: ImportLinksDto }) links: ImportLinksDto;
}

export class ImportListResponseDto {
  @ApiProperty({ type: [ImportResponseDto] }) data: ImportResponseDto[];
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() total: number;
  @ApiProperty() totalPages: number;
}

export class DeleteImportResponseDto {
  @ApiProperty({ format: 'uuid' }) importId: string;
  @ApiProperty({
    enum: ['REMOVED', 'CANCELLED', 'CANCEL_REQUESTED'],
    description:
      'REMOVED: the import and exactly its rows are gone from every answer (its tables are dropped in the background); CANCELLED: it had not started; CANCEL_REQUESTED: the running load stops within about a second and loads nothing',
  })
  outcome: 'REMOVED' | 'CANCELLED' | 'CANCEL_REQUESTED';
  @ApiProperty({ description: 'Rows removed from analytics (REMOVED only)' }) rowsRemoved: number;
}

export class PerformanceStatsDto {
  @ApiProperty({ format: 'uuid' }) importId: string;
  @ApiProperty({ enum: IMPORT_STATUSES }) status: ImportStatus;
  @ApiPropertyOptional({ nullable: true, type: Number }) executionTimeMs: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) peakRssMb: number | null;
  @ApiProperty() rowsProcessed: number;
  @ApiProperty() rowsLoaded: number;
  @ApiProperty() rowsRejected: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) processingRateRowsPerSec: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) rejectsByReason: Record<string, number>;
}

export class KindColumnDto {
  @ApiProperty() name: string;
  @ApiProperty() required: boolean;
  @ApiProperty() description: string;
}

export class KindDto {
  @ApiProperty({ example: 'transactions' }) name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: [String], example: ['TRANSACTION_ID', 'AMOUNT'] }) requiredColumns: string[];
  @ApiProperty({ type: [String] }) optionalColumns: string[];
  @ApiProperty({ type: [KindColumnDto] }) columns: KindColumnDto[];
  @ApiProperty({ description: 'A header line a file of this kind may start with' }) exampleHeader: string;
  @ApiProperty({
    enum: INPUT_FORMATS,
    isArray: true,
    description: 'Accepted file formats: a CSV with a header, a JSON array of objects, NDJSON (members match the columns case-insensitively)',
  })
  formats: InputFormat[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'The Content-Type to send each format as raw body' }) mediaTypes: Record<string, string>;
}
