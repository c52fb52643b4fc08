import { CleanValues, CleanerContext, Reject, RowCleaner } from './cleaner.types';
import { fixedAnomalyScore, salesRevenue } from './sales.revenue';
import { SALES_CATEGORY_MAP, SALES_PRODUCT_MAP, SALES_REGION_MAP } from './sales.vocabulary';
import { digits2, digits4, isDigit, isWhitespaceCode, ownString, trimField } from './text';

/**
 * Row cleaner for the `sales` kind.
 * Input columns: order_id, product_name, category, quantity, unit_price, discount_percent, region,
 * sale_date, customer_email.
 * Output (COPY order): order_id, product_name, category, quantity, unit_price, discount, region,
 * sale_at, customer_email, revenue, fixed_score — all text, never null (the last two derived
 * exactly in sales.revenue.ts).
 *
 * Hot path (10M-row imports): charCode loops, no regexes, no `new Date(string)`, and no per-row
 * allocation besides the output array and the strings it holds (values already in canonical form
 * are returned as the same string). Rejects are shared preallocated instances. Every rule takes
 * the raw field (possibly undefined for a short row) and trims it itself.
 */

const MISSING_ORDER_ID = new Reject('MISSING_ORDER_ID');
const MISSING_PRODUCT_NAME = new Reject('MISSING_PRODUCT_NAME');
const MISSING_CATEGORY = new Reject('MISSING_CATEGORY');
const MISSING_REGION = new Reject('MISSING_REGION');
const MISSING_DATE = new Reject('MISSING_DATE');
const INVALID_QUANTITY = new Reject('INVALID_QUANTITY');
const INVALID_PRICE = new Reject('INVALID_PRICE');
const INVALID_DISCOUNT = new Reject('INVALID_DISCOUNT');
const INVALID_DATE = new Reject('INVALID_DATE');

/** Email value stored when the address is missing or unusable (never a reject). */
export const ANONYMOUS_EMAIL = 'anonymous';

/** Largest quantity (PostgreSQL integer), as text for a digit-by-digit comparison. */
const MAX_QUANTITY = '2147483647';
// Prices and discounts fit numeric(18,6): at most 12 integer and 6 fraction digits.
const MAX_INT_DIGITS = 12;
const MAX_FRAC_DIGITS = 6;
/** Distinct raw names memoised per column; beyond that, values are computed each time. */
const NAME_CACHE_LIMIT = 10_000;

const CH_SPACE = 32;
const CH_DOLLAR = 36;
const CH_APOSTROPHE = 39;
const CH_PLUS = 43;
const CH_COMMA = 44;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_0 = 48;
const CH_COLON = 58;
const CH_AT = 64;
const CH_A = 65;
const CH_Z = 90;
const CH_a = 97;
const CH_z = 122;
const CH_POUND = 0xa3;
const CH_YEN = 0xa5;
const CH_RIGHT_QUOTE = 0x2019; // ’ used as an apostrophe
const CH_EURO = 0x20ac;

/**
 * Width in UTF-16 code units (1 or 2) of the letter starting at s[i], or 0 when it is not a letter.
 * A letter is any code point with distinct upper and lower case forms, so non-ASCII letters count.
 * Caller guarantees i < s.length.
 */
function letterWidth(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 128) {
    const lower = c | 0x20;
    return lower >= CH_a && lower <= CH_z ? 1 : 0;
  }
  const width = (s.codePointAt(i) as number) > 0xffff ? 2 : 1; // a surrogate pair is one letter
  const ch = s.slice(i, i + width);
  return ch.toUpperCase() !== ch.toLowerCase() ? width : 0;
}

// ---------------------------------------------------------------- names

/**
 * Trims and collapses every inner whitespace run (tabs, NBSP… included) to one space:
 * " smart-phone \t x " → "smart-phone x". Returns the input itself when already in that shape.
 */
