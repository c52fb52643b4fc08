import { createWriteStream, promises as fs, WriteStream } from 'fs';
import { finished } from 'stream/promises';
import { destroyed, drainedOrClosed, ExportFormat, openTableWriter, TableWriter } from '@libs/export';
import { formatReportRow, REPORT_CSV_HEADER, reportRowValues, StoreUptime } from '@libs/stats';

/** The report's columns: store_id, then uptime and downtime for the last hour, day and week. */
export const STORE_REPORT_COLUMNS: readonly string[] = REPORT_CSV_HEADER.split(',');

/** Text gathered before it is handed to the file (a few hundred lines). */
const CSV_CHUNK_CHARS = 64 << 10;

/** One row per store into the report's file, in its format, streamed. */
export interface StoreReportWriter {
  write(storeId: string, uptime: StoreUptime): Promise<void>;
  /** Ends the file; the rows written. */
  finish(): Promise<number>;
  /** Gives up: closes and removes the file. */
  abort(): Promise<void>;
}

/**
 * CSV: REPORT_CSV_HEADER and formatReportRow lines, each ending in \n (the text the report has
 * always had: figures with two decimals, the store id quoted by fast-csv, formulas neutralised).
 * JSON and XLSX: the platform's table writer, the figures as numbers.
 */
export function openStoreReportWriter(format: ExportFormat, file: string, meta: Record<string, unknown>): StoreReportWriter {
  return format === 'csv' ? new CsvLinesWriter(file) : new TableRowsWriter(openTableWriter(format, file, STORE_REPORT_COLUMNS, meta));
}

class TableRowsWriter implements StoreReportWriter {
  constructor(private readonly table: TableWriter) {}

  write(storeId: string, uptime: StoreUptime): Promise<void> {
    return this.table.write([storeId, ...reportRowValues(uptime).map(Number)]);
  }

  finish(): Promise<number> {
    return this.table.finish();
  }

  abort(): Promise<void> {
    return this.table.abort();
  }
}

class CsvLinesWriter implements StoreReportWriter {
  private readonly out: WriteStream;
  private error: Error | null = null;
  private chunk = `${REPORT_CSV_HEADER}\n`;
  private rows = 0;

  constructor(private readonly file: string) {
    this.out = createWriteStream(file);
    // Kept, so the next write or finish throws it (a full disk) instead of waiting for a drain.
    this.out.on('error', (e: Error) => (this.error ??= e));
  }

  async write(storeId: string, uptime: StoreUptime): Promise<void> {
    this.chunk += `${formatReportRow(storeId, uptime)}\n`;
    this.rows++;
    if (this.chunk.length >= CSV_CHUNK_CHARS) await this.flush();
  }

  async finish(): Promise<number> {
    await this.flush();
    this.out.end();
    await finished(this.out);
    this.check();
    return this.rows;
  }

  async abort(): Promise<void> {
    await destroyed(this.out);
    await fs.rm(this.file, { force: true });
  }

  private async flush(): Promise<void> {
    this.check();
    const isBelowMark = this.out.write(this.chunk);
    this.chunk = '';
    if (!isBelowMark) {
      await drainedOrClosed(this.out, this.out);
      this.check();
    }
  }

  private check(): void {
    if (this.error) throw this.error;
  }
}
