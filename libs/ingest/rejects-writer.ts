import { csvLine } from '@libs/export/csv-text';
import { BatchedFile } from './batched-file';

/** Appends rejected rows as CSV `line,reason,raw` (fast-csv quoting, formulas neutralised) and counts them by reason. */
export class RejectsWriter {
  readonly byReason: Record<string, number> = {};
  count = 0;
  private readonly out: BatchedFile;

  constructor(path: string) {
    this.out = new BatchedFile(path);
    this.out.append('line,reason,raw\n');
  }

  write(line: number, reason: string, raw: string): void {
    this.count++;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
    // A line starting with = + - @ gets a leading ' (no spreadsheet runs it); a NUL, which fast-csv
    // drops and spreadsheets cut cells at, is shown as ␀ (U+2400) where it was.
    this.out.append(`${csvLine([line, reason, raw.replace(/\0/g, '\u2400')])}\n`);
  }

  /** Completes the file; later calls do nothing. A failed write rejects (callers .catch it) rather than throwing. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.out.close();
      resolve();
    });
  }
}
