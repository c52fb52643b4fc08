const LF = 10;
const QUOTE = 34;
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Finds record boundaries in raw CSV bytes without parsing fields, so that a file can be cut into
 * pieces that parse independently (one per worker thread). It follows CsvParser's rules exactly:
 * a '"' opens a quoted field only at the start of a field (after a delimiter, a LF, or at the very
 * start), '""' inside quotes is an escaped quote, and a record ends at a LF outside quotes.
 * Bytes are enough: in UTF-8 no byte of a multi-byte character is below 0x80.
 */
export class RecordSplitter {
  private isQuoted = false;
  /** The previous chunk ended on a '"' inside quotes: closing quote or first half of '""'. */
  private isQuotePending = false;
  /** Last byte before the current chunk (LF at the start of the file: a field starts there). */
  private previousByte = LF;
  /** Bytes of a leading UTF-8 BOM matched so far; -1 once past the start of the file. */
  private bomMatched = 0;

  constructor(private readonly delimiter = 44 /* , */) {}

  /** After the last chunk: whether the input ended inside a quoted field (a quote never closed). */
  get isInsideQuotes(): boolean {
    return this.isQuoted && !this.isQuotePending;
  }

  /** Offset just past the last record-ending LF in `chunk`, or -1 when no record ends in it. */
  lastBoundary(chunk: Buffer): number {
    let i = 0;
    let boundary = -1;
    let firstFieldAt = -1;
    const n = chunk.length;
    // A BOM (possibly split over chunks) is dropped by the parser: the first field starts after it.
    while (this.bomMatched >= 0 && i < n) {
      if (chunk[i] !== BOM[this.bomMatched]) {
        this.bomMatched = -1;
        break;
      }
      i++;
      if (++this.bomMatched === 3) {
        this.bomMatched = -1;
        firstFieldAt = i;
        if (i === n) {
          this.previousByte = LF;
          return -1;
        }
      }
    }
    if (this.isQuotePending && n > 0) {
      this.isQuotePending = false;
      if (chunk[0] === QUOTE) {
        i = Math.max(i, 1); // escaped quote: still inside
      } else {
        this.isQuoted = false;
      }
    }
    while (i < n) {
      if (this.isQuoted) {
        const q = chunk.indexOf(QUOTE, i);
        if (q === -1) {
          i = n;
          break;
        }
        if (q === n - 1) {
          this.isQuotePending = true;
          i = n;
          break;
        }
        if (chunk[q + 1] === QUOTE) {
          i = q + 2;
          continue;
        }
        this.isQuoted = false;
        i = q + 1;
        continue;
      }
      const q = chunk.indexOf(QUOTE, i);
      const segmentEnd = q === -1 ? n : q;
      const lf = segmentEnd > i ? chunk.lastIndexOf(LF, segmentEnd - 1) : -1;
      if (lf >= i) {
        boundary = lf + 1;
      }
      if (q === -1) {
        break;
      }
      const before = q > 0 ? chunk[q - 1] : this.previousByte;
      if (q === firstFieldAt || before === this.delimiter || before === LF) {
        this.isQuoted = true;
      }
      i = q + 1;
    }
    if (n > 0) {
      this.previousByte = chunk[n - 1];
    }
    return boundary;
  }
}
