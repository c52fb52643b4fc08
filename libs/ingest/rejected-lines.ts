import { promises as fs } from 'fs';
import { CsvParser } from '@libs/csv';
import type { InputFormat } from './input-format';
import { parseJsonPiece } from './json';
import { RejectsWriter } from './rejects-writer';

/** A piece's place in the file: its bytes and the units (lines or records) after `lineOffset` it holds. */
export interface PieceSpan {
  byteStart: number;
  byteLength: number;
  lineOffset: number;
  lines: number;
}

/** The file an import loaded, and how it was cut. */
export interface LoadedFile {
  path: string;
  format: InputFormat;
  spans: PieceSpan[];
}

/** Bytes of a piece handed to the CSV parser at a time. */
const PARSE_BYTES = 64 * 1024;

/**
 * Writes rows removed after the COPY (repeated keys) to the rejects file with their raw text, in
 * bounded memory whatever their number: line numbers arrive in ascending order, and each piece
 * holding some of them is read and parsed again once (a piece holds about 512 KiB of records).
 */
export class RejectedLineWriter {
  private span = -1;
  /**
   * The current piece's wanted line numbers, ascending, reused from piece to piece (a Set of
   * thousands of numbers, rebuilt for every piece, was promoted garbage on the main thread).
   */
  private wanted = new Float64Array(1024);
  private wantedCount = 0;
  /** The current piece's bytes, reused from piece to piece (no buffer per read to be collected). */
  private bytes = Buffer.allocUnsafe(0);
  written = 0;

  constructor(
    private readonly file: LoadedFile,
    private readonly reason: string,
    private readonly rejects: RejectsWriter,
  ) {}

  /** Adds `line` when it is in the piece of the lines before it (no piece to read yet); false when not. */
  tryAdd(line: number): boolean {
    if (this.span >= 0 && line <= this.lastLine(this.span)) {
      this.want(line);
      return true;
    }
    return false;
  }

  async add(line: number): Promise<void> {
    const spans = this.file.spans;
    if (this.tryAdd(line)) {
      return;
    }
    await this.flush();
    let at = Math.max(this.span, 0);
    while (at < spans.length && this.lastLine(at) < line) {
      at++;
    }
    if (at === spans.length) {
      throw new Error(`Line ${line} is past the end of the loaded file`);
    }
    this.span = at;
    this.want(line);
  }

  private want(line: number): void {
    if (this.wantedCount > 0 && line <= this.wanted[this.wantedCount - 1]) {
      if (line === this.wanted[this.wantedCount - 1]) {
        return;
      }
      throw new Error(`Line ${line} came after line ${this.wanted[this.wantedCount - 1]}: lines must ascend`);
    }
    if (this.wantedCount === this.wanted.length) {
      const grown = new Float64Array(this.wanted.length * 2);
      grown.set(this.wanted);
      this.wanted = grown;
    }
    this.wanted[this.wantedCount++] = line;
  }

  async finish(): Promise<void> {
    await this.flush();
  }

  /** The last unit a span holds (the final piece also holds a last CSV line without a line feed). */
  private lastLine(at: number): number {
    const span = this.file.spans[at];
    return at === this.file.spans.length - 1 ? Infinity : span.lineOffset + span.lines;
  }

  private async flush(): Promise<void> {
    if (this.wantedCount === 0) {
      return;
    }
    const span = this.file.spans[this.span];
    const piece = await this.readPiece(span);
    // Records arrive in line order, as the wanted lines are: a merge.
    let next = 0;
    const write = (line: number, raw: () => string) => {
      if (next < this.wantedCount && this.wanted[next] === line) {
        this.rejects.write(line, this.reason, raw());
        this.written++;
        next++;
      }
    };
    if (this.file.format === 'csv') {
      // Parsed 64 KiB at a time: the piece is never one 512 KiB string, which would outlive
      // enough young collections to be promoted, and grow the main thread's heap by ~100 MB
      // between full collections when millions of rows are written back (a file sent again).
      const parser = new CsvParser();
      const onRecord = (_fields: string[], localLine: number) => write(localLine + span.lineOffset, () => parser.currentRaw());
      for (let at = 0; at < piece.length; at += PARSE_BYTES) {
        parser.push(piece.subarray(at, at + PARSE_BYTES), onRecord);
      }
      parser.end(onRecord);
    } else {
      const text = piece.toString('utf8');
      const isLast = this.span === this.file.spans.length - 1;
      parseJsonPiece(
        text,
        this.file.format,
        { isFirst: this.span === 0, isLast, firstOrdinal: span.lineOffset + 1 },
        {
          record: (_names, _values, ordinal, start, end) => write(ordinal, () => text.slice(start, end)),
          invalid: (ordinal, start, end) => write(ordinal, () => text.slice(start, end)),
        },
      );
    }
    if (next < this.wantedCount) {
      throw new Error(`Lines ${[...this.wanted.subarray(next, Math.min(next + 5, this.wantedCount))].join(', ')} were not found in their piece of the file`);
    }
    this.wantedCount = 0;
  }

  /** The span's bytes, read into the reused buffer. */
  private async readPiece(span: PieceSpan): Promise<Buffer> {
    if (this.bytes.length < span.byteLength) {
      this.bytes = Buffer.allocUnsafe(Math.max(span.byteLength, this.bytes.length * 2));
    }
    const handle = await fs.open(this.file.path, 'r');
    try {
      let done = 0;
      while (done < span.byteLength) {
        const { bytesRead } = await handle.read(this.bytes, done, span.byteLength - done, span.byteStart + done);
        if (bytesRead === 0) {
          throw new Error(`The loaded file ends before byte ${span.byteStart + span.byteLength}`);
        }
        done += bytesRead;
      }
    } finally {
      await handle.close();
    }
    return this.bytes.subarray(0, span.byteLength);
  }
}
