import { isAscii } from 'buffer';
import { StringDecoder } from 'string_decoder';

/**
 * Receives one parsed record.
 * @param fields the record's fields, unquoted and unescaped
 * @param line   1-based physical line number on which the record starts
 */
export type RecordHandler = (fields: string[], line: number) => void;

export interface CsvParserOptions {
  /** Single-character field delimiter. Default ','. */
  delimiter?: string;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const BOM = 0xfeff;

/* Record-end scanner states (only what is needed to know whether a LF ends the record). */
const S_FIELD_START = 0;
const S_UNQUOTED = 1;
const S_QUOTED = 2;
/** Just saw a '"' inside a quoted field: either the first half of '""' or the closing quote. */
const S_QUOTE_IN_QUOTED = 3;

/**
 * Streaming RFC 4180 CSV parser, tuned for throughput.
 *
 * - Input is raw UTF-8 bytes (multi-byte characters may be split across chunks; a leading BOM is dropped).
 * - Records end at LF or CRLF outside quotes; a CR not followed by LF is data.
 * - Quoted fields may contain delimiters, CR, LF and '""' escapes; the quotes are removed.
 * - Lenient where the RFC is silent: a '"' inside an unquoted field is literal; text between a closing quote
 *   and the next delimiter is appended to the field ('"ab"c' -> 'abc'); an unterminated quote at end of input
 *   runs to the end of input.
 * - Empty lines ('' or '\r') produce no record but are counted in line numbers.
 *
 * Design: text without any '"' (the common case) is split with indexOf only; records containing a '"' go
 * through a small state machine. A record that is not complete at the end of a chunk is kept as a list of
 * pieces plus the scanner state, so a huge record spanning many chunks is still scanned in linear time.
 *
 * Fields of the fast path are substrings of the decoded chunk; V8 may keep the chunk alive while such a
 * field is referenced. Consumers that retain fields for long should copy them.
 */
export class CsvParser {
  private readonly delim: string;
  private readonly delimCode: number;
  private readonly decoder = new StringDecoder('utf8');
  private bomChecked = false;

  /** Pieces of an incomplete record carried over from previous chunks (empty when none). */
  private pending: string[] = [];
  /** Scanner state at the end of `pending`. */
  private pendingState = S_FIELD_START;
  /** Scanner state left by the last scanEnd() that returned -1. */
  private scanState = S_FIELD_START;

  /** Source string and bounds of the record being delivered, for currentRaw(). */
  private rawSrc = '';
  private rawStart = 0;
  private rawEnd = 0;

  private lines = 0;

  constructor(options?: CsvParserOptions) {
    const delimiter = options?.delimiter ?? ',';
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new Error(`CsvParser: delimiter must be a single character other than '"', CR and LF (got ${JSON.stringify(delimiter)})`);
    }
    this.delim = delimiter;
    this.delimCode = delimiter.charCodeAt(0);
  }

  /** Number of physical lines consumed so far. */
  get linesRead(): number {
    return this.lines;
  }

  /**
   * Valid only while inside onRecord: the raw text of the current record exactly as in the file,
   * without its line terminator (for quoted multi-line records, the whole multi-line text).
   */
  currentRaw(): string {
    return this.rawSrc.slice(this.rawStart, this.rawEnd);
  }

  /**
   * Valid only while inside onRecord: where currentRaw() would slice from, without slicing
   * (callers that keep many raw records for later keep these three values instead).
   */
  get currentRawSource(): string {
    return this.rawSrc;
  }

  get currentRawStart(): number {
    return this.rawStart;
  }

  get currentRawEnd(): number {
    return this.rawEnd;
  }

