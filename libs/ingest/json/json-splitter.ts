export type JsonFormat = 'json-array' | 'ndjson';

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Finds record boundaries in raw JSON bytes without parsing values, so that a file can be cut into
 * pieces that parse independently (one per worker thread), and counts the records of each piece.
 *
 * - ndjson: a boundary is just past a LF; a record is a line holding a non-whitespace byte.
 * - json-array: a boundary is just past a ',' directly inside the top-level array; a record is a
 *   value directly inside it, counted at the ',' or ']' that ends it.
 *
 * Bytes are enough: in UTF-8 no byte of a multi-byte character is below 0x80. Nothing is validated
 * (parseJsonPiece reports syntax errors); garbage only makes the cuts and counts meaningless, and
 * every chunk is still scanned once, in linear time, without throwing.
 */
export class JsonSplitter {
  private readonly isNdjson: boolean;
  /** Bytes of a leading UTF-8 BOM matched so far; -1 once past the start of the file. */
  private bomMatched = 0;
  /** Records that end at or before the last boundary returned, not yet taken. */
  private recordsUntaken = 0;
  /** Records that end after the last boundary returned. */
  private recordsOpen = 0;

  // ndjson: the current (unfinished) line already holds a non-whitespace byte.
  private hasLineContent = false;

  // json-array: nesting depth (clamped at 0), string state, and whether a value has started
  // at depth 1 since the last ',' there (so '[]' and '[1,]' count no record for the ']').
  private depth = 0;
  private isInString = false;
  /** Inside a string, the previous chunk ended on an odd run of backslashes. */
  private isEscaped = false;
  private hasValue = false;

  constructor(format: JsonFormat) {
    this.isNdjson = format === 'ndjson';
  }

  /**
   * Offset just past the last record boundary in `chunk` (relative to chunk), or -1 when no
   * record ends in it.
   */
  lastBoundary(chunk: Buffer): number {
    const from = this.bomMatched >= 0 ? this.skipBom(chunk) : 0;
    return this.isNdjson ? this.scanLines(chunk, from) : this.scanArray(chunk, from);
  }

  /**
   * Records that end between the previous boundary returned and the one just returned (i.e. in
   * the piece the caller cuts there).
   */
  takeRecordCount(): number {
    const count = this.recordsUntaken;
    this.recordsUntaken = 0;
    return count;
  }

  /**
   * At end of input: the number of records in the bytes after the last boundary (the final
   * piece).
   */
  finish(): number {
    // A final ndjson line without LF is a record; an unfinished json-array value is not counted
    // (the parser reports it as a syntax error).
    const count = this.recordsOpen + (this.isNdjson && this.hasLineContent ? 1 : 0);
    this.recordsOpen = 0;
    this.hasLineContent = false;
    return count;
  }

  /** Steps over a leading BOM, possibly split over chunks; returns where scanning starts. */
  private skipBom(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length) {
      if (chunk[i] !== BOM[this.bomMatched]) {
        // A partial BOM is ordinary (non-whitespace) content.
        this.hasLineContent = this.bomMatched > 0;
        this.bomMatched = -1;
        return i;
      }
      i++;
      if (++this.bomMatched === BOM.length) {
        this.bomMatched = -1;
        return i;
      }
    }
    return i;
  }

  private scanLines(chunk: Buffer, from: number): number {
    const lastLf = chunk.lastIndexOf(LF);
    let i = from;
    let hasContent = this.hasLineContent;
    if (lastLf >= i) {
      let records = 0;
      while (i <= lastLf) {
        if (!hasContent) {
          // Only leading whitespace is looked at: a line starting with anything else is a record.
          let c = chunk[i];
          while (c === SPACE || c === TAB || c === CR) {
            c = chunk[++i];
          }
          if (c === LF) {
            i++;
            continue;
          }
        }
        records++;
        hasContent = false;
        i = chunk.indexOf(LF, i) + 1;
      }
      this.recordsUntaken += this.recordsOpen + records;
      this.recordsOpen = 0;
    }
    if (!hasContent) {
      const n = chunk.length;
      let c = chunk[i];
      while (i < n && (c === SPACE || c === TAB || c === CR)) {
        c = chunk[++i];
      }
      hasContent = i < n;
    }
    this.hasLineContent = hasContent;
    return lastLf >= from ? lastLf + 1 : -1;
  }

  private scanArray(chunk: Buffer, from: number): number {
    const n = chunk.length;
    let i = from;
    let boundary = -1;
    let depth = this.depth;
    let hasValue = this.hasValue;
    let open = this.recordsOpen;
    if (this.isInString) {
      i = this.endOfString(chunk, i);
      if (i === -1) {
        return -1;
      }
      this.isInString = false;
    }
    while (i < n) {
      const c = chunk[i++];
      if (c <= SPACE) {
        continue;
      }
      if (c === QUOTE) {
        hasValue ||= depth === 1;
        i = this.endOfString(chunk, i);
        if (i === -1) {
          this.isInString = true;
          break;
        }
      } else if (c === COMMA) {
        if (depth === 1) {
          this.recordsUntaken += open + (hasValue ? 1 : 0);
          open = 0;
          hasValue = false;
          boundary = i;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        hasValue ||= depth === 1;
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === 1 && hasValue) {
          open++;
          hasValue = false;
        }
        if (depth > 0) {
          depth--;
        }
      } else {
        hasValue ||= depth === 1;
      }
    }
    this.depth = depth;
    this.hasValue = hasValue;
    this.recordsOpen = open;
    return boundary;
  }

  /**
   * From `i` inside a string, returns the index just past its closing quote, or -1 when the string
   * goes on past the chunk. A quote is escaped when an odd run of backslashes precedes it; `i` is
   * never inside an escape, so a run starting at `i` counts from there (isEscaped carries the
   * parity of a run cut by the chunk's end).
   */
  private endOfString(chunk: Buffer, i: number): number {
    const n = chunk.length;
    if (this.isEscaped) {
      if (i >= n) {
        return -1;
      }
      this.isEscaped = false;
      i++;
    }
    for (;;) {
      const q = chunk.indexOf(QUOTE, i);
      const end = q === -1 ? n : q;
      let k = end;
      while (k > i && chunk[k - 1] === BACKSLASH) {
        k--;
      }
      const isOdd = ((end - k) & 1) === 1;
      if (q === -1) {
        this.isEscaped = isOdd;
        return -1;
      }
      if (!isOdd) {
        return q + 1;
      }
      i = q + 1;
    }
  }
}
