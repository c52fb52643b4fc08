import { createReadStream } from 'fs';
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

/**
 * Writes rows removed after the COPY (repeated keys) to the rejects file with their raw text, in
 * bounded memory whatever their number: line numbers arrive in ascending order, and each piece
 * holding some of them is read and parsed again once (a piece holds about 512 KiB of records).
 */
export class RejectedLineWriter {
  private span = -1;
  private wanted = new Set<number>();
  written = 0;

  constructor(
    private readonly file: LoadedFile,
    private readonly reason: string,
    private readonly rejects: RejectsWriter,
  ) {}

  async add(line: number): Promise<void> {
    const spans = this.file.spans;
    if (this.span >= 0 && line <= this.lastLine(this.span)) {
      this.wanted.add(line);
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
    this.wanted.add(line);
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
    if (this.wanted.size === 0) {
      return;
    }
    const span = this.file.spans[this.span];
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(this.file.path, { start: span.byteStart, end: span.byteStart + span.byteLength - 1 })) {
      chunks.push(chunk as Buffer);
    }
    const piece = Buffer.concat(chunks);
    const write = (line: number, raw: () => string) => {
      if (this.wanted.delete(line)) {
        this.rejects.write(line, this.reason, raw());
        this.written++;
      }
    };
    if (this.file.format === 'csv') {
      const parser = new CsvParser();
      const onRecord = (_fields: string[], localLine: number) => write(localLine + span.lineOffset, () => parser.currentRaw());
      parser.push(piece, onRecord);
      parser.end(onRecord);
    } else {
      const text = piece.toString('utf8');
      const isLast = this.span === this.file.spans.length - 1;
      parseJsonPiece(text, this.file.format, { isFirst: this.span === 0, isLast, firstOrdinal: span.lineOffset + 1 }, {
        record: (_names, _values, ordinal, start, end) => write(ordinal, () => text.slice(start, end)),
        invalid: (ordinal, start, end) => write(ordinal, () => text.slice(start, end)),
      });
    }
    if (this.wanted.size > 0) {
      throw new Error(`Lines ${[...this.wanted].slice(0, 5).join(', ')} were not found in their piece of the file`);
    }
    await this.rejects.drainIfNeeded();
  }
}