function collapseWhitespace(value: string): string {
  const n = value.length;
  let clean = n === 0 || (!isWhitespaceCode(value.charCodeAt(0)) && !isWhitespaceCode(value.charCodeAt(n - 1)));
  for (let i = 0; clean && i < n; i++) {
    const c = value.charCodeAt(i);
    // Clean: whitespace only as a single ' ' (the end was checked above, so i + 1 < n here).
    if (isWhitespaceCode(c)) clean = c === CH_SPACE && !isWhitespaceCode(value.charCodeAt(i + 1));
  }
  if (clean) return value;
  let out = '';
  let i = 0;
  while (i < n) {
    while (i < n && isWhitespaceCode(value.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isWhitespaceCode(value.charCodeAt(i))) i++;
    out = out === '' ? value.slice(start, i) : out + ' ' + value.slice(start, i);
  }
  return out;
}

const AFTER_OTHER = 0; // start of text, or after a non-letter: the next letter is upper-cased
const AFTER_LETTER = 1;
const AFTER_LETTER_APOSTROPHE = 2; // "men'|s": the next letter stays lower

/**
 * Title-cases runs of letters: the first letter of every run upper-cased, the rest lower-cased,
 * where a run starts after any non-letter ("t-shirt (red)" → "T-Shirt (Red)", "unknown_region" →
 * "Unknown_Region"), except that a letter right after an apostrophe (' or ’) that follows a letter
 * stays lower ("men's" → "Men's", unlike Python's str.title). Whitespace is kept as is. Returns the
 * input itself when nothing changes.
 */
export function salesTitleCase(value: string): string {
  const n = value.length;
  let out = '';
  let copied = 0; // value[copied..i) is not yet in out
  let state = AFTER_OTHER;
  let i = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    const width = letterWidth(value, i);
    if (width === 0) {
      const apostrophe = c === CH_APOSTROPHE || c === CH_RIGHT_QUOTE;
      state = apostrophe && state === AFTER_LETTER ? AFTER_LETTER_APOSTROPHE : AFTER_OTHER;
      i++;
      continue;
    }
    const upper = state === AFTER_OTHER;
    if (c < 128) {
      const want = upper ? c & ~0x20 : c | 0x20;
      if (want !== c) {
        out += value.slice(copied, i) + String.fromCharCode(want);
        copied = i + 1;
      }
    } else {
      const ch = value.slice(i, i + width);
      const want = upper ? ch.toUpperCase() : ch.toLowerCase();
      if (want !== ch) {
        out += value.slice(copied, i) + want;
        copied = i + width;
      }
    }
    state = AFTER_LETTER;
    i += width;
  }
  return copied === 0 ? value : out + value.slice(copied);
}

/**
 * Canonical form of a name: whitespace trimmed and collapsed, then looked up lower-cased in the
 * vocabulary (a hit gives its canonical name); a miss is title-cased with salesTitleCase:
 * ("smart-phone  x", SALES_PRODUCT_MAP) → "Smartphone X", "gaming mouse" → "Gaming Mouse".
 */
export function canonicalName(value: string, vocabulary: Readonly<Record<string, string>>): string {
  const name = collapseWhitespace(value);
  const key = name.toLowerCase();
  // Own keys only: "constructor" must not resolve to Object.prototype.constructor.
  return Object.hasOwn(vocabulary, key) ? vocabulary[key] : salesTitleCase(name);
}

/** product_name: canonicalName over SALES_PRODUCT_MAP; empty → MISSING_PRODUCT_NAME. */
export function cleanProductName(value: string | undefined): string | Reject {
  const name = trimField(value);
  return name === '' ? MISSING_PRODUCT_NAME : canonicalName(name, SALES_PRODUCT_MAP);
}

/** category: canonicalName over SALES_CATEGORY_MAP; empty → MISSING_CATEGORY. */
export function cleanCategory(value: string | undefined): string | Reject {
  const name = trimField(value);
  return name === '' ? MISSING_CATEGORY : canonicalName(name, SALES_CATEGORY_MAP);
}

