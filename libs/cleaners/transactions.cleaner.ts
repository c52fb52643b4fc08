import { CleanValues, CleanerContext, Reject, RowCleaner } from './cleaner.types';
import { digits2, digits4, isDigit, ownString, titleCase, trimField } from './text';

/**
 * Row cleaner for the `transactions` kind.
 * Input columns: TRANSACTION_ID, MERCHANT_ID, ZONE, CATEGORY, AMOUNT, TIMESTAMP, CUSTOMER_PHONE.
 * Output (COPY order): transaction_id, merchant_id, zone, category, amount, occurred_at,
 * customer_phone.
 *
 * Hot path (10M-row imports): charCode loops only, no regexes, no `new Date(string)`, and no
 * per-row allocation besides the output array and the strings it holds. Rejects are shared
 * preallocated instances.
 */

/** Canonical category by upper-case form of the title-cased input; others stay title-cased. */
export const TRANSACTIONS_CATEGORY_MAP: Readonly<Record<string, string>> = Object.freeze({
  GROCERY: 'Grocery',
  GROCERIES: 'Grocery',
  FOOD: 'Food',
  ELECTRONICS: 'Electronics',
  ELECTRONIC: 'Electronics',
  FASHION: 'Fashion',
  CLOTHING: 'Fashion',
  CLOTHES: 'Fashion',
  TRANSPORT: 'Transport',
  TRANSPORTATION: 'Transport',
  UTILITIES: 'Utilities',
  UTILITY: 'Utilities',
  HEALTHCARE: 'Healthcare',
  HEALTH: 'Healthcare',
  EDUCATION: 'Education',
  EDU: 'Education',
});

const CATEGORY_LOOKUP = new Map<string, string>(Object.entries(TRANSACTIONS_CATEGORY_MAP));

const MISSING_TRANSACTION_ID = new Reject('MISSING_TRANSACTION_ID');
const MISSING_MERCHANT_ID = new Reject('MISSING_MERCHANT_ID');
const MISSING_ZONE = new Reject('MISSING_ZONE');
const MISSING_CATEGORY = new Reject('MISSING_CATEGORY');
const MISSING_AMOUNT = new Reject('MISSING_AMOUNT');
const MISSING_TIMESTAMP = new Reject('MISSING_TIMESTAMP');
const INVALID_AMOUNT = new Reject('INVALID_AMOUNT');
const NEGATIVE_AMOUNT = new Reject('NEGATIVE_AMOUNT');
const AMOUNT_TOO_LARGE = new Reject('AMOUNT_TOO_LARGE');
const INVALID_TIMESTAMP = new Reject('INVALID_TIMESTAMP');
const FUTURE_TIMESTAMP = new Reject('FUTURE_TIMESTAMP');

/** Phone value stored when the number cannot be used (never a reject). */
export const INVALID_PHONE = 'INVALID';

const MIN_PHONE_DIGITS = 10;
const MAX_PHONE_DIGITS = 15;
/** Distinct raw categories memoised per cleaner; beyond that, values are computed each time. */
const CATEGORY_CACHE_LIMIT = 10_000;

const CH_PLUS = 43;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_0 = 48;
const CH_1 = 49;
const CH_9 = 57;
const CH_COLON = 58;
const CH_SPACE = 32;
const CH_T = 84;
const CH_t = 116;
const CH_Z = 90;
const CH_z = 122;

// ---------------------------------------------------------------- category

/**
 * Title-cases, then maps known synonyms by the upper-case form:
 * "groceries" → "Grocery", "home appliances" → "Home Appliances".
 */
export function normalizeCategory(value: string): string {
  const titled = titleCase(value);
  const mapped = CATEGORY_LOOKUP.get(titled.toUpperCase());
  return mapped === undefined ? titled : mapped;
}

// ---------------------------------------------------------------- amount

function isAmountChar(c: number): boolean {
  return (c >= CH_0 && c <= CH_9) || c === CH_DOT || c === CH_MINUS;
}

/**
 * Keeps only digits, '.' and '-', validates the decimal and range (0 ≤ x ≤ 1,000,000) and returns
 * it canonically (no sign, no leading zeros, no trailing fraction zeros): "$1,234.50" → "1234.5",
 * "-0" → "0". Decided on the text, so no float rounding and never exponent notation.
 * Input is already trimmed.
 */