  /** Feeds raw UTF-8 bytes; calls onRecord synchronously for every record completed by this chunk. */
  push(chunk: Buffer, onRecord: RecordHandler): void {
    let text = this.decoder.write(chunk);
    if (!this.bomChecked) {
      if (text.length === 0) return; // possibly a BOM split across chunks: wait for more bytes
      this.bomChecked = true;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    if (text.length === 0) return;
    this.feed(text, onRecord);
  }

  /**
   * Feeds a whole piece that ends on a record boundary (no character split at its end): an ASCII
   * piece skips UTF-8 decoding (a latin1 copy costs ~60 % of it). Follow with end().
   */
  pushWhole(piece: Buffer, onRecord: RecordHandler): void {
    if (!isAscii(piece)) {
      this.push(piece, onRecord);
      return;
    }
    // A BOM is not ASCII: an ASCII piece has none to drop.
    this.bomChecked = true;
    if (piece.length > 0) {
      this.feed(piece.toString('latin1'), onRecord);
    }
  }

  /** Flushes the final record (a last line without a trailing newline). Call once, at end of input; linesRead stays valid. */
  end(onRecord: RecordHandler): void {
    let text = this.decoder.end();
    if (!this.bomChecked && text.length > 0) {
      this.bomChecked = true;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    if (text.length > 0) this.feed(text, onRecord);

    if (this.pending.length > 0) {
      const rec = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
      const state = this.pendingState;
      this.pending = [];
      this.pendingState = S_FIELD_START;
      let end = rec.length;
      // A trailing CR at end of input is treated as a truncated CRLF (unless inside an open quote).
      if (state !== S_QUOTED && end > 0 && rec.charCodeAt(end - 1) === CR) end--;
      this.emit(rec, 0, end, onRecord);
    }
    this.rawSrc = '';
  }

  /** Consumes decoded text. */
  private feed(s: string, onRecord: RecordHandler): void {
    let pos = 0;
    if (this.pending.length > 0) {
      // Continue the incomplete record: look for its end in the new text only.
      const e = this.scanEnd(s, 0, this.pendingState);
      if (e === -1) {
        this.pending.push(s);
        this.pendingState = this.scanState;
        return;
      }
      this.pending.push(s.slice(0, e));
      const rec = this.pending.join('');
      this.pending = [];
      this.pendingState = S_FIELD_START;
      let end = rec.length;
      if (end > 0 && rec.charCodeAt(end - 1) === CR) end--;
      this.emit(rec, 0, end, onRecord);
      pos = e + 1;
    }

    const n = s.length;
    const delim = this.delim;
    let scanned = false; // true when scanEnd already ran over the incomplete tail
    let q = s.indexOf('"', pos);
    if (q === -1) q = n;
    while (pos < n) {
      const nl = s.indexOf('\n', pos);
      if (q < pos) {
        q = s.indexOf('"', pos);
        if (q === -1) q = n;
      }
      if (nl === -1) break;
      if (nl < q) {
        // Fast path: no quote in this record.
        let end = nl;
        if (end > pos && s.charCodeAt(end - 1) === CR) end--;
        const line = ++this.lines;
        if (end > pos) {
          const fields: string[] = [];
          let start = pos;
          for (;;) {
            const d = s.indexOf(delim, start);
            if (d === -1 || d >= end) {
              fields.push(s.slice(start, end));
              break;
            }
            fields.push(s.slice(start, d));
            start = d + 1;
          }
          this.rawSrc = s;
          this.rawStart = pos;
          this.rawEnd = end;
          onRecord(fields, line);
        }
        pos = nl + 1;
        continue;
      }
      // Slow path: the record contains a quote.
      const e = this.scanEnd(s, pos, S_FIELD_START);
      if (e === -1) {
        scanned = true;
        break;
      }
      let end = e;
      if (end > pos && s.charCodeAt(end - 1) === CR) end--;
      this.emit(s, pos, end, onRecord);
      pos = e + 1;
    }

    if (pos < n) {
      // Incomplete last record: keep it with its scanner state.
      if (!scanned) this.scanEnd(s, pos, S_FIELD_START);
      this.pending.push(pos === 0 ? s : s.slice(pos));
      this.pendingState = this.scanState;
    }
  }

  /**
   * Finds the LF terminating the record that continues at s[from] in scanner state `state`.
   * Returns its index, or -1 (with this.scanState set to the state at the end of s) if the record continues.
   */
  private scanEnd(s: string, from: number, state: number): number {
    const n = s.length;
    const delimCode = this.delimCode;
    let i = from;
    let st = state;
    while (i < n) {
      if (st === S_QUOTED) {
        const qq = s.indexOf('"', i);
        if (qq === -1) {
          i = n;
          break;
        }
        i = qq + 1;
        st = S_QUOTE_IN_QUOTED;
        continue;
      }
      const c = s.charCodeAt(i);
      if (st === S_QUOTE_IN_QUOTED && c === QUOTE) {
        st = S_QUOTED; // escaped quote
      } else if (c === LF) {
        return i;
      } else if (c === delimCode) {
        st = S_FIELD_START;
      } else if (c === QUOTE && st === S_FIELD_START) {
        st = S_QUOTED;
      } else {
        st = S_UNQUOTED;
      }
      i++;
    }
    this.scanState = st;
    return -1;
  }

  /** Parses the complete record s[start, end) (terminator already removed), which may contain quotes, and delivers it. */
  private emit(s: string, start: number, end: number, onRecord: RecordHandler): void {
    // Line accounting: the record starts on the next line and spans 1 + (embedded LFs) lines.
    const line = this.lines + 1;
    let lf = s.indexOf('\n', start);
    let count = 1;
    while (lf !== -1 && lf < end) {
      count++;
      lf = s.indexOf('\n', lf + 1);
    }
    // LFs strictly inside [start, end); the terminator is outside the range.
    this.lines += count;
    if (end === start) return; // empty line

    const delim = this.delim;
    const fields: string[] = [];
    let i = start;
    for (;;) {
      if (i < end && s.charCodeAt(i) === QUOTE) {
        // Quoted field.
        let val = '';
        i++;
        let seg = i;
        for (;;) {
          const qq = s.indexOf('"', i);
          if (qq === -1 || qq >= end) {
            // Unterminated quote (only possible at end of input): take the rest as data.
            val += s.slice(seg, end);
            i = end;
            break;
          }
          if (qq + 1 < end && s.charCodeAt(qq + 1) === QUOTE) {
            val += s.slice(seg, qq + 1);
            i = qq + 2;
            seg = i;
            continue;
          }
          val += s.slice(seg, qq);
          i = qq + 1;
          break;
        }
        // Anything between the closing quote and the next delimiter is kept.
        let d = s.indexOf(delim, i);
        if (d === -1 || d >= end) d = end;
        if (d > i) val += s.slice(i, d);
        fields.push(val);
        if (d >= end) break;
        i = d + 1;
      } else {
        const d = s.indexOf(delim, i);
        if (d === -1 || d >= end) {
          fields.push(s.slice(i, end));
          break;
        }
        fields.push(s.slice(i, d));
        i = d + 1;
      }
    }
    this.rawSrc = s;
    this.rawStart = start;
    this.rawEnd = end;
    onRecord(fields, line);
  }
}
