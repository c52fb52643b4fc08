import type { JsonFormat } from './json-splitter';
import { plainDecimal } from './plain-decimal';

/** Receives the records of one piece, in order. */
export interface JsonRecordSink {
  /**
   * A flat object: its member names and values in order. Values: a JSON string unescaped; a number
   * as its plain-decimal text (see plainDecimal); true/false as 'true'/'false'; null as null.
   * Duplicate member names are all reported in order (the caller keeps the last).
   * `names` and `values` are reused for the next record: copy what you need, never keep them.
   * Strings may be slices of the piece's text (V8 may keep the piece alive while they live).
   * `text.slice(rawStart, rawEnd)` is the record's own JSON text.
   */
  record(names: string[], values: Array<string | null>, ordinal: number, rawStart: number, rawEnd: number): void;
  /**
   * A record that is not a flat object: a scalar, an array, or an object with a nested
   * object/array value. Reported, not thrown (the import rejects it as INVALID_JSON_RECORD).
   */
  invalid(ordinal: number, rawStart: number, rawEnd: number, why: string): void;
}

export interface JsonPieceOptions {
  /** The piece starts the file: it may start with a BOM, and (json-array) must open the array. */
  isFirst: boolean;
  /** The piece ends the file: (json-array) it must close the array. */
  isLast: boolean;
  /** Ordinal of the piece's first record: 1 + the records of all earlier pieces. */
  firstOrdinal: number;
}

