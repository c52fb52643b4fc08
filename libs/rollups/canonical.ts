/**
 * Readers for the cleaners' canonical text forms, for aggregation on the hot path (charCode
 * arithmetic only, no Date parsing, no regex).
 */

const CH_0 = 48;
const CH_MINUS = 45;
const CH_PLUS = 43;

function digitsAt(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    v = v * 10 + (s.charCodeAt(i) - CH_0);
  }
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Epoch seconds (fraction dropped) of the transactions cleaner's canonical timestamp
 * `YYYY-MM-DD HH:MM:SS[.ffffff]±HH:MM`.
 */
export function canonicalEpochSeconds(s: string): number {
  const days = daysFromCivil(digitsAt(s, 0, 4), digitsAt(s, 5, 2), digitsAt(s, 8, 2));
  const local = days * 86400 + digitsAt(s, 11, 2) * 3600 + digitsAt(s, 14, 2) * 60 + digitsAt(s, 17, 2);
  const len = s.length;
  const sign = s.charCodeAt(len - 6) === CH_MINUS ? -1 : 1;
  const offset = digitsAt(s, len - 5, 2) * 3600 + digitsAt(s, len - 2, 2) * 60;
  return local - sign * offset;
}

/**
 * Integer cents of a canonical non-negative decimal ("12", "12.5", "0.125"), rounded the way
 * PostgreSQL stores it in numeric(12, 2): on the third fraction digit, halves away from zero.
 */
export function canonicalCents(s: string): number {
  const dot = s.indexOf('.');
  if (dot < 0) {
    return digitsAt(s, 0, s.length) * 100;
  }
  const whole = digitsAt(s, 0, dot);
  const fracLen = s.length - dot - 1;
  const d1 = fracLen >= 1 ? s.charCodeAt(dot + 1) - CH_0 : 0;
  const d2 = fracLen >= 2 ? s.charCodeAt(dot + 2) - CH_0 : 0;
  const d3 = fracLen >= 3 ? s.charCodeAt(dot + 3) - CH_0 : 0;
  return whole * 100 + d1 * 10 + d2 + (d3 >= 5 ? 1 : 0);
}

/**
 * An exact numeric key for a cleaned phone of the usual shape `[+]d{10,15}`, or 0 when it has
 * another shape (other '+' positions, or the INVALID marker). Distinct phones get distinct keys:
 * |key| = digits·8 + (length − 10) + 1 (< 2^53), negative when the phone starts with '+'.
 */
export function phoneKey(s: string): number {
  const len = s.length;
  const hasPlus = len > 0 && s.charCodeAt(0) === CH_PLUS;
  const start = hasPlus ? 1 : 0;
  const digitCount = len - start;
  if (digitCount < 10 || digitCount > 15) {
    return 0;
  }
  let v = 0;
  for (let i = start; i < len; i++) {
    const d = s.charCodeAt(i) - CH_0;
    if (d < 0 || d > 9) {
      return 0;
    }
    v = v * 10 + d;
  }
  const key = v * 8 + (digitCount - 10) + 1;
  return hasPlus ? -key : key;
}

/** The phone a phoneKey was made from. */
export function phoneOfKey(key: number): string {
  const k = (key < 0 ? -key : key) - 1;
  const length = (k % 8) + 10;
  const digits = String((k - (k % 8)) / 8).padStart(length, '0');
  return key < 0 ? `+${digits}` : digits;
}
