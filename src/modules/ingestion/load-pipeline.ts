import { once } from 'events';
import { createReadStream } from 'fs';
import type { Writable } from 'stream';
import { BinaryCopyEncoder, CopyFieldType, CsvParser } from '@libs/csv';
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
  copyTypes: CopyFieldType[];
  /** A COPY … FROM STDIN WITH (FORMAT binary) stream. */
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
  const out = new BinaryCopyEncoder(o.copyTypes);
  let chunkHasNul = false;
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
    // PostgreSQL text cannot hold NUL; only chunks that contain one pay for the check.
    if (chunkHasNul && fields.some((f) => f.includes('\0'))) {
      rejects.write(line, 'NUL_CHARACTER', parser.currentRaw());
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
    out.writeRow(line, cleaned);
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
      chunkHasNul = (chunk as Buffer).includes(0);
      parser.push(chunk as Buffer, onRecord);
      await flush();
      if (Date.now() - lastTick >= tickMs) {
        lastTick = Date.now();
        await o.onTick();
      }
    }
    chunkHasNul = true;
    parser.end(onRecord);
    out.finish();
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
