/** Column types the binary COPY encoder can write. */
export type CopyFieldType = 'text' | 'int4' | 'int8' | 'date' | 'numeric' | 'timestamptz';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const TWO_32 = 4294967296;
/** Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
const PG_EPOCH_MICROS = 946684800000000;
/** Days between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
const PG_EPOCH_DAYS = 10957;
const NUMERIC_NEG = 0x4000;
const C0 = 48;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const num = (s: string, at: number, len: number): number => {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    v = v * 10 + (s.charCodeAt(i) - C0);
  }
  return v;
};

/**
 * Microseconds since 2000-01-01 UTC of a timestamp in the canonical form the cleaners emit:
 * `YYYY-MM-DD HH:MM:SS[.f{1,6}]±HH:MM`.
 */
export function pgTimestampMicros(s: string): number {
  const days = daysFromCivil(num(s, 0, 4), num(s, 5, 2), num(s, 8, 2));
  const seconds = days * 86400 + num(s, 11, 2) * 3600 + num(s, 14, 2) * 60 + num(s, 17, 2);
  const offsetAt = s.length - 6;
  let micros = 0;
  if (s.charCodeAt(19) === 46 /* . */) {
    const digits = offsetAt - 20;
    micros = num(s, 20, digits) * 10 ** (6 - digits);
  }
  const offsetSeconds = (num(s, offsetAt + 1, 2) * 3600 + num(s, offsetAt + 4, 2) * 60) * (s.charCodeAt(offsetAt) === 45 ? -1 : 1);
  return (seconds - offsetSeconds) * 1e6 + micros - PG_EPOCH_MICROS;
}

/** A decimal string as PostgreSQL's binary numeric: base-10000 digits with weight, sign and scale. */
export function numericParts(s: string): { digits: number[]; weight: number; sign: number; dscale: number } {
  let i = 0;
  let sign = 0;
  if (s.charCodeAt(0) === 45) {
    sign = NUMERIC_NEG;
    i = 1;
  } else if (s.charCodeAt(0) === 43) {
    i = 1;
  }
  const dot = s.indexOf('.', i);
  const intEnd = dot < 0 ? s.length : dot;
  const dscale = dot < 0 ? 0 : s.length - dot - 1;
  const digits: number[] = [];
  // Integer part, grouped in fours from the decimal point leftwards.
  const intLen = intEnd - i;
  const lead = (4 - (intLen % 4)) % 4;
  let group = 0;
  let filled = lead;
  for (let p = i; p < intEnd; p++) {
    group = group * 10 + (s.charCodeAt(p) - C0);
    if (++filled === 4) {
      digits.push(group);
      group = 0;
      filled = 0;
    }
  }
  let weight = digits.length - 1;
  // Fraction, grouped in fours rightwards, the last group padded with zeros.
  for (let p = intEnd + 1, k = 0; p < s.length; p++, k++) {
    group = group * 10 + (s.charCodeAt(p) - C0);
    if (k % 4 === 3) {
      digits.push(group);
      group = 0;
    }
  }
  if (dscale % 4 !== 0) {
    digits.push(group * 10 ** (4 - (dscale % 4)));
  }
  let start = 0;
  while (start < digits.length && digits[start] === 0) {
    start++;
    weight--;
  }
  let end = digits.length;
  while (end > start && digits[end - 1] === 0) {
    end--;
  }
  if (start === end) {
    return { digits: [], weight: 0, sign: 0, dscale };
  }
  return { digits: digits.slice(start, end), weight, sign, dscale };
}

/**
 * Encodes rows for `COPY … FROM STDIN WITH (FORMAT binary)`: PostgreSQL then stores values
 * without parsing text (timestamps and numerics are most of a typed text COPY's cost).
 * Each row is a line number (int4) followed by the values, typed by `types`.
 */
export class BinaryCopyEncoder {
  // A piece's rows take ~1.3 MiB; the buffer doubles for a larger one.
  private buf = Buffer.allocUnsafe(2 << 20);
  private pos = 0;
  private readonly numericScratch = new Int32Array(16);

  /** `withHeader: false` for pieces of a stream whose header another encoder (or header()) wrote. */
  constructor(
    private readonly types: ReadonlyArray<CopyFieldType>,
    withHeader = true,
  ) {
    if (withHeader) {
      BinaryCopyEncoder.header().copy(this.buf, 0);
      this.pos = 19;
    }
  }

  /** The 19-byte file header: signature, flags, header-extension length. */
  static header(): Buffer {
    const h = Buffer.alloc(19);
    SIGNATURE.copy(h, 0);
    return h;
  }

  /** The end-of-data marker. */
  static trailer(): Buffer {
    return Buffer.from([0xff, 0xff]);
  }