/** Malformed JSON; `offset` is the char index into the piece's text where the problem is. */
export class JsonSyntaxError extends Error {
  constructor(
    /** What is wrong, without the offset. */
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const PLUS = 0x2b;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const LOWER_U = 0x75;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BOM = 0xfeff;
/** Strings longer than this are searched with indexOf. */
const SHORT_STRING = 32;
/** What ends the fast path of a string: a backslash or a raw control character. */
// eslint-disable-next-line no-control-regex -- matching the raw control characters JSON forbids in strings is the point
const SPECIAL = /[\x00-\x1f\\]/g;

/** Single-character escapes: the char after '\\' -> its value (`\u` is handled apart). */
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Parses one decoded piece cut by JsonSplitter and reports each record to `sink`.
 * Values are strict RFC 8259 JSON; a piece that is not the last ends right after a ','
 * (json-array) or anywhere between lines (ndjson). Throws JsonSyntaxError on malformed input.
 * Returns the number of records seen (valid and invalid).
 */
export function parseJsonPiece(text: string, format: JsonFormat, opts: JsonPieceOptions, sink: JsonRecordSink): number {
  const parser = new PieceParser(text, format === 'ndjson', sink, opts.firstOrdinal);
  return format === 'ndjson' ? parser.parseLines(opts.isFirst) : parser.parseArray(opts.isFirst, opts.isLast);
}

class PieceParser {
  private pos = 0;
  private readonly n: number;
  private ordinal: number;
  private count = 0;
  /**
   * Index of the next '\\' or control char at or after the last long string looked up (n when
   * none): long strings that close before it need no escape or control-char check. Searched again
   * only once passed, so the piece is read once.
   */
  private nextSpecial = -1;
  // Reused for every record (the sink must not keep them).
  private readonly names: string[] = [];
  private readonly values: Array<string | null> = [];
  /** Closing chars of the containers open while skipping a nested value. */
  private readonly closers: number[] = [];

  constructor(
    private readonly text: string,
    /** ndjson: a record is one line, so LF is not whitespace inside it. */
    private readonly isNdjson: boolean,
    private readonly sink: JsonRecordSink,
    firstOrdinal: number,
  ) {
    this.n = text.length;
    this.ordinal = firstOrdinal;
  }

  parseLines(isFirst: boolean): number {
    if (isFirst && this.text.charCodeAt(0) === BOM) {
      this.pos = 1;
    }
    for (;;) {
      let c = this.skipWhitespace();
      if (this.pos >= this.n) {
        return this.count;
      }
      if (c !== LF) {
        this.parseRecord();
        c = this.skipWhitespace();
        if (this.pos >= this.n) {
          return this.count;
        }
        if (c !== LF) {
          this.fail(this.pos, `unexpected ${this.describe(this.pos)} after the record; expected the end of the line`);
        }
      }
      this.pos++;
    }
  }

  parseArray(isFirst: boolean, isLast: boolean): number {
    if (isFirst) {
      if (this.text.charCodeAt(0) === BOM) {
        this.pos = 1;
      }
      if (this.skipWhitespace() !== OPEN_BRACKET) {
        this.unexpected("'[' (a json-array file is one JSON array)");
      }
      this.pos++;
      if (this.skipWhitespace() === CLOSE_BRACKET) {
        this.closeArray(isLast);
        return this.count;
      }
    } else {
      this.skipWhitespace();
    }
    for (;;) {
      // A value is expected here: a piece that is not the last may end at this point (its cut).
      if (this.pos >= this.n && !isLast) {
        return this.count;
      }
      this.parseRecord();
      const c = this.skipWhitespace();
      if (c === CLOSE_BRACKET) {
        this.closeArray(isLast);
        return this.count;
      }
      if (c !== COMMA) {
        this.unexpected("',' or ']'");
      }
      this.pos++;
      this.skipWhitespace();
    }
  }

  private closeArray(isLast: boolean): void {
    if (!isLast) {
      this.fail(this.pos, "the array closes with ']' before the end of the file");
    }
    this.pos++;
    this.skipWhitespace();
    if (this.pos < this.n) {
      this.fail(this.pos, `unexpected ${this.describe(this.pos)} after the closing ']'`);
    }
  }

  /** Parses the record starting at pos (whitespace skipped) and reports it. */
  private parseRecord(): void {
    const start = this.pos;
    const ordinal = this.ordinal++;
    this.count++;
    if (this.text.charCodeAt(start) !== OPEN_BRACE) {
      this.skipValue();
      this.sink.invalid(ordinal, start, this.pos, 'not an object');
      return;
    }
    const why = this.parseMembers();
    if (why === null) {
      this.sink.record(this.names, this.values, ordinal, start, this.pos);
    } else {
      this.sink.invalid(ordinal, start, this.pos, why);
    }
  }

  /**
   * Parses an object from its '{' into names/values; returns null, or why the record is not flat
   * (its nested values are still parsed strictly, then skipped).
   */
  private parseMembers(): string | null {
    const { names, values } = this;
    let why: string | null = null;
    let count = 0;
    this.pos++;
    let c = this.skipWhitespace();
    if (c === CLOSE_BRACE) {
      this.pos++;
    } else {
      for (;;) {
        if (c !== QUOTE) {
          this.unexpected('a member name (a string)');
        }
        const name = this.readString();
        if (this.skipWhitespace() !== COLON) {
          this.unexpected("':'");
        }
        this.pos++;
        c = this.skipWhitespace();
        let value: string | null = null;
        if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          const kind = c === OPEN_BRACE ? 'an object' : 'an array';
          why ??= `member ${JSON.stringify(name)} is ${kind}`;
          this.skipValue();
        } else {
          value = this.readScalar(c);
        }
        names[count] = name;
        values[count] = value;
        count++;
        c = this.skipWhitespace();
        if (c === CLOSE_BRACE) {
          this.pos++;
          break;
        }
        if (c !== COMMA) {
          this.unexpected("',' or '}'");
        }
        this.pos++;
        c = this.skipWhitespace();
      }
    }
    // Setting length costs even when it does not change, and records mostly have the same shape.
    if (names.length !== count) {
      names.length = count;
      values.length = count;
    }
    return why;
  }

  /** Parses and discards one value of any kind, without recursion; deep nesting cannot overflow. */
  private skipValue(): void {
    const closers = this.closers;
    let depth = 0;
    for (;;) {
      // A value starts at pos.
      let c = this.text.charCodeAt(this.pos);
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        const closer = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        this.pos++;
        if (this.skipWhitespace() !== closer) {
          closers[depth++] = closer;
          if (closer === CLOSE_BRACE) {
            this.skipMemberName();
          }
          continue;
        }
        this.pos++;
      } else {
        this.readScalar(c);
      }
      // After a value: close finished containers, then go on to the next element.
      for (;;) {
        if (depth === 0) {
          return;
        }
        c = this.skipWhitespace();
        const closer = closers[depth - 1];
        if (c === closer) {
          this.pos++;
          depth--;
          continue;
        }
        if (c !== COMMA) {
          this.unexpected(closer === CLOSE_BRACE ? "',' or '}'" : "',' or ']'");
        }
        this.pos++;
        this.skipWhitespace();
        if (closer === CLOSE_BRACE) {
          this.skipMemberName();
        }
        break;
      }
    }
  }