export function cleanAmount(value: string): string | Reject {
  const len0 = value.length;
  let s = value;
  let k = 0;
  while (k < len0 && isAmountChar(value.charCodeAt(k))) k++;
  if (k < len0) {
    // Rare path: strip, copying runs of kept characters.
    s = '';
    let runStart = -1;
    for (let i = 0; i < len0; i++) {
      if (isAmountChar(value.charCodeAt(i))) {
        if (runStart < 0) runStart = i;
      } else if (runStart >= 0) {
        s += value.slice(runStart, i);
        runStart = -1;
      }
    }
    if (runStart >= 0) s += value.slice(runStart);
  }

  const len = s.length;
  let i = 0;
  const negative = len > 0 && s.charCodeAt(0) === CH_MINUS;
  if (negative) i = 1;
  const intStart = i;
  while (i < len && isDigit(s.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < len && s.charCodeAt(i) === CH_DOT) {
    fracStart = ++i;
    while (i < len && isDigit(s.charCodeAt(i))) i++;
    fracEnd = i;
  }
  // Anything left is a second '.', a '-' not in first place, or nothing was a digit.
  if (i !== len || (intEnd === intStart && fracEnd === fracStart)) return INVALID_AMOUNT;

  let sigStart = intStart;
  while (sigStart < intEnd && s.charCodeAt(sigStart) === CH_0) sigStart++;
  let sigFracEnd = fracEnd;
  while (sigFracEnd > fracStart && s.charCodeAt(sigFracEnd - 1) === CH_0) sigFracEnd--;
  const intDigits = intEnd - sigStart;
  const fracDigits = sigFracEnd - fracStart;

  if (intDigits === 0 && fracDigits === 0) return '0'; // "-0", "0.00", ".0"
  if (negative) return NEGATIVE_AMOUNT;
  if (intDigits > 7) return AMOUNT_TOO_LARGE;
  if (intDigits === 7) {
    // 7 significant integer digits ≥ 1,000,000; only exactly 1000000 (no fraction) is allowed.
    if (fracDigits > 0 || s.charCodeAt(sigStart) !== CH_1) return AMOUNT_TOO_LARGE;
    for (let j = sigStart + 1; j < intEnd; j++) {
      if (s.charCodeAt(j) !== CH_0) return AMOUNT_TOO_LARGE;
    }
  }

  // Already canonical ("12", "12.5", "0.5")? Return as is.
  const noFraction = fracEnd === intEnd; // no '.' at all
  if ((sigStart === 0 && intDigits > 0 && (noFraction || (fracDigits > 0 && sigFracEnd === len))) || (intDigits === 0 && intEnd === 1 && fracDigits > 0 && sigFracEnd === len)) {
    return s;
  }
  const intPart = intDigits > 0 ? s.slice(sigStart, intEnd) : '0';
  return fracDigits > 0 ? intPart + '.' + s.slice(fracStart, sigFracEnd) : intPart;
}

// ---------------------------------------------------------------- timestamp

const MS_PER_400_YEARS = 146_097 * 86_400_000;
const MAX_OFFSET_MINUTES = 14 * 60;

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const FORM_ISO = 0; // YYYY-MM-DD[(T| )HH:MM[:SS[.f]][Z|±HH[:]MM|±HH]]
const FORM_YMD_SLASH = 1; // YYYY/MM/DD HH:MM:SS
const FORM_DMY_SLASH = 2; // DD/MM/YYYY HH:MM:SS

/**
 * Parses the accepted timestamp formats by hand (naive values are UTC) and returns the value as
 * PostgreSQL timestamptz text `YYYY-MM-DD HH:MM:SS[.ffffff]±HH:MM`, keeping the input offset and
 * up to 6 fraction digits (further digits are dropped). Rejects INVALID_TIMESTAMP, or
 * FUTURE_TIMESTAMP when the instant is after nowMs. Input is already trimmed.
 */
export function cleanTimestamp(s: string, nowMs: number): string | Reject {
  const len = s.length;
  if (len < 10) return INVALID_TIMESTAMP;

  let form: number;
  let year: number;
  let month: number;
  let day: number;
  const c4 = s.charCodeAt(4);
  if (c4 === CH_MINUS || c4 === CH_SLASH) {
    if (s.charCodeAt(7) !== c4) return INVALID_TIMESTAMP;
    form = c4 === CH_MINUS ? FORM_ISO : FORM_YMD_SLASH;
    year = digits4(s, 0);
    month = digits2(s, 5);
    day = digits2(s, 8);
  } else if (s.charCodeAt(2) === CH_SLASH && s.charCodeAt(5) === CH_SLASH) {
    form = FORM_DMY_SLASH;
    day = digits2(s, 0);
    month = digits2(s, 3);
    year = digits4(s, 6);
  } else {
    return INVALID_TIMESTAMP;
  }
  // Year 0000 does not exist for PostgreSQL; years 0001-9999 are fine.
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return INVALID_TIMESTAMP;
  }

  let hour = 0;
  let minute = 0;
  let second = 0;
  let hasSeconds = false;
  let fracStart = 0; // index of the first fraction digit (0 = no fraction)
  let fracLen = 0;
  let offsetSign = 0; // 0 = naive or Z (UTC), else +1 / -1
  let offsetHour = 0;
  let offsetMinute = 0;
  let offsetIsCanonical = false; // written exactly as ±HH:MM
  let p = 10;

  if (len === 10) {
    if (form !== FORM_ISO) return INVALID_TIMESTAMP; // slash forms need a time
  } else {
    const sep = s.charCodeAt(10);
    if (!(sep === CH_SPACE || (form === FORM_ISO && (sep === CH_T || sep === CH_t)))) {
      return INVALID_TIMESTAMP;
    }
    hour = digits2(s, 11);
    minute = digits2(s, 14);
    if (hour < 0 || minute < 0 || s.charCodeAt(13) !== CH_COLON) return INVALID_TIMESTAMP;
    p = 16;
    if (s.charCodeAt(p) === CH_COLON) {
      second = digits2(s, p + 1);
      if (second < 0) return INVALID_TIMESTAMP;
      hasSeconds = true;
      p += 3;
      if (form === FORM_ISO && s.charCodeAt(p) === CH_DOT) {
        fracStart = ++p;
        while (p < len && isDigit(s.charCodeAt(p))) p++;
        fracLen = p - fracStart;
        if (fracLen === 0 || fracLen > 9) return INVALID_TIMESTAMP;
      }
    }
    if (form !== FORM_ISO) {
      if (!hasSeconds || p !== len) return INVALID_TIMESTAMP;
    } else if (p < len) {
      const c = s.charCodeAt(p);
      if (c === CH_Z || c === CH_z) {
        if (p + 1 !== len) return INVALID_TIMESTAMP;
      } else if (c === CH_PLUS || c === CH_MINUS) {
        offsetSign = c === CH_PLUS ? 1 : -1;
        offsetHour = digits2(s, p + 1);
        if (offsetHour < 0) return INVALID_TIMESTAMP;
        const rest = len - (p + 3);
        if (rest === 0) {
          offsetMinute = 0; // ±HH
        } else if (rest === 3 && s.charCodeAt(p + 3) === CH_COLON) {
          offsetMinute = digits2(s, p + 4); // ±HH:MM
          offsetIsCanonical = true;
        } else if (rest === 2) {
          offsetMinute = digits2(s, p + 3); // ±HHMM
        } else {
          return INVALID_TIMESTAMP;
        }
        if (offsetMinute < 0 || offsetMinute > 59) return INVALID_TIMESTAMP;
        if (offsetHour * 60 + offsetMinute > MAX_OFFSET_MINUTES) return INVALID_TIMESTAMP;
      } else {
        return INVALID_TIMESTAMP;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return INVALID_TIMESTAMP;
  }

  // Instant: fraction truncated to what is stored (microseconds); ms for Date.UTC, rest for ties.
  const keptFrac = fracLen > 6 ? 6 : fracLen;
  let ms = 0;
  let subMs = 0;
  for (let j = 0; j < keptFrac; j++) {
    const d = s.charCodeAt(fracStart + j) - CH_0;
    if (j < 3) ms += d * (j === 0 ? 100 : j === 1 ? 10 : 1);
    else subMs += d;
  }
  let instant =
    year < 100 // Date.UTC maps years 0-99 to 1900-1999: shift by 400 years (same calendar).
      ? Date.UTC(year + 400, month - 1, day, hour, minute, second, ms) - MS_PER_400_YEARS
      : Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (offsetSign !== 0) instant -= offsetSign * (offsetHour * 60 + offsetMinute) * 60_000;
  if (instant > nowMs || (instant === nowMs && subMs > 0)) return FUTURE_TIMESTAMP;

  // Output. Fast paths: "YYYY-MM-DD HH:MM:SS[.f{1,6}]" followed by "±HH:MM" or nothing.
  if (form === FORM_ISO && hasSeconds && fracLen <= 6 && s.charCodeAt(10) === CH_SPACE) {
    if (offsetIsCanonical) return s;
    if (p === len) return s + '+00:00';
  }
  let date: string;
  if (form === FORM_ISO) date = s.slice(0, 10);
  else if (form === FORM_YMD_SLASH) {
    date = s.slice(0, 4) + '-' + s.slice(5, 7) + '-' + s.slice(8, 10);
  } else date = s.slice(6, 10) + '-' + s.slice(3, 5) + '-' + s.slice(0, 2);
  let time: string;
  if (len === 10) time = ' 00:00:00';
  else if (!hasSeconds) time = ' ' + s.slice(11, 16) + ':00';
  else if (fracLen === 0) time = ' ' + s.slice(11, 19);
  else time = ' ' + s.slice(11, fracStart + keptFrac);
  let offset: string;
  if (offsetSign === 0) offset = '+00:00';
  else if (offsetIsCanonical) offset = s.slice(len - 6);
  else offset = s.slice(p, p + 3) + ':' + (len - p === 5 ? s.slice(p + 3, p + 5) : '00');
  return date + time + offset;
}

// ---------------------------------------------------------------- phone

/**
 * Keeps only digits and '+'; fewer than 10 or more than 15 digits (including none) → 'INVALID'.
 * Never rejects the row. Input is already trimmed.
 */
export function cleanPhone(value: string): string {
  const len = value.length;
  let digitCount = 0;
  let clean = true;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c >= CH_0 && c <= CH_9) digitCount++;
    else if (c !== CH_PLUS) clean = false;
  }
  if (digitCount < MIN_PHONE_DIGITS || digitCount > MAX_PHONE_DIGITS) return INVALID_PHONE;
  if (clean) return value;
  let out = '';
  let runStart = -1;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if ((c >= CH_0 && c <= CH_9) || c === CH_PLUS) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      out += value.slice(runStart, i);
      runStart = -1;
    }
  }
  if (runStart >= 0) out += value.slice(runStart);
  return out;
}