/** region: canonicalName over SALES_REGION_MAP; empty → MISSING_REGION. */
export function cleanRegion(value: string | undefined): string | Reject {
  const name = trimField(value);
  return name === '' ? MISSING_REGION : canonicalName(name, SALES_REGION_MAP);
}

// ---------------------------------------------------------------- quantity

/**
 * A positive whole number (ASCII digits, optional leading '+', leading zeros allowed), optionally
 * followed by whitespace and one unit word of letters: "5 units", "12 pcs", "3units", "005" → "5".
 * Zero, negative, fractional ("2.5", "5.0"), empty, anything else, or > 2147483647 →
 * INVALID_QUANTITY.
 */
export function cleanQuantity(value: string | undefined): string | Reject {
  const s = trimField(value);
  const len = s.length;
  let i = s.charCodeAt(0) === CH_PLUS ? 1 : 0;
  const digitsStart = i;
  while (i < len && isDigit(s.charCodeAt(i))) i++;
  const digitsEnd = i;
  if (digitsEnd === digitsStart) return INVALID_QUANTITY;
  if (i < len) {
    while (i < len && isWhitespaceCode(s.charCodeAt(i))) i++;
    // Optional unit word: "5 units", "12 pcs", "3units".
    const wordStart = i;
    while (i < len) {
      const width = letterWidth(s, i);
      if (width === 0) break;
      i += width;
    }
    if (i === wordStart || i !== len) return INVALID_QUANTITY;
  }

  let sigStart = digitsStart;
  while (sigStart < digitsEnd && s.charCodeAt(sigStart) === CH_0) sigStart++;
  const digitCount = digitsEnd - sigStart;
  if (digitCount === 0) return INVALID_QUANTITY; // "0", "000"
  if (digitCount > MAX_QUANTITY.length) return INVALID_QUANTITY;
  if (digitCount === MAX_QUANTITY.length) {
    // Same length: the first differing digit decides.
    for (let j = 0; j < digitCount; j++) {
      const d = s.charCodeAt(sigStart + j) - MAX_QUANTITY.charCodeAt(j);
      if (d > 0) return INVALID_QUANTITY;
      if (d < 0) break;
    }
  }
  return sigStart === 0 && digitsEnd === len ? s : s.slice(sigStart, digitsEnd);
}

// ---------------------------------------------------------------- price and discount

/** s[from..to) without its ',' separators (rare path: prices of 1,000 and more). */
function withoutCommas(s: string, from: number, to: number): string {
  let out = '';
  let runStart = from;
  for (let i = from; i < to; i++) {
    if (s.charCodeAt(i) === CH_COMMA) {
      out += s.slice(runStart, i);
      runStart = i + 1;
    }
  }
  return out + s.slice(runStart, to);
}

/**
 * Canonical text of the non-negative decimal s[start..]: digits (with valid ',' thousands groups
 * when allowGroups), optional '.' fraction; no leading zeros ("0" when the integer part is zero),
 * no trailing fraction zeros, no '.' without a fraction: "1,299.50" → "1299.5", ".5" → "0.5",
 * "5." → "5", "0.00" → "0". Null when malformed or beyond 12 significant integer digits or 6
 * significant fraction digits. Decided on the text, so no float rounding.
 */
