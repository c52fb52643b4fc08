import { createWriteStream, WriteStream } from 'fs';
import { once } from 'events';

const needsQuotes = /[",\r\n]/;

/** Appends rejected rows as CSV `line,reason,raw` and counts them by reason. */
export class RejectsWriter {
  readonly byReason: Record<string, number> = {};
  count = 0;
  private readonly out: WriteStream;
  private isBackedUp = false;

  constructor(path: string) {
    this.out = createWriteStream(path, { highWaterMark: 1 << 20 });
    this.out.write('line,reason,raw\n');
  }

  write(line: number, reason: string, raw: string): void {
    this.count++;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
    const field = needsQuotes.test(raw) ? `"${raw.replace(/"/g, '""')}"` : raw;
    if (!this.out.write(`${line},${reason},${field}\n`)) {
      this.isBackedUp = true;
    }
  }

  /** Waits for the file to catch up when it fell behind (a file with many rejects). */
  async drainIfNeeded(): Promise<void> {
    if (this.isBackedUp) {
      this.isBackedUp = false;
      await once(this.out, 'drain');
    }
  }

  async close(): Promise<void> {
    if (!this.out.closed) {
      this.out.end();
      await once(this.out, 'close');
    }
  }
}
