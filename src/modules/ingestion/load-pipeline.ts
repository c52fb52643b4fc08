import { once } from 'events';
import { createReadStream } from 'fs';
import type { Writable } from 'stream';
import { CsvParser, encodeCopyRow } from '@libs/csv';
import { Reject, RowCleaner } from '@libs/cleaners';
import { DuplicateGuard } from './duplicate-guard';
import { HeaderMapping } from './kinds/kind.registry';
import { RejectsWriter } from './rejects-writer';

export interface LoadCounters {
  bytesRead: number;
  rowsRead: number;
  rowsLoaded: number;
}

export interface StreamIntoCopyOptions {
  filePath: string;
  mapping: HeaderMapping;
  cleaner: RowCleaner;
  copy: Writable;
  rejects: RejectsWriter;
  counters: LoadCounters;
  /** Watches the unique key (at `keyIndex` of the cleaned values) for repeats within the file. */
  duplicates?: { guard: DuplicateGuard; keyIndex: number };
  /** Awaited about once a second: progress reporting and cancel checks (it may throw to stop). */
  onTick: () => Promise<void>;
  tickMs?: number;
}

/**
 * file → parse → clean → COPY text, one 1 MiB chunk at a time with backpressure both ways, so
 * memory stays flat whatever the file size and the event loop is yielded between chunks.
 * The header line is skipped; each COPY row starts with its source line number.
 */
export async function streamIntoCopy(o: StreamIntoCopyOptions): Promise<void> {
  const { mapping, cleaner, copy, rejects, counters, duplicates } = o;
  const { indexes, headerWidth } = mapping;
  // Most files list the kind's columns in order: then the parsed fields go to the cleaner as they are.
  const isIdentity = indexes.length === headerWidth && indexes.every((at, i) => at === i);
  const parser = new CsvParser();
  const out = new CopyBuffer();
  let isHeader = true;
  let copyError: Error | null = null;
  copy.on('error', (err: Error) => {
    copyError = err;
  });

  const onRecord = (fields: string[], line: number): void => {
    if (isHeader) {
      isHeader = false;
      return;
    }
    counters.rowsRead++;
    if (fields.length !== headerWidth) {
      rejects.write(line, 'WRONG_FIELD_COUNT', parser.currentRaw());
      return;
    }
    const cleaned = cleaner(isIdentity ? fields : arrange(fields, indexes));
    if (cleaned instanceof Reject) {
      rejects.write(line, cleaned.reason, parser.currentRaw());
      return;
    }
    if (duplicates) {
      duplicates.guard.observe(cleaned[duplicates.keyIndex] as string, line, parser);
    }
    out.append(`${line}\t${encodeCopyRow(cleaned)}`);
    counters.rowsLoaded++;
  };

  const flush = async (): Promise<void> => {
    if (copyError) {
      throw copyError;
    }
    const chunk = out.take();
    if (chunk && !copy.write(chunk)) {
      await once(copy, 'drain');
    }
    await rejects.drainIfNeeded();
    await duplicates?.guard.drainIfNeeded();
  };

  const tickMs = o.tickMs ?? 1000;
  let lastTick = Date.now();
  try {
    for await (const chunk of createReadStream(o.filePath, { highWaterMark: 1 << 20 })) {
      counters.bytesRead += (chunk as Buffer).length;
      parser.push(chunk as Buffer, onRecord);
      await flush();
      if (Date.now() - lastTick >= tickMs) {
        lastTick = Date.now();
        await o.onTick();
      }
    }
    parser.end(onRecord);
    await flush();
  } catch (err) {
    // End the COPY (CopyFail) so the connection can roll back; an open COPY would block it forever.
    const closed = once(copy, 'close').catch(() => undefined);
    copy.destroy(err as Error);
    await closed;
    throw err;
  }
  const finished = once(copy, 'finish');
  copy.end();
  await finished;
  if (copyError) {
    throw copyError;
  }
}

function arrange(fields: string[], indexes: number[]): string[] {
  const arranged = new Array<string>(indexes.length);
  for (let i = 0; i < indexes.length; i++) {
    const at = indexes[i];
    arranged[i] = at < 0 ? '' : fields[at];
  }
  return arranged;
}

/** Encodes rows straight into one growing byte buffer, avoiding a big joined string per chunk. */
class CopyBuffer {
  private buf = Buffer.allocUnsafe(4 << 20);
  private length = 0;

  append(row: string): void {
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
    if (this.length + row.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + row.length * 3));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(row, this.length);
  }

  /** The bytes so far (a fresh buffer: the stream may hold on to it), or null when empty. */
  take(): Buffer | null {
    if (this.length === 0) {
      return null;
    }
    const chunk = Buffer.from(this.buf.subarray(0, this.length));
    this.length = 0;
    return chunk;
  }
}

/** Re-reads the file and writes the raw text of the given lines as rejects with `reason`. */
export async function writeRejectedLines(
  filePath: string,
  lines: Set<number>,
  reason: string,
  rejects: RejectsWriter,
): Promise<void> {
  const parser = new CsvParser();
  const onRecord = (_fields: string[], line: number): void => {
    if (lines.has(line)) {
      rejects.write(line, reason, parser.currentRaw());
    }
  };
  for await (const chunk of createReadStream(filePath, { highWaterMark: 1 << 20 })) {
    parser.push(chunk as Buffer, onRecord);
    await rejects.drainIfNeeded();
  }
  parser.end(onRecord);
}
