import { once } from 'events';
import { promises as fs } from 'fs';
import type { Writable } from 'stream';
import { BinaryCopyEncoder } from '@libs/csv';
import type { ImportAccumulator } from '@libs/rollups';
import { DuplicateGuard } from './duplicate-guard';
import { ImportFailure } from './import-failure';
import { InputFormat, recordCutter, unitName } from './input-format';
import { PieceProcessor, PieceResult } from './piece-processors';
import { PieceSpan } from './rejected-lines';
import { RejectsWriter } from './rejects-writer';

export interface LoadCounters {
  bytesRead: number;
  rowsRead: number;
  rowsLoaded: number;
}

export interface StreamIntoCopyOptions {
  filePath: string;
  format: InputFormat;
  processor: PieceProcessor;
  /** A COPY … FROM STDIN WITH (FORMAT binary) stream. */
  copy: Writable;
  rejects: RejectsWriter;
  duplicates: DuplicateGuard | null;
  /** Receives each piece's rollup part, in file order (kinds with a rollup). */
  accumulator?: ImportAccumulator | null;
  counters: LoadCounters;
  /** Filled with where each piece lies in the file, to re-read a few records later without a full pass. */
  spans: PieceSpan[];
  /** A record longer than this fails the import (RECORD_TOO_LARGE) instead of being held whole. */
  maxRecordBytes: number;
  /** Awaited about once a second: progress reporting and cancel checks (it may throw to stop). */
  onTick: () => Promise<void>;
  tickMs?: number;
  /**
   * True when the connection under `copy` holds no bytes written to it: then every COPY buffer
   * handed to it is free to be filled again. Without it COPY buffers are never reused.
   */
  isSent?: () => boolean;
}

/**
 * Bytes read at a time, so pieces are about this long. 512 KiB rather than 1 MiB: what is in
 * flight (a piece, its decoded text and its COPY bytes, per slot) halves, ~20 MB less peak RSS
 * at 10M rows for the same speed; 256 KiB saved 20 MB more but cost ~10 % in per-piece work.
 */
export const CHUNK_BYTES = 1 << 19;

/** Room for a read and the unfinished record carried before it (a longer carry gets a buffer of its own). */
const PIECE_BUFFER_BYTES = CHUNK_BYTES + (64 << 10);

/**
 * Piece buffers come back from the load threads once parsed and are read into again, so a long
 * import allocates no new ones after its first few. Freed and reallocated instead (~1.7 GB of
 * them at 10M rows, and as much COPY output), they were released only when a collection came
 * round, and the process's peak drifted with how far the collector lagged (292 to 363 MB over
 * runs of one build for a 10M-row sales file).
 */
class PieceBuffers {
  private readonly free: ArrayBuffer[] = [];

  constructor(private readonly max: number) {}

  /** A buffer of at least `bytes`. */
  take(bytes: number): Buffer {
    const own = bytes <= PIECE_BUFFER_BYTES ? this.free.pop() : undefined;
    return own ? Buffer.from(own) : Buffer.allocUnsafeSlow(Math.max(bytes, PIECE_BUFFER_BYTES));
  }

  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === PIECE_BUFFER_BYTES && this.free.length < this.max) {
      this.free.push(buffer);
    }
  }
}

/**
 * file → pieces cut on record boundaries → (worker threads) parse, clean, encode → binary COPY,
 * with at most two pieces per thread in flight and the COPY's backpressure honoured, so memory
 * stays flat whatever the file size and the event loop is free between pieces. Results are
 * written in file order. Every row carries its number (CSV line, JSON record). A record that does
 * not end within maxRecordBytes, or malformed JSON, fails the import with where it happened.
 */
