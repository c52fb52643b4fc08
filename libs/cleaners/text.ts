/**
 * Text helpers shared by the row cleaners. Hot path: charCode loops, no regexes, and no
 * allocation when the input is already in the wanted shape.
 */

/** Trims a CSV field; a missing field (short row) counts as ''. */
export function trimField(value: string | undefined): string {
  return value === undefined ? '' : value.trim();
}

/** '' → null (SQL NULL), anything else unchanged. */
export function emptyToNull(value: string): string | null {
  return value === '' ? null : value;
}

/** True for the same whitespace code units String.prototype.trim removes (JS `\s`). */
export function isWhitespaceCode(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** First code point upper-cased, the rest lower-cased. */
function capitalizeWord(word: string): string {
  const k = word.charCodeAt(0) >= 0xd800 && word.charCodeAt(0) <= 0xdbff && word.length > 1 ? 2 : 1;
  return word.slice(0, k).toUpperCase() + word.slice(k).toLowerCase();
}

/**
 * Title-cases each whitespace-separated word (first letter upper, rest lower). Words are
 * re-joined with a single space, so leading/trailing/repeated whitespace disappears:
 * "  home   APPLIANCES " → "Home Appliances".
 */
export function titleCase(value: string): string {
  const n = value.length;
  let out = '';
  let first = true;
  let i = 0;
  while (i < n) {
    while (i < n && isWhitespaceCode(value.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isWhitespaceCode(value.charCodeAt(i))) i++;
    const word = capitalizeWord(value.slice(start, i));
    if (first) {
      out = word;
      first = false;
    } else {
      out += ' ' + word;
    }
  }
  return out;
}

/** True for an ASCII digit code unit (false for NaN, i.e. a read past the end). */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Two ASCII digits at i..i+1 as a number, or -1. */
export function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  if (!isDigit(a) || !isDigit(b)) return -1;
  return (a - 48) * 10 + (b - 48);
}

/** Four ASCII digits at i..i+3 as a number, or -1. */
export function digits4(s: string, i: number): number {
  const hi = digits2(s, i);
  const lo = digits2(s, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

/**
 * `value` as a string of its own. V8 answers a slice of 13 characters or more with a view into the
 * string it was cut from, so a field parsed out of a 512 KiB piece and kept in a long-lived map (a
 * cache, a dictionary) would keep the whole piece alive: 200 such values pinned 100 MB. Call it
 * where a value is stored, once per distinct value, not per row.
 */
export function ownString(value: string): string {
  return value.length < 13 ? value : (' ' + value).slice(1);
}