// ---------------------------------------------------------------- row

export function createTransactionsCleaner(ctx: CleanerContext): RowCleaner {
  const nowMs = ctx.now.getTime();
  if (Number.isNaN(nowMs)) throw new TypeError('CleanerContext.now must be a valid Date');
  const categoryCache = new Map<string, string>();
  // The same few zones come back on every row: one upper-cased string object per raw spelling
  // also lets the rollup's dictionary find it by its cached hash.
  const zoneCache = new Map<string, string>();

  return function cleanTransactionRow(fields: string[]): CleanValues | Reject {
    const transactionId = trimField(fields[0]);
    if (transactionId === '') return MISSING_TRANSACTION_ID;
    const merchantId = trimField(fields[1]);
    if (merchantId === '') return MISSING_MERCHANT_ID;
    const zone = trimField(fields[2]);
    if (zone === '') return MISSING_ZONE;
    const rawCategory = trimField(fields[3]);
    if (rawCategory === '') return MISSING_CATEGORY;
    const rawAmount = trimField(fields[4]);
    if (rawAmount === '') return MISSING_AMOUNT;
    const rawTimestamp = trimField(fields[5]);
    if (rawTimestamp === '') return MISSING_TIMESTAMP;

    const amount = cleanAmount(rawAmount);
    if (typeof amount !== 'string') return amount;
    const occurredAt = cleanTimestamp(rawTimestamp, nowMs);
    if (typeof occurredAt !== 'string') return occurredAt;

    let category = categoryCache.get(rawCategory);
    if (category === undefined) {
      category = ownString(normalizeCategory(rawCategory));
      if (categoryCache.size < CATEGORY_CACHE_LIMIT) categoryCache.set(ownString(rawCategory), category);
    }

    let upperZone = zoneCache.get(zone);
    if (upperZone === undefined) {
      upperZone = ownString(zone.toUpperCase());
      if (zoneCache.size < CATEGORY_CACHE_LIMIT) zoneCache.set(ownString(zone), upperZone);
    }

    return [transactionId, merchantId, upperZone, category, amount, occurredAt, cleanPhone(trimField(fields[6]))];
  };
}