export async function streamIntoCopy(o: StreamIntoCopyOptions): Promise<void> {
  const { copy, rejects, counters, duplicates, processor } = o;
  // Set by the listener: declared with 'as' so that the checks after each await are not narrowed to null.
  let copyError = null as Error | null;
  copy.on('error', (err: Error) => {
    copyError = err;
  });
  const inFlight: Array<{ span: PieceSpan; result: Promise<PieceResult> }> = [];
  const cutter = recordCutter(o.format);
  const buffers = new PieceBuffers(processor.parallelism * 2 + 2);
  let linesBefore = 0;
  let bytesBefore = 0;

  // COPY buffers written but maybe still queued on the connection, and the threads they came from.
  let unsent: Array<[seq: number, buffer: ArrayBuffer]> = [];
  const sent = (seq: number, buffer: ArrayBuffer): void => {
    unsent.push([seq, buffer]);
    if (o.isSent?.()) {
      unsent.forEach(([from, spare]) => processor.recycle(from, spare));
      unsent = [];
    } else if (unsent.length > processor.parallelism * 2) {
      unsent.shift(); // left to the collector
    }
  };
  const write = async (bytes: Buffer | Uint8Array, seq = -1): Promise<void> => {
    if (copyError) {
      throw copyError;
    }
    const isFlowing = seq < 0 ? copy.write(bytes) : copy.write(bytes, (err?: Error | null) => err || sent(seq, bytes.buffer as ArrayBuffer));
    if (!isFlowing) {
      await once(copy, 'drain');
    }
  };
  /** `piece` starts its buffer, which it may not fill; the whole buffer goes to a thread and comes back. */
  const dispatch = (piece: Buffer, lines: number, isLast: boolean): void => {
    // Read before process(): transferring the piece to a thread empties it here.
    const span = { byteStart: bytesBefore, byteLength: piece.length, lineOffset: linesBefore, lines };
    o.spans.push(span);
    linesBefore += lines;
    bytesBefore += span.byteLength;
    const result = processor.process({ piece, lineOffset: span.lineOffset, isFirst: span.byteStart === 0, isLast });
    result.catch(() => undefined); // awaited in order below
    inFlight.push({ span, result });
  };
  const lookups: Array<Promise<void>> = [];
  const collectOne = async (): Promise<void> => {
    const { span, result } = inFlight.shift()!;
    const r = await result;
    buffers.give(r.spent);
    if (r.syntaxError) {
      const byteOffset = span.byteStart + r.syntaxError.byteOffsetInPiece;
      throw new ImportFailure('INVALID_JSON', `The file is not valid JSON: ${r.syntaxError.reason} at byte ${byteOffset} (record ${r.syntaxError.ordinal}); nothing was loaded`, {
        byteOffset,
        line: r.syntaxError.ordinal,
      });
    }
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
      await write(r.copy, r.seq);
    }
  };

  const tickMs = o.tickMs ?? 1000;
  let lastTick = Date.now();
  const file = await fs.open(o.filePath, 'r');
  try {
    await write(BinaryCopyEncoder.header());
    // `buf` starts with `carried` bytes of a record the previous read did not finish.
    let buf = buffers.take(CHUNK_BYTES);
    let carried = 0;
    let position = 0;
    for (;;) {
      if (buf.length < carried + CHUNK_BYTES) {
        const bigger = buffers.take(carried + CHUNK_BYTES);
        buf.copy(bigger, 0, 0, carried);
        buffers.give(buf.buffer as ArrayBuffer);
        buf = bigger;
      }
      const { bytesRead } = await file.read(buf, carried, CHUNK_BYTES, position);
      if (bytesRead === 0) {
        break;
      }
      position += bytesRead;
      counters.bytesRead += bytesRead;
      const boundary = cutter.lastBoundary(buf.subarray(carried, carried + bytesRead));
      if (boundary === -1) {
        carried += bytesRead;
        assertRecordFits(carried, o, linesBefore, bytesBefore);
        continue;
      }
      const end = carried + boundary;
      const filled = carried + bytesRead;
      const next = buffers.take(filled - end + CHUNK_BYTES);
      buf.copy(next, 0, end, filled);
      const piece = buf.subarray(0, end);
      dispatch(piece, cutter.unitsInPiece(piece), false);
      buf = next;
      carried = filled - end;
      assertRecordFits(carried, o, linesBefore, bytesBefore);
      while (inFlight.length >= processor.parallelism * 2) {
        await collectOne();
      }
      if (Date.now() - lastTick >= tickMs) {
        lastTick = Date.now();
        await o.onTick();
      }
    }
    if (cutter.endsInsideQuotes()) {
      // The open quote is in the record the tail starts with: read leniently it would take the
      // rest of the file as one field, silently.
      throw new ImportFailure('UNCLOSED_QUOTE', `The quote opened in the row starting on line ${linesBefore + 1} (byte ${bytesBefore}) is never closed; nothing was loaded`, {
        line: linesBefore + 1,
        byteOffset: bytesBefore,
      });
    }
    // A JSON array's last piece holds its closing bracket: it is parsed even when empty (a file
    // cut short right after a comma must fail, not load what came before).
    if (carried > 0 || o.format === 'json-array') {
      const tail = buf.subarray(0, carried);
      dispatch(tail, cutter.unitsInTail(tail), true);
    }
    while (inFlight.length > 0) {
      await collectOne();
    }
    await Promise.all(lookups);
    await write(BinaryCopyEncoder.trailer());
  } catch (err) {
    // End the COPY (CopyFail) so the connection can roll back; an open COPY would block it forever.
    // (A stream that failed may have closed itself already: then there is no 'close' to wait for.)
    if (!copy.closed) {
      const closed = once(copy, 'close').catch(() => undefined);
      copy.destroy(err as Error);
      await closed;
    }
    throw err;
  } finally {
    await file.close();
  }
  const finished = once(copy, 'finish');
  copy.end();
  await finished;
  if (copyError) {
    throw copyError;
  }
}

function assertRecordFits(pending: number, o: StreamIntoCopyOptions, linesBefore: number, bytesBefore: number): void {
  if (pending > o.maxRecordBytes) {
    const unit = unitName(o.format);
    throw new ImportFailure(
      'RECORD_TOO_LARGE',
      `The ${unit === 'line' ? 'row starting on line' : 'record'} ${linesBefore + 1} (byte ${bytesBefore}) runs past ${o.maxRecordBytes} bytes ` +
        `(MAX_RECORD_BYTES) without ending${o.format === 'csv' ? '; the usual cause is a quote that is never closed' : ''}; nothing was loaded`,
      { line: linesBefore + 1, byteOffset: bytesBefore, maxRecordBytes: o.maxRecordBytes },
    );
  }
}