  /** `"name" :` and the whitespace after it, inside a skipped object. */
  private skipMemberName(): void {
    if (this.text.charCodeAt(this.pos) !== QUOTE) {
      this.unexpected('a member name (a string)');
    }
    this.readString();
    if (this.skipWhitespace() !== COLON) {
      this.unexpected("':'");
    }
    this.pos++;
    this.skipWhitespace();
  }

  /** A string, number or literal starting at pos with char code `c`. */
  private readScalar(c: number): string | null {
    if (c === QUOTE) {
      return this.readString();
    }
    if (c === MINUS || (c >= ZERO && c <= NINE)) {
      return this.readNumber();
    }
    if (c === LOWER_T) {
      return this.readLiteral('true');
    }
    if (c === LOWER_F) {
      return this.readLiteral('false');
    }
    if (c === LOWER_N) {
      this.readLiteral('null');
      return null;
    }
    return this.unexpected('a value');
  }

  /** The string whose opening quote is at pos, unescaped; pos moves past its closing quote. */
  private readString(): string {
    const s = this.text;
    const start = this.pos + 1;
    // Short strings (the common case): one tight loop finds the quote and rejects what needs care.
    const limit = start + SHORT_STRING;
    let k = start;
    let c = s.charCodeAt(k);
    // NaN (end of input) fails `c >= SPACE` too.
    while (c !== QUOTE && c !== BACKSLASH && c >= SPACE && k < limit) {
      c = s.charCodeAt(++k);
    }
    if (c === QUOTE) {
      this.pos = k + 1;
      return s.slice(start, k);
    }
    if (k === limit) {
      return this.readLongString(start, k);
    }
    return this.readEscapedString(start);
  }

  /** A string with no escape nor control char in [start, from): native search from there on. */
  private readLongString(start: number, from: number): string {
    const s = this.text;
    const q = s.indexOf('"', from);
    if (this.nextSpecial < from) {
      SPECIAL.lastIndex = from;
      const m = SPECIAL.exec(s);
      this.nextSpecial = m === null ? this.n : m.index;
    }
    if (q === -1 || q > this.nextSpecial) {
      return this.readEscapedString(start);
    }
    this.pos = q + 1;
    return s.slice(start, q);
  }

  private readEscapedString(start: number): string {
    const s = this.text;
    const n = this.n;
    let out = '';
    let segment = start;
    let k = start;
    while (k < n) {
      const c = s.charCodeAt(k);
      if (c === QUOTE) {
        this.pos = k + 1;
        return out + s.slice(segment, k);
      }
      if (c === BACKSLASH) {
        out += s.slice(segment, k);
        if (s.charCodeAt(k + 1) === LOWER_U) {
          // One UTF-16 unit per escape: pairs join up, lone surrogates stay (as in JSON.parse).
          out += String.fromCharCode(this.readHex4(k + 2));
          k += 6;
        } else {
          const escaped = ESCAPES[s.charAt(k + 1)];
          if (escaped === undefined) {
            this.fail(k + 1, `invalid escape ${this.describe(k + 1)} in a string`);
          }
          out += escaped;
          k += 2;
        }
        segment = k;
        continue;
      }
      if (c < SPACE) {
        this.failControl(k);
      }
      k++;
    }
    return this.fail(n, 'unterminated string');
  }