function canonicalDecimal(s: string, start: number, allowGroups: boolean): string | null {
  const len = s.length;
  let i = start;
  while (i < len && isDigit(s.charCodeAt(i))) i++;
  let commas = 0;
  if (allowGroups && i < len && s.charCodeAt(i) === CH_COMMA) {
    // A first group of 1-3 digits, then ',ddd' groups only.
    if (i === start || i - start > 3) return null;
    while (i < len && s.charCodeAt(i) === CH_COMMA) {
      if (!isDigit(s.charCodeAt(i + 1)) || !isDigit(s.charCodeAt(i + 2))) return null;
      if (!isDigit(s.charCodeAt(i + 3))) return null;
      commas++;
      i += 4;
    }
    if (isDigit(s.charCodeAt(i))) return null; // a group of 4+ digits
  }
  const intEnd = i;
  const hasDot = i < len && s.charCodeAt(i) === CH_DOT;
  let fracStart = i;
  let fracEnd = i;
  if (hasDot) {
    fracStart = ++i;
    while (i < len && isDigit(s.charCodeAt(i))) i++;
    fracEnd = i;
  }
  if (i !== len || (intEnd === start && fracEnd === fracStart)) return null; // junk, or no digit

  let sigStart = start;
  while (sigStart < intEnd) {
    const c = s.charCodeAt(sigStart);
    if (c !== CH_0 && c !== CH_COMMA) break;
    if (c === CH_COMMA) commas--; // a skipped separator is not in the significant part
    sigStart++;
  }
  const intDigits = intEnd - sigStart - commas;
  let sigFracEnd = fracEnd;
  while (sigFracEnd > fracStart && s.charCodeAt(sigFracEnd - 1) === CH_0) sigFracEnd--;
  const fracDigits = sigFracEnd - fracStart;
  if (intDigits > MAX_INT_DIGITS || fracDigits > MAX_FRAC_DIGITS) return null;
  if (intDigits === 0 && fracDigits === 0) return '0';

  // Already canonical ("12", "12.5", "0.5")? Return it without building a new string.
  const canonicalInt = commas === 0 && ((sigStart === start && intDigits > 0) || (intDigits === 0 && intEnd - start === 1));
  if (canonicalInt && (!hasDot || (fracDigits > 0 && sigFracEnd === len))) {
    return start === 0 ? s : s.slice(start);
  }
  let intPart: string;
  if (intDigits === 0) intPart = '0';
  else if (commas > 0) intPart = withoutCommas(s, sigStart, intEnd);
  else intPart = s.slice(sigStart, intEnd);
  return fracDigits > 0 ? intPart + '.' + s.slice(fracStart, sigFracEnd) : intPart;
}

/**
 * An optional leading currency symbol ($, €, £, ¥; whitespace may follow it), then a non-negative
 * decimal with optional ',' thousands groups, canonically: "$1,299.50" → "1299.5", "007" → "7".
 * Anything else (negative, empty, "1,29.5", > 12 integer or > 6 fraction digits) → INVALID_PRICE.
 */
export function cleanUnitPrice(value: string | undefined): string | Reject {
  const s = trimField(value);
  let start = 0;
  const c = s.charCodeAt(0);
  if (c === CH_DOLLAR || c === CH_EURO || c === CH_POUND || c === CH_YEN) {
    start = 1;
    while (start < s.length && isWhitespaceCode(s.charCodeAt(start))) start++;
  }
  const price = canonicalDecimal(s, start, true);
  return price === null ? INVALID_PRICE : price;
}

/**
 * A plain decimal (no sign, symbol or separators; ≤ 6 fraction digits) in [0, 1], canonically:
 * "0.15" → "0.15", "1.0" → "1", ".5" → "0.5". Anything else ("1.5", "15", "15%", "") →
 * INVALID_DISCOUNT.
 */
export function cleanDiscount(value: string | undefined): string | Reject {
  const discount = canonicalDecimal(trimField(value), 0, false);
  if (discount === null) return INVALID_DISCOUNT;
  // The canonical text decides the range: only "1", "0" and "0.…" are within [0, 1].
  return discount === '1' || discount.charCodeAt(0) === CH_0 ? discount : INVALID_DISCOUNT;
}

// ---------------------------------------------------------------- sale date

const MIDNIGHT_UTC = ' 00:00:00+00:00';
const MONTH_ABBREVIATIONS = 'janfebmaraprmayjunjulaugsepoctnovdec';
const MONTH_NUMBERS = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];

