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
const COMMA = 0x2c;
const CSV_FIELD_START = 0;
const CSV_UNQUOTED = 1;
const CSV_QUOTED = 2;
/** Inside a quoted field, just after a quote: a second one is an escaped quote, anything else ends the field. */
const CSV_QUOTE_IN_QUOTED = 3;

/** Counts records chunk by chunk: CSV data rows (the header excluded), JSON array elements that are objects, NDJSON lines with content. */
export class RecordCounter {
  private records = 0;
  private isInString = false;
  private isEscaped = false;
  private hasContent = false;
  private depth = 0;
  private csvState = CSV_FIELD_START;

  constructor(private readonly format: InputFormat) {}

  push(chunk: Buffer): void {
    if (this.format === 'json-array') {
      this.pushJson(chunk);
      return;
    }
    if (this.format === 'csv') {
      this.pushCsv(chunk);
      return;
    }
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === LF) {
        this.endLine();
      } else if (c !== CR && c !== 0x20 && c !== 0x09) {
        this.hasContent = true;
      }
    }
  }

  /**
   * RFC 4180 quoting: a quote opens a quoted field only at the start of a field (`27" monitor` is
   * plain text), `""` inside one is a quote, and line breaks inside one are not record ends.
   */
  private pushCsv(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      const state = this.csvState;
      if (state === CSV_QUOTED) {
        if (c === QUOTE) this.csvState = CSV_QUOTE_IN_QUOTED;
        continue;
      }
      if (state === CSV_QUOTE_IN_QUOTED && c === QUOTE) {
        this.csvState = CSV_QUOTED;
        continue;
      }
      if (c === LF) {
        this.endLine();
        this.csvState = CSV_FIELD_START;
      } else if (c === COMMA) {
        this.hasContent = true;
        this.csvState = CSV_FIELD_START;
      } else if (c === QUOTE && state === CSV_FIELD_START) {
        this.hasContent = true;
        this.csvState = CSV_QUOTED;
      } else if (c !== CR && c !== 0x20 && c !== 0x09) {
        this.hasContent = true;
        this.csvState = CSV_UNQUOTED;
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
