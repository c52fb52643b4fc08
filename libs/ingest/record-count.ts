import { createReadStream } from 'fs';
import type { InputFormat } from './input-format';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** Counts records chunk by chunk: CSV data rows (the header excluded), JSON array elements that are objects, NDJSON lines with content. */
export class RecordCounter {
  private records = 0;
  private isInString = false;
  private isEscaped = false;
  private hasContent = false;
  private depth = 0;

  constructor(private readonly format: InputFormat) {}

  push(chunk: Buffer): void {
    if (this.format === 'json-array') {
      this.pushJson(chunk);
      return;
    }
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.format === 'csv' && c === QUOTE) {
        this.isInString = !this.isInString;
        this.hasContent = true;
      } else if (c === LF && !this.isInString) {
        this.endLine();
      } else if (c !== CR && c !== 0x20 && c !== 0x09) {
        this.hasContent = true;
      }
    }
  }

  /** The count, once every chunk was pushed. */
  finish(): number {
    if (this.format !== 'json-array') {
      this.endLine();
    }
    return this.format === 'csv' ? Math.max(0, this.records - 1) : this.records;
  }

  private endLine(): void {
    if (this.hasContent) {
      this.records++;
    }
    this.hasContent = false;
  }

  private pushJson(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.isInString) {
        if (this.isEscaped) this.isEscaped = false;
        else if (c === BACKSLASH) this.isEscaped = true;
        else if (c === QUOTE) this.isInString = false;
      } else if (c === QUOTE) {
        this.isInString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (c === OPEN_BRACE && this.depth === 1) this.records++;
        this.depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
      }
    }
  }
}

/** Records in a file of the given format (see RecordCounter). */
export async function countRecords(path: string, format: InputFormat): Promise<number> {
  const counter = new RecordCounter(format);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    counter.push(chunk as Buffer);
  }
  return counter.finish();
}
