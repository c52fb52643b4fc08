/** Any character that needs escaping in PostgreSQL COPY TEXT format. */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPABLE = /[\\\t\n\r]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '\\':
      return '\\\\';
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    default:
      return '\\r';
  }
}

/** Escapes one non-null value for COPY TEXT format (returns it unchanged when nothing needs escaping). */
export function escapeCopyValue(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPABLE, escapeChar) : value;
}

/**
 * Encodes one row for PostgreSQL COPY ... FROM STDIN in TEXT format: values joined by \t, terminated by \n;
 * null -> \N; backslash, tab, newline and carriage return escaped as \\ \t \n \r.
 * An empty string stays empty (it is not NULL).
 */
export function encodeCopyRow(values: ReadonlyArray<string | null>): string {
  const n = values.length;
  let out = '';
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (i > 0) out += '\t';
    if (v == null)
      out += '\\N'; // undefined (untyped callers) is treated as NULL too
    else out += NEEDS_ESCAPE.test(v) ? v.replace(ESCAPABLE, escapeChar) : v;
  }
  return out + '\n';
}

const ESCAPED = /\\(.)/g;
const UNESCAPE: Record<string, string> = { t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v', '\\': '\\' };

/**
 * Decodes one row PostgreSQL wrote with COPY … TO STDOUT in TEXT format (without its line end):
 * fields split at tabs, `\N` → null, backslash escapes undone.
 */
export function decodeCopyRow(line: string): Array<string | null> {
  return line.split('\t').map((field) => {
    if (field === '\\N') {
      return null;
    }
    return field.includes('\\') ? field.replace(ESCAPED, (_m, c: string) => UNESCAPE[c] ?? c) : field;
  });
}

const TAB = 9;
const LF = 10;
const CR = 13;
const BACKSLASH = 92;
const CH_0 = 48;

/**
 * Writes COPY text rows straight into bytes, with no string per row: for tables of millions of
 * rows built in one go (a string and a tuple per row left that much garbage on the importing
 * thread's heap, ~100 MB at a million customers, before V8 collected it).
 */
export class CopyTextWriter {
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  private isRowStart = true;

  /** Bytes written and not yet taken. */
  get size(): number {
    return this.pos;
  }

  /** A text value (escaped as COPY text needs). */
  text(value: string): this {
    this.separate();
    this.ensure(value.length * 6 + 1);
    const buf = this.buf;
    let i = 0;
    for (; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c > 127 || c === TAB || c === LF || c === CR || c === BACKSLASH) {
        break;
      }
      buf[this.pos + i] = c;
    }
    if (i === value.length) {
      this.pos += i;
      return this;
    }
    this.pos += buf.write(escapeCopyValue(value), this.pos);
    return this;
  }

  /** A non-negative integer below 2^53, written as decimal digits, left-padded with zeros to `width`. */
  digits(value: number, width = 1, prefix = ''): this {
    this.separate();
    this.ensure(prefix.length + Math.max(width, 16));
    for (let i = 0; i < prefix.length; i++) {
      this.buf[this.pos++] = prefix.charCodeAt(i);
    }
    let n = 0;
    for (let v = value; v > 0 || n === 0; v = Math.floor(v / 10)) {
      n++;
    }
    const length = Math.max(n, width);
    let v = value;
    for (let i = length - 1; i >= 0; i--) {
      const d = v % 10;
      this.buf[this.pos + i] = CH_0 + d;
      v = (v - d) / 10;
    }
    this.pos += length;
    return this;
  }

  endRow(): void {
    this.ensure(1);
    this.buf[this.pos++] = LF;
    this.isRowStart = true;
  }

  /** The bytes so far as a buffer of their own, or null when none. */
  take(): Buffer | null {
    if (this.pos === 0) {
      return null;
    }
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  private separate(): void {
    if (!this.isRowStart) {
      this.ensure(1);
      this.buf[this.pos++] = TAB;
    }
    this.isRowStart = false;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
  }
}

/** Runs `write` over `items` into a CopyTextWriter, yielding its bytes about every `chunkBytes`. */
export function* copyTextChunks<T>(items: Iterable<T>, write: (w: CopyTextWriter, item: T) => void, chunkBytes = 1 << 20): Generator<Buffer> {
  const writer = new CopyTextWriter();
  for (const item of items) {
    write(writer, item);
    if (writer.size >= chunkBytes) {
      yield writer.take()!;
    }
  }
  const last = writer.take();
  if (last) {
    yield last;
  }
}