/** True when year/month/day (each -1 when unparsed) is a real date; year 0000 does not exist. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return day <= (leap ? 29 : 28);
  }
  return day <= (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
}

/** Month 1-12 of the case-insensitive English abbreviation at s[i..i+3), or -1. */
function monthAbbreviation(s: string, i: number): number {
  // `| 0x20` lower-cases ASCII letters and maps no other code unit onto a-z.
  const a = s.charCodeAt(i) | 0x20;
  const b = s.charCodeAt(i + 1) | 0x20;
  const c = s.charCodeAt(i + 2) | 0x20;
  for (let m = 0; m < 12; m++) {
    const k = m * 3;
    if (a === MONTH_ABBREVIATIONS.charCodeAt(k) && b === MONTH_ABBREVIATIONS.charCodeAt(k + 1) && c === MONTH_ABBREVIATIONS.charCodeAt(k + 2)) {
      return m + 1;
    }
  }
  return -1;
}

/**
 * Parses the sale date (naive, taken as UTC) and returns PostgreSQL timestamptz text
 * `YYYY-MM-DD HH:MM:SS+00:00`. Formats, first match wins: `YYYY-MM-DD HH:MM:SS`, `YYYY/MM/DD`,
 * `YYYY-MM-DD`, `DD-Mon-YYYY`, `MM/DD/YYYY`, `DD/MM/YYYY` (so "03/04/2024" is March 4th and
 * "13/04/2024" is April 13th). Exact digit counts; the date must exist. Empty → MISSING_DATE,
 * anything else → INVALID_DATE.
 */
export function cleanSaleDate(value: string | undefined): string | Reject {
  const s = trimField(value);
  const len = s.length;
  if (len === 0) return MISSING_DATE;

  if (len === 19) {
    // YYYY-MM-DD HH:MM:SS
    if (s.charCodeAt(4) !== CH_MINUS || s.charCodeAt(7) !== CH_MINUS || s.charCodeAt(10) !== CH_SPACE || s.charCodeAt(13) !== CH_COLON || s.charCodeAt(16) !== CH_COLON) {
      return INVALID_DATE;
    }
    if (!isCalendarDate(digits4(s, 0), digits2(s, 5), digits2(s, 8))) return INVALID_DATE;
    const hour = digits2(s, 11);
    const minute = digits2(s, 14);
    const second = digits2(s, 17);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return INVALID_DATE;
    }
    return s + '+00:00';
  }

  if (len === 10) {
    const c4 = s.charCodeAt(4);
    if (c4 === CH_SLASH || c4 === CH_MINUS) {
      // YYYY/MM/DD or YYYY-MM-DD (no other format has a separator at index 4).
      if (s.charCodeAt(7) !== c4) return INVALID_DATE;
      if (!isCalendarDate(digits4(s, 0), digits2(s, 5), digits2(s, 8))) return INVALID_DATE;
      if (c4 === CH_MINUS) return s + MIDNIGHT_UTC;
      return s.slice(0, 4) + '-' + s.slice(5, 7) + '-' + s.slice(8, 10) + MIDNIGHT_UTC;
    }
    if (s.charCodeAt(2) !== CH_SLASH || s.charCodeAt(5) !== CH_SLASH) return INVALID_DATE;
    const year = digits4(s, 6);
    const first = digits2(s, 0);
    const second = digits2(s, 3);
    // MM/DD/YYYY first; DD/MM/YYYY only when that is not a real date.
    if (isCalendarDate(year, first, second)) {
      return s.slice(6, 10) + '-' + s.slice(0, 2) + '-' + s.slice(3, 5) + MIDNIGHT_UTC;
    }
    if (isCalendarDate(year, second, first)) {
      return s.slice(6, 10) + '-' + s.slice(3, 5) + '-' + s.slice(0, 2) + MIDNIGHT_UTC;
    }
    return INVALID_DATE;
  }

  if (len === 11 && s.charCodeAt(2) === CH_MINUS && s.charCodeAt(6) === CH_MINUS) {
    // DD-Mon-YYYY
    const month = monthAbbreviation(s, 3);
    if (!isCalendarDate(digits4(s, 7), month, digits2(s, 0))) return INVALID_DATE;
    return s.slice(7, 11) + '-' + MONTH_NUMBERS[month - 1] + '-' + s.slice(0, 2) + MIDNIGHT_UTC;
  }

  return INVALID_DATE;
}

