import { BatchedFile } from './batched-file';

const needsQuotes = /[",\r\n]/;

/** Appends rejected rows as CSV `line,reason,raw` and counts them by reason. */
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
    const field = needsQuotes.test(raw) ? `"${raw.replace(/"/g, '""')}"` : raw;
    this.out.append(`${line},${reason},${field}\n`);
  }

  /** Completes the file; later calls do nothing. */
  async close(): Promise<void> {
    this.out.close();
  }
}
