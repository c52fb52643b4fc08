import { format as csvFormat } from '@fast-csv/format';
import type * as ExcelJS from 'exceljs';
import { createWriteStream, promises as fs, WriteStream } from 'fs';
import { once } from 'events';
import { finished } from 'stream/promises';
import type { Writable } from 'stream';
import { csvValue } from './csv-text';
import { neutraliseFormula } from './formula';

export const EXPORT_FORMATS = ['csv', 'json', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** A cell: text, a number, an instant, a truth value, or nothing. */
export type Cell = string | number | boolean | Date | null;

/** Rows of an XLSX sheet, the header included (Excel's limit). */
export const XLSX_SHEET_ROWS = 1_048_576;
/** Rows written between yields to the event loop: exceljs' streaming writer buffers until it gets one. */
const YIELD_EVERY = 1000;
/** Sheet XML allowed to queue for compression before rows wait. */
const XLSX_QUEUED_BYTES = 8 << 20;

/**
 * Writes one table to a file, row by row, with bounded memory: CSV through fast-csv's formatter,
 * XLSX through exceljs' streaming writer (typed cells, a header row, a new sheet past Excel's
 * 1,048,576 rows), JSON as `{"meta": …, "data": [{column: value}, …]}`. Text cells of CSV and
 * XLSX are formula-neutralised.
 */
export interface TableWriter {
  write(row: readonly Cell[]): Promise<void>;
  /** Ends the file; the rows written. */
  finish(): Promise<number>;
  /** Gives up: closes and removes the file. */
  abort(): Promise<void>;
}

/** `sheetRows`: rows an XLSX sheet holds, the header included (Excel's limit unless a test says less). */
export function openTableWriter(format: ExportFormat, filePath: string, columns: readonly string[], meta: Record<string, unknown>, opts: { sheetRows?: number } = {}): TableWriter {
  switch (format) {
    case 'csv':
      return new CsvWriter(filePath, columns);
    case 'xlsx':
      return new XlsxWriter(filePath, columns, opts.sheetRows ?? XLSX_SHEET_ROWS);
    case 'json':
      return new JsonRowsWriter(filePath, columns, meta);
  }
}

/** Waits for `stream` to drain when its last write said so (rejects on an error meanwhile). */
async function written(stream: Writable, isBelowMark: boolean): Promise<void> {
  if (!isBelowMark) await once(stream, 'drain');
}

/**
 * Waits until `writable` drains or `file` closes (after an error it never drains), then removes
 * both listeners: `Promise.race` over two `once()` calls left the loser's listeners on the stream,
 * one pair per wait (Node warned past ten in the store report). Errors are the caller's to check:
 * the writers keep them (StreamErrors).
 */
export async function drainedOrClosed(writable: NodeJS.EventEmitter, file: NodeJS.EventEmitter): Promise<void> {
  const ac = new AbortController();
  const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
  try {
    await Promise.race([quiet(once(writable, 'drain', { signal: ac.signal })), quiet(once(file, 'close', { signal: ac.signal }))]);
  } finally {
    ac.abort();
  }
}

/**
 * Destroys a file stream and waits until its file is closed: a stream still opening when destroyed
 * finishes creating the file afterwards, so removing the file before then left it behind.
 */
export async function destroyed(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  stream.destroy();
  await closed;
}

/** The first error of a file stream, kept (a full disk), so the next write or finish throws it. */
class StreamErrors {
  error: Error | null = null;

  watch(...streams: Array<{ on(event: 'error', f: (e: Error) => void): unknown } | undefined>): void {
    for (const s of streams) s?.on('error', (e: Error) => (this.error ??= e));
  }

  check(): void {
    if (this.error) throw this.error;
  }
}

class CsvWriter implements TableWriter {
  private readonly out: WriteStream;
  private readonly csv;
  private readonly errors = new StreamErrors();
  private rows = 0;

  constructor(
    private readonly filePath: string,
    columns: readonly string[],
  ) {
    this.out = createWriteStream(filePath);
    this.csv = csvFormat({ headers: [...columns], alwaysWriteHeaders: true });
    this.errors.watch(this.out, this.csv);
    this.csv.pipe(this.out);
  }

  async write(row: readonly Cell[]): Promise<void> {
    this.errors.check();
    this.rows++;
    if (!this.csv.write(row.map(csvValue))) {
      // The formatter drains only while the file takes its output: wait for either, or its error.
      await drainedOrClosed(this.csv, this.out);
      this.errors.check();
    }
  }

  async finish(): Promise<number> {
    this.errors.check();
    this.csv.end();
    await finished(this.out);
    this.errors.check();
    return this.rows;
  }

  async abort(): Promise<void> {
    this.csv.destroy();
    await destroyed(this.out);
    await fs.rm(this.filePath, { force: true });
  }
}

class XlsxWriter implements TableWriter {
  private readonly book: ExcelJS.stream.xlsx.WorkbookWriter;
  private sheet: ExcelJS.Worksheet | null = null;
  private sheets = 0;
  private rowsInSheet = 0;
  private rows = 0;
  private readonly errors = new StreamErrors();

  constructor(
    private readonly filePath: string,
    private readonly columns: readonly string[],
    private readonly sheetRows: number,
  ) {
    // Loaded on the first XLSX, not at boot: exceljs alone is ~8 MB of heap and ~20 MB of RSS in every process.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { stream } = require('exceljs') as typeof ExcelJS;
    this.book = new stream.xlsx.WorkbookWriter({ filename: filePath, useStyles: false, useSharedStrings: false });
    // exceljs listens to neither until it commits: a write error would stop the zip for good.
    const inner = this.book as unknown as { stream?: Writable; zip?: Writable };
    this.errors.watch(inner.stream, inner.zip);
  }

  async write(row: readonly Cell[]): Promise<void> {
    this.errors.check();
    if (this.sheet === null || this.rowsInSheet >= this.sheetRows) {
      this.sheet?.commit();
      this.sheets++;
      this.sheet = this.book.addWorksheet(this.sheets === 1 ? 'data' : `data ${this.sheets}`);
      this.sheet.addRow([...this.columns]).commit();
      this.rowsInSheet = 1;
    }
    this.sheet.addRow(row.map((v) => (typeof v === 'string' ? neutraliseFormula(v) : v))).commit();
    this.rowsInSheet++;
    this.rows++;
    if (this.rows % YIELD_EVERY === 0) await this.drained();
  }

  /**
   * Waits while the sheet's XML queues for the zip's deflate: exceljs' streaming writer hands its
   * buffers to the archiver's stream without backpressure, so rows made faster than they compress
   * pile up there (1.1M rows took the process to 514 MB). That stream is readable-stream's
   * PassThrough, without `writableLength`: its queued bytes are `_writableState.length`.
   */
  private async drained(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queuedBytes() > XLSX_QUEUED_BYTES) {
      this.errors.check();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Sheet XML handed to the archiver and not yet compressed. */
  queuedBytes(): number {
    const sheet = this.sheet as unknown as { stream?: { pipes?: Array<{ _writableState?: { length: number } }> } } | null;
    return (sheet?.stream?.pipes ?? []).reduce((n, p) => n + (p._writableState?.length ?? 0), 0);
  }

  async finish(): Promise<number> {
    this.errors.check();
    if (this.sheet === null) {
      this.sheet = this.book.addWorksheet('data');
      this.sheet.addRow([...this.columns]).commit();
    }
    this.sheet.commit();
    await this.book.commit();
    return this.rows;
  }

  async abort(): Promise<void> {
    const inner = this.book as unknown as { stream?: Writable; zip?: { abort?: () => void } };
    inner.zip?.abort?.();
    if (inner.stream instanceof WriteStream) await destroyed(inner.stream);
    else inner.stream?.destroy();
    await fs.rm(this.filePath, { force: true });
  }
}

/** JSON text gathered before a write: one file write per ~64 KB, not one per row (each write is a libuv request and a queued buffer). */
const JSON_CHUNK_CHARS = 64 * 1024;

class JsonRowsWriter implements TableWriter {
  private readonly out: WriteStream;
  private rows = 0;
  private pending = '';
  private readonly keys: string[];
  private readonly errors = new StreamErrors();

  constructor(
    private readonly filePath: string,
    columns: readonly string[],
    meta: Record<string, unknown>,
  ) {
    this.out = createWriteStream(filePath);
    this.errors.watch(this.out);
    this.keys = columns.map((c) => JSON.stringify(c));
    this.pending = `{"meta":${JSON.stringify(meta)},"data":[`;
  }

  async write(row: readonly Cell[]): Promise<void> {
    let text = this.rows === 0 ? '{' : ',{';
    for (let i = 0; i < row.length; i++) {
      text += `${i ? ',' : ''}${this.keys[i]}:${JSON.stringify(row[i])}`;
    }
    this.errors.check();
    this.rows++;
    this.pending += `${text}}`;
    if (this.pending.length >= JSON_CHUNK_CHARS) {
      const chunk = this.pending;
      this.pending = '';
      await written(this.out, this.out.write(chunk));
    }
  }

  async finish(): Promise<number> {
    this.errors.check();
    this.out.end(`${this.pending}]}\n`);
    this.pending = '';
    await finished(this.out);
    return this.rows;
  }

  async abort(): Promise<void> {
    await destroyed(this.out);
    await fs.rm(this.filePath, { force: true });
  }
}