// ---------------------------------------------------------------- email

/**
 * Lower-cased address when it has exactly one '@', a non-empty local part, a domain with a '.'
 * that is neither its first nor its last character, and no whitespace; otherwise (including
 * empty) 'anonymous'. Never rejects the row.
 */
export function cleanEmail(value: string | undefined): string {
  const s = trimField(value);
  const len = s.length;
  let at = -1;
  let needsLower = false;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === CH_AT) {
      if (at >= 0) return ANONYMOUS_EMAIL;
      at = i;
    } else if (c >= CH_A && c <= CH_Z) {
      needsLower = true;
    } else if (c <= CH_SPACE || c >= 128) {
      if (isWhitespaceCode(c)) return ANONYMOUS_EMAIL;
      if (c >= 128) needsLower = true; // may have a lower case; let toLowerCase decide
    }
  }
  if (at <= 0) return ANONYMOUS_EMAIL; // no '@', or an empty local part
  // The domain is s[at+1..len): look for a '.' strictly inside it.
  let dot = false;
  for (let i = at + 2; i < len - 1; i++) {
    if (s.charCodeAt(i) === CH_DOT) {
      dot = true;
      break;
    }
  }
  if (!dot) return ANONYMOUS_EMAIL;
  return needsLower ? s.toLowerCase() : s;
}

// ---------------------------------------------------------------- row

type FieldRule = (value: string | undefined) => string | Reject;

/** Memoises a name rule by raw field: names repeat a lot (a few dozen distinct per file). */
function memoizeNameRule(rule: FieldRule): FieldRule {
  const cache = new Map<string, string | Reject>();
  return (value) => {
    if (value === undefined) return rule(value);
    let result = cache.get(value);
    if (result === undefined) {
      result = rule(value);
      if (cache.size < NAME_CACHE_LIMIT) {
        result = typeof result === 'string' ? ownString(result) : result;
        cache.set(ownString(value), result);
      }
    }
    return result;
  };
}

// ctx is part of the common factory signature; sales have no time-dependent rule.
export function createSalesCleaner(_ctx: CleanerContext): RowCleaner {
  const productName = memoizeNameRule(cleanProductName);
  const categoryName = memoizeNameRule(cleanCategory);
  const regionName = memoizeNameRule(cleanRegion);

  return function cleanSalesRow(fields: string[]): CleanValues | Reject {
    const orderId = trimField(fields[0]);
    if (orderId === '') return MISSING_ORDER_ID;
    const product = productName(fields[1]);
    if (typeof product !== 'string') return product;
    const category = categoryName(fields[2]);
    if (typeof category !== 'string') return category;
    const quantity = cleanQuantity(fields[3]);
    if (typeof quantity !== 'string') return quantity;
    const unitPrice = cleanUnitPrice(fields[4]);
    if (typeof unitPrice !== 'string') return unitPrice;
    const discount = cleanDiscount(fields[5]);
    if (typeof discount !== 'string') return discount;
    const region = regionName(fields[6]);
    if (typeof region !== 'string') return region;
    const saleAt = cleanSaleDate(fields[7]);
    if (typeof saleAt !== 'string') return saleAt;

    const units = Number(quantity);
    const revenue = salesRevenue(units, unitPrice, discount);
    return [
      orderId,
      product,
      category,
      quantity,
      unitPrice,
      discount,
      region,
      saleAt,
      cleanEmail(fields[8]),
      revenue,
      String(fixedAnomalyScore(units, unitPrice, discount, revenue)),
    ];
  };
}
