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
  /**
   * PostgreSQL refused a value the cleaner let through, or a statement of the load (a bug in a
   * cleaner or a kind, or a program limit), reported with its SQLSTATE.
   */
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
    /** The underlying error's text, for the log only: tenants see `message` and `details`. */
    readonly internal?: string,
  ) {
    super(message);
    this.name = 'ImportFailure';
  }
}

// SQLSTATE classes that a retry cannot change: data exceptions (22: invalid text representation,
// out of range, …), integrity violations (23), program limits (54: too many columns, a statement
// too complex) and syntax or access rule violations (42: a bad statement is bad every time), except
// an undefined table or object (42P01, 42704), which a concurrent drop can cause. Others (08, 40,
// 53, 57: connections, deadlocks, resources, shutdowns) may pass.
const DETERMINISTIC_SQLSTATE_CLASSES = ['22', '23', '42', '54'];
const TRANSIENT_SQLSTATES = ['42P01', '42704'];

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
    return new ImportFailure('MEMORY_LIMIT', 'A load thread ran out of memory (LOAD_THREAD_HEAP_MB)', {}, message);
  }
  if (e?.code === 'ENOENT') {
    return new ImportFailure('FILE_MISSING', 'The uploaded file is gone from DATA_DIR', {}, message);
  }
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && DETERMINISTIC_SQLSTATE_CLASSES.includes(e.code.slice(0, 2)) && !TRANSIENT_SQLSTATES.includes(e.code)) {
    const what = ['22', '23'].includes(e.code.slice(0, 2)) ? 'the data' : 'a statement of the load';
    return new ImportFailure('DATA_REFUSED', `PostgreSQL refused ${what} (SQLSTATE ${e.code})`, { sqlState: e.code }, message);
  }
  return null;
}
