import { once } from 'events';
import { createReadStream } from 'fs';
import type { Writable } from 'stream';
import { BinaryCopyEncoder, CsvParser, RecordSplitter } from '@libs/csv';
import type { ImportAccumulator } from '@libs/rollups';
import { DuplicateGuard } from './duplicate-guard';
import { PieceProcessor } from './piece-processors';
import { RejectsWriter } from './rejects-writer';

export interface LoadCounters {
  bytesRead: number;
  rowsRead: number;
  rowsLoaded: number;
}

export interface StreamIntoCopyOptions {
  filePath: string;
  processor: PieceProcessor;
  /** A COPY … FROM STDIN WITH (FORMAT binary) stream. */
  copy: Writable;
  rejects: RejectsWriter;
  duplicates: DuplicateGuard | null;
  /** Receives each piece's rollup part, in file order (kinds with a rollup). */
  accumulator?: ImportAccumulator | null;
  counters: LoadCounters;
  /** Filled with where each piece lies in the file, to re-read a few lines later without a full pass. */
  spans?: PieceSpan[];
  /** Awaited about once a second: progress reporting and cancel checks (it may throw to stop). */
  onTick: () => Promise<void>;
  tickMs?: number;
}

const PIECE_BYTES = 1 << 20;

/** A piece's place in the file: its bytes and the lines after `lineOffset` it holds. */
export interface PieceSpan {
  byteStart: number;
  byteLength: number;
  lineOffset: number;
  lines: number;
}

/**
 * file → pieces cut on record boundaries → (worker threads) parse, clean, encode → binary COPY,
 * with at most two pieces per thread in flight and the COPY's backpressure honoured, so memory
 * stays flat whatever the file size and the event loop is free between pieces. Results are
 * written in file order. The header line is skipped; every row carries its source line number.
 */
export async function streamIntoCopy(o: StreamIntoCopyOptions): Promise<void> {
  const { copy, rejects, counters, duplicates, processor } = o;
  let copyError: Error | null = null;
  copy.on('error', (err: Error) => {
    copyError = err;
  });
  const inFlight: Array<Promise<Awaited<ReturnType<PieceProcessor['process']>>>> = [];
  const splitter = new RecordSplitter();
  let carry: Buffer[] = [];
  let linesBefore = 0;
  let bytesBefore = 0;
  let isFirstPiece = true;

  const write = async (bytes: Buffer | Uint8Array): Promise<void> => {
    if (copyError) {
      throw copyError;
    }
    if (!copy.write(bytes)) {
      await once(copy, 'drain');
    }
  };
  const dispatch = (bytes: Buffer): void => {
    // Transferred to a worker thread, a piece must own its whole ArrayBuffer (never the shared pool).
    const piece = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length ? bytes : copyOf(bytes);
    const lines = countLineFeeds(piece);
    o.spans?.push({ byteStart: bytesBefore, byteLength: piece.length, lineOffset: linesBefore, lines });
    inFlight.push(processor.process({ piece, lineOffset: linesBefore, skipFirstRecord: isFirstPiece }));
    inFlight[inFlight.length - 1].catch(() => undefined); // awaited in order below
    linesBefore += lines;
    bytesBefore += piece.length;
    isFirstPiece = false;
  };
  const lookups: Array<Promise<void>> = [];
  const collectOne = async (): Promise<void> => {
    const r = await inFlight.shift()!;
    counters.rowsRead += r.rowsRead;
    counters.rowsLoaded += r.rowsLoaded;
    for (const [line, reason, raw] of r.rejects) {
      rejects.write(line, reason, raw);
    }
    if (r.rollup) {
      o.accumulator?.addPiece(r.rollup.part);
    }
    // Keys enter the filter here, in file order: of two equal keys the later line is flagged.
    if (r.keyHashes && duplicates) {
      const positions = duplicates.bloom.addAll(r.keyHashes);
      if (positions.length > 0) {
        const lookup = processor.candidates(r.seq, positions).then((found) => {
          found.forEach(([key, line, raw]) => duplicates.recordCandidate(key, line, raw));
        });
        lookup.catch(() => undefined); // awaited below
        lookups.push(lookup);
      } else {
        processor.drop(r.seq);
      }
    }
    if (r.copy) {
      await write(r.copy);
    }
    await rejects.drainIfNeeded();
    await duplicates?.drainIfNeeded();
  };

  const tickMs = o.tickMs ?? 1000;
  let lastTick = Date.now();
  try {
    await write(BinaryCopyEncoder.header());
    let pending = 0;
    for await (const chunk of createReadStream(o.filePath, { highWaterMark: PIECE_BYTES })) {
      const bytes = chunk as Buffer;
      counters.bytesRead += bytes.length;
      const boundary = splitter.lastBoundary(bytes);
      if (boundary === -1) {
        carry.push(bytes);
        pending += bytes.length;
        continue;
      }
      dispatch(carry.length ? Buffer.concat([...carry, bytes.subarray(0, boundary)]) : copyOf(bytes.subarray(0, boundary)));
      carry = boundary < bytes.length ? [copyOf(bytes.subarray(boundary))] : [];
      pending = bytes.length - boundary;
      while (inFlight.length >= processor.parallelism * 2) {
        await collectOne();
      }
      if (Date.now() - lastTick >= tickMs) {
        lastTick = Date.now();
        await o.onTick();
      }
    }
    if (pending > 0) {
      dispatch(Buffer.concat(carry));
    }
    while (inFlight.length > 0) {
      await collectOne();
    }
    await Promise.all(lookups);
    await write(BinaryCopyEncoder.trailer());
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

/** A piece owns its memory: it is transferred to a worker thread, which detaches it here. */
function copyOf(bytes: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(own);
  return own;
}

function countLineFeeds(piece: Buffer): number {
  let count = 0;
  for (let at = piece.indexOf(10); at !== -1; at = piece.indexOf(10, at + 1)) {
    count++;
  }
  return count;
}

/**
 * Writes the raw text of the given lines as rejects with `reason`, re-reading only the pieces that
 * hold them when `spans` is known, else the whole file.
 */
export async function writeRejectedLines(
  filePath: string,
  lines: Set<number>,
  reason: string,
  rejects: RejectsWriter,
  spans?: PieceSpan[],
): Promise<void> {
  const ranges = spans
    ? spans.filter((s) => [...lines].some((l) => l > s.lineOffset && l <= s.lineOffset + s.lines))
    : [{ byteStart: 0, byteLength: Infinity, lineOffset: 0, lines: Infinity }];
  for (const range of ranges) {
    const parser = new CsvParser();
    const onRecord = (_fields: string[], localLine: number): void => {
      const line = localLine + range.lineOffset;
      if (lines.has(line)) {
        rejects.write(line, reason, parser.currentRaw());
      }
    };
    const end = range.byteLength === Infinity ? undefined : range.byteStart + range.byteLength - 1;
    for await (const chunk of createReadStream(filePath, { start: range.byteStart, end, highWaterMark: 1 << 20 })) {
      parser.push(chunk as Buffer, onRecord);
      await rejects.drainIfNeeded();
    }
    parser.end(onRecord);
  }
}
