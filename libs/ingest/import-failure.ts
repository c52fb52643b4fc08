/**
 * Why an import failed for good. A deterministic failure would fail again on a retry (the same
 * file gives the same outcome), so it ends the import at once; anything else (a killed process, a
 * lost connection) is retried from scratch.
 */
export type ImportFailureCode =
  /** More rows were rejected than the import's threshold allows. */
  | 'REJECT_THRESHOLD_EXCEEDED'
  /** One record (CSV row or JSON value) is longer than MAX_RECORD_BYTES: usually an unclosed quote. */
  | 'RECORD_TOO_LARGE'
  /** A CSV quote opened near the end of the file never closes (read as data, it would swallow the rest). */
  | 'UNCLOSED_QUOTE'
  /** The JSON / NDJSON document is not well-formed. */
  | 'INVALID_JSON'
  /** The uploaded file is no longer on disk. */
  | 'FILE_MISSING'
  /** PostgreSQL refused a value the cleaner let through (a bug in a cleaner, reported with its SQLSTATE). */
  | 'DATA_REFUSED'
  /** A load thread ran out of its memory (a bug in a budget: the same file would fail again). */
  | 'MEMORY_LIMIT'
  /** A retryable error kept happening until the attempts ran out. */
  | 'RETRIES_EXHAUSTED';

export class ImportFailure extends Error {
  constructor(
    readonly code: ImportFailureCode,
    message: string,
    /** Where it happened, when known: `line` (CSV line or JSON record number), `byteOffset`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ImportFailure';
  }
}

// SQLSTATE classes that a retry cannot change: data exceptions (22: invalid text representation,
// out of range, …) and integrity violations (23). Others (42: undefined objects, which a concurrent
// drop can cause; 08, 40, 53, 57: connections, deadlocks, resources, shutdowns) may pass.
const DETERMINISTIC_SQLSTATE_CLASSES = ['22', '23'];

/**
 * The deterministic form of `err`, or null when it may be transient (a crash, a lost connection,
 * a deadlock, a full disk that may be freed): those are retried.
 */
export function asDeterministicFailure(err: unknown): ImportFailure | null {
  if (err instanceof ImportFailure) {
    return err;
  }
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ImportFailure('MEMORY_LIMIT', `A load thread ran out of memory: ${message}`);
  }
  if (e?.code === 'ENOENT') {
    return new ImportFailure('FILE_MISSING', `The uploaded file is gone: ${message}`);
  }
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && DETERMINISTIC_SQLSTATE_CLASSES.includes(e.code.slice(0, 2))) {
    return new ImportFailure('DATA_REFUSED', `PostgreSQL refused the data (SQLSTATE ${e.code}): ${message}`, { sqlState: e.code });
  }
  return null;
}