  private readHex4(at: number): number {
    let code = 0;
    for (let k = at; k < at + 4; k++) {
      const c = this.text.charCodeAt(k);
      const lower = c | 0x20; // NaN (end of input) becomes 0x20: not a digit
      let digit: number;
      if (c >= ZERO && c <= NINE) {
        digit = c - ZERO;
      } else if (lower >= 0x61 && lower <= 0x66) {
        digit = lower - 0x57;
      } else {
        this.fail(k, `unexpected ${this.describe(k)} in a \\u escape; expected a hex digit`);
      }
      code = code * 16 + digit;
    }
    return code;
  }

  /** `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?` at pos, as plain-decimal text. */
  private readNumber(): string {
    const s = this.text;
    const start = this.pos;
    let p = start;
    let c = s.charCodeAt(p);
    if (c === MINUS) {
      c = s.charCodeAt(++p);
    }
    if (c === ZERO) {
      c = s.charCodeAt(++p);
      if (c >= ZERO && c <= NINE) {
        this.fail(p, 'leading zero in a number');
      }
    } else {
      p = this.digits(p);
      c = s.charCodeAt(p);
    }
    if (c === DOT) {
      p = this.digits(p + 1);
      c = s.charCodeAt(p);
    }
    let hasExponent = false;
    if (c === LOWER_E || c === UPPER_E) {
      hasExponent = true;
      c = s.charCodeAt(++p);
      p = this.digits(c === MINUS || c === PLUS ? p + 1 : p);
    }
    this.pos = p;
    const numberText = s.slice(start, p);
    return hasExponent ? plainDecimal(numberText) : numberText;
  }

  /** One or more digits from `p`; returns the index past them. */
  private digits(p: number): number {
    const s = this.text;
    let c = s.charCodeAt(p);
    if (!(c >= ZERO && c <= NINE)) {
      this.fail(p, `unexpected ${this.describe(p)} in a number; expected a digit`);
    }
    do {
      c = s.charCodeAt(++p);
    } while (c >= ZERO && c <= NINE);
    return p;
  }

  private readLiteral(word: 'true' | 'false' | 'null'): string {
    const s = this.text;
    const start = this.pos;
    if (!s.startsWith(word, start)) {
      let k = start + 1;
      while (k < this.n && s.charCodeAt(k) === word.charCodeAt(k - start)) {
        k++;
      }
      this.fail(k, `unexpected ${this.describe(k)} in the literal '${word}'`);
    }
    this.pos = start + word.length;
    return word;
  }

  /** Moves pos past whitespace (not LF in ndjson); returns the char code there (NaN at the end). */
  private skipWhitespace(): number {
    const s = this.text;
    let p = this.pos;
    let c = s.charCodeAt(p);
    if (c > SPACE) {
      return c; // compact JSON: no whitespace at all between tokens
    }
    const isLfSpace = !this.isNdjson;
    while (c === SPACE || c === TAB || c === CR || (c === LF && isLfSpace)) {
      c = s.charCodeAt(++p);
    }
    this.pos = p;
    return c;
  }

  private unexpected(expected: string): never {
    const p = this.pos;
    if (this.isNdjson && this.text.charCodeAt(p) === LF) {
      this.fail(p, `unexpected line break inside a record (ndjson records are one line); expected ${expected}`);
    }
    return this.fail(p, `unexpected ${this.describe(p)}; expected ${expected}`);
  }

  private failControl(at: number): never {
    return this.fail(at, `unescaped ${this.describe(at)} in a string`);
  }

  private describe(at: number): string {
    if (at >= this.n) {
      return 'end of input';
    }
    const code = this.text.codePointAt(at) as number;
    if (code < SPACE || code === 0x7f) {
      return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    }
    return `'${String.fromCodePoint(code)}'`;
  }

  private fail(offset: number, reason: string): never {
    throw new JsonSyntaxError(reason, offset);
  }
}
