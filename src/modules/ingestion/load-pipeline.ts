import { once } from 'events';
import { createReadStream } from 'fs';
import type { Writable } from 'stream';
import { CsvParser, encodeCopyRow } from '@libs/csv';
import { Reject, RowCleaner } from '@libs/cleaners';
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
  const { mapping, cleaner, copy, rejects, counters } = o;
  const { indexes, headerWidth } = mapping;
  const parser = new CsvParser();
  const out: string[] = [];
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
    const arranged = new Array<string>(indexes.length);
    for (let i = 0; i < indexes.length; i++) {
      const at = indexes[i];
      arranged[i] = at < 0 ? '' : fields[at];
    }
    const cleaned = cleaner(arranged);
    if (cleaned instanceof Reject) {
      rejects.write(line, cleaned.reason, parser.currentRaw());
      return;
    }
    out.push(`${line}\t${encodeCopyRow(cleaned)}`);
    counters.rowsLoaded++;
  };

  const flush = async (): Promise<void> => {
    if (copyError) {
      throw copyError;
    }
    if (out.length > 0) {
      const isFlowing = copy.write(out.join(''));
      out.length = 0;
      if (!isFlowing) {
        await once(copy, 'drain');
      }
    }
    await rejects.drainIfNeeded();
  };

  const tickMs = o.tickMs ?? 1000;
  let lastTick = Date.now();
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
  const finished = once(copy, 'finish');
  copy.end();
  await finished;
  if (copyError) {
    throw copyError;
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