  writeRow(line: number, values: ReadonlyArray<string | null>): void {
    let textLength = 0;
    for (let i = 0; i < values.length; i++) {
      textLength += values[i]?.length ?? 0;
    }
    this.ensure(16 + values.length * 24 + textLength * 3);
    const buf = this.buf;
    buf.writeInt16BE(values.length + 1, this.pos);
    buf.writeInt32BE(4, this.pos + 2);
    buf.writeInt32BE(line, this.pos + 6);
    this.pos += 10;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) {
        buf.writeInt32BE(-1, this.pos);
        this.pos += 4;
        continue;
      }
      switch (this.types[i]) {
        case 'text':
          this.writeText(v);
          break;
        case 'int4':
          buf.writeInt32BE(4, this.pos);
          buf.writeInt32BE(Number(v), this.pos + 4);
          this.pos += 8;
          break;
        case 'int8': {
          // Cleaned integers stay within 2^53 (counts, cents), so a double holds them exactly.
          const n = Number(v);
          const hi = Math.floor(n / TWO_32);
          buf.writeInt32BE(8, this.pos);
          buf.writeInt32BE(hi, this.pos + 4);
          buf.writeUInt32BE(n - hi * TWO_32, this.pos + 8);
          this.pos += 12;
          break;
        }
        case 'date':
          // YYYY-MM-DD as days since 2000-01-01.
          buf.writeInt32BE(4, this.pos);
          buf.writeInt32BE(daysFromCivil(num(v, 0, 4), num(v, 5, 2), num(v, 8, 2)) - PG_EPOCH_DAYS, this.pos + 4);
          this.pos += 8;
          break;
        case 'timestamptz': {
          const micros = pgTimestampMicros(v);
          const hi = Math.floor(micros / TWO_32);
          buf.writeInt32BE(8, this.pos);
          buf.writeInt32BE(hi, this.pos + 4);
          buf.writeUInt32BE(micros - hi * TWO_32, this.pos + 8);
          this.pos += 12;
          break;
        }
        case 'numeric':
          this.writeNumeric(v);
          break;
      }
    }
  }

  /** The bytes so far (in a buffer of their own: the stream may hold on to it), or null when empty. */
  take(spare?: ArrayBuffer | null): Buffer | null {
    if (this.pos === 0) {
      return null;
    }
    // Its own ArrayBuffer (never Node's shared pool), so it can be transferred between threads:
    // a spare one handed back by the writer when it is large enough, else a new one with a
    // quarter of headroom (rounded to 64 KiB) so that it fits the next pieces once it is spare.
    const own = spare && spare.byteLength >= this.pos ? Buffer.from(spare) : Buffer.allocUnsafeSlow(Math.ceil((this.pos * 1.25) / 65536) * 65536);
    this.buf.copy(own, 0, 0, this.pos);
    const chunk = own.subarray(0, this.pos);
    this.pos = 0;
    return chunk;
  }

  /** Appends the end-of-data marker. */
  finish(): void {
    this.ensure(2);
    this.buf.writeInt16BE(-1, this.pos);
    this.pos += 2;
  }

  private writeText(v: string): void {
    const buf = this.buf;
    const start = this.pos + 4;
    const len = v.length;
    // Short ASCII values (ids, zones, phones) are copied byte by byte: cheaper than a native call.
    if (len <= 64) {
      let i = 0;
      for (; i < len; i++) {
        const c = v.charCodeAt(i);
        if (c > 127) {
          break;
        }
        buf[start + i] = c;
      }
      if (i === len) {
        buf.writeInt32BE(len, this.pos);
        this.pos = start + len;
        return;
      }
    }
    const n = buf.write(v, start);
    buf.writeInt32BE(n, this.pos);
    this.pos = start + n;
  }

  /** Writes a decimal string as binary numeric without allocating (see numericParts). */
  private writeNumeric(v: string): void {
    const groups = this.numericScratch;
    let i = 0;
    let sign = 0;
    const first = v.charCodeAt(0);
    if (first === 45 || first === 43) {
      sign = first === 45 ? NUMERIC_NEG : 0;
      i = 1;
    }
    const dot = v.indexOf('.', i);
    const intEnd = dot < 0 ? v.length : dot;
    const dscale = dot < 0 ? 0 : v.length - dot - 1;
    const maxGroups = Math.ceil((intEnd - i) / 4) + Math.ceil(dscale / 4) + 1;
    if (maxGroups > groups.length) {
      this.writeNumericSlow(v);
      return;
    }
    let count = 0;
    let group = 0;
    let filled = (4 - ((intEnd - i) % 4)) % 4;
    for (let p = i; p < intEnd; p++) {
      group = group * 10 + (v.charCodeAt(p) - C0);
      if (++filled === 4) {
        groups[count++] = group;
        group = 0;
        filled = 0;
      }
    }
    let weight = count - 1;
    for (let p = intEnd + 1, k = 0; p < v.length; p++, k++) {
      group = group * 10 + (v.charCodeAt(p) - C0);
      if (k % 4 === 3) {
        groups[count++] = group;
        group = 0;
      }
    }
    if (dscale % 4 !== 0) {
      groups[count++] = group * 10 ** (4 - (dscale % 4));
    }
    let start = 0;
    while (start < count && groups[start] === 0) {
      start++;
      weight--;
    }
    let end = count;
    while (end > start && groups[end - 1] === 0) {
      end--;
    }
    if (end === start) {
      weight = 0;
      sign = 0;
    }
    this.writeNumericParts(groups, start, end, weight, sign, dscale);
  }

  private writeNumericSlow(v: string): void {
    const { digits, weight, sign, dscale } = numericParts(v);
    this.writeNumericParts(digits, 0, digits.length, weight, sign, dscale);
  }

  private writeNumericParts(digits: ArrayLike<number>, start: number, end: number, weight: number, sign: number, dscale: number): void {
    const ndigits = end - start;
    this.ensure(12 + ndigits * 2);
    const buf = this.buf;
    buf.writeInt32BE(8 + ndigits * 2, this.pos);
    buf.writeInt16BE(ndigits, this.pos + 4);
    buf.writeInt16BE(weight, this.pos + 6);
    buf.writeUInt16BE(sign, this.pos + 8);
    buf.writeInt16BE(dscale, this.pos + 10);
    this.pos += 12;
    for (let d = start; d < end; d++) {
      buf.writeInt16BE(digits[d], this.pos);
      this.pos += 2;
    }
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
  }
}
