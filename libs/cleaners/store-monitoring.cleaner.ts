import { CleanValues, CleanerContext, Reject, RowCleaner } from './cleaner.types';
import { digits2, digits4, isDigit, ownString, trimField } from './text';

/**
 * Row cleaners for the three store-monitoring kinds:
 * - store_status:   store_id, status, timestamp_utc → store_id, status, timestamp_utc
 * - business hours: store_id, dayOfWeek, start_time_local, end_time_local
 *                   → store_id, day_of_week, start_sec, end_sec
 * - timezones:      store_id, timezone_str → store_id, timezone_str, timezone
 *
 * Hot path (store_status, ~2M rows a file): charCode parsing, no regexes and no Date objects;
 * rejects are shared preallocated instances.
 */

/** Zone used when a store has none, or one that is not a known IANA time zone. */
export const DEFAULT_STORE_TIMEZONE = 'America/Chicago';

const MISSING_STORE_ID = new Reject('MISSING_STORE_ID');
const MISSING_STATUS = new Reject('MISSING_STATUS');
const INVALID_STATUS = new Reject('INVALID_STATUS');
const MISSING_TIMESTAMP = new Reject('MISSING_TIMESTAMP');
const INVALID_TIMESTAMP = new Reject('INVALID_TIMESTAMP');
const MISSING_DAY_OF_WEEK = new Reject('MISSING_DAY_OF_WEEK');
const INVALID_DAY_OF_WEEK = new Reject('INVALID_DAY_OF_WEEK');
const MISSING_START_TIME = new Reject('MISSING_START_TIME');
const INVALID_START_TIME = new Reject('INVALID_START_TIME');
const MISSING_END_TIME = new Reject('MISSING_END_TIME');
const INVALID_END_TIME = new Reject('INVALID_END_TIME');

const STATUS_ACTIVE = 'active';
const STATUS_INACTIVE = 'inactive';
const DAY_TEXT = ['0', '1', '2', '3', '4', '5', '6'];
const SECONDS_PER_DAY = 86_400;
const MINUTES_PER_DAY = 1_440;
const MAX_OFFSET_MINUTES = 14 * 60;
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;
/** Distinct zone names memoised per cleaner; beyond that, names are checked each time. */
const TIMEZONE_CACHE_LIMIT = 10_000;

const CH_SPACE = 32;
const CH_PLUS = 43;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_0 = 48;
const CH_COLON = 58;
const CH_T = 84;
const CH_U = 85;
const CH_Z = 90;
const CH_t = 116;
const CH_u = 117;
const CH_z = 122;

// ---------------------------------------------------------------- status

/** True when value equals the lower-case ASCII word, ignoring ASCII case. */
function equalsIgnoreAsciiCase(value: string, word: string): boolean {
  const n = word.length;
  if (value.length !== n) return false;
  for (let i = 0; i < n; i++) {
    let c = value.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** 'active' | 'inactive' in any ASCII case → lower case; anything else INVALID_STATUS. */
export function cleanStoreStatus(value: string): string | Reject {
  if (equalsIgnoreAsciiCase(value, STATUS_ACTIVE)) return STATUS_ACTIVE;
  if (equalsIgnoreAsciiCase(value, STATUS_INACTIVE)) return STATUS_INACTIVE;
  return INVALID_STATUS;
}

// ---------------------------------------------------------------- timestamp

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

/** True when s ends with "UTC" (any ASCII case) exactly at p. */
function isUtcAt(s: string, p: number): boolean {
  return (
    s.length === p + 3 && (s.charCodeAt(p) | 32) === CH_u && (s.charCodeAt(p + 1) | 32) === CH_t && (s.charCodeAt(p + 2) | 32) === 99 // 'c'
  );
}

/**
 * Signed minutes east of UTC of an offset `±HH:MM`, `±HHMM` or `±HH` filling s from p to its end
 * (at most ±14:00), or NaN.
 */
function offsetMinutesAt(s: string, p: number): number {
  const sign = s.charCodeAt(p) === CH_MINUS ? -1 : 1;
  const hours = digits2(s, p + 1);
  const rest = s.length - (p + 3);
  let minutes: number;
  if (rest === 0) minutes = 0;
  else if (rest === 3 && s.charCodeAt(p + 3) === CH_COLON) minutes = digits2(s, p + 4);
  else if (rest === 2) minutes = digits2(s, p + 3);
  else return NaN;
  if (hours < 0 || minutes < 0 || minutes > 59) return NaN;
  const total = hours * 60 + minutes;
  return total > MAX_OFFSET_MINUTES ? NaN : sign * total;
}

/**
 * Parses a poll timestamp and returns it as canonical UTC timestamptz text
 * `YYYY-MM-DD HH:MM:SS[.f{1,6}]+00:00`, equal for equal instants however they were written.
 * Accepted: `YYYY-MM-DD(T| )HH:MM[:SS[.f…]]` followed by nothing (UTC), `Z`, `UTC`, ` UTC` or an
 * offset `±HH:MM|±HHMM|±HH` (converted to UTC). The fraction (any length) is truncated to
 * microseconds, its trailing zeros dropped, and omitted when zero. Years 1000–9999 after
 * conversion. Input is already trimmed; anything else → INVALID_TIMESTAMP.
 */
export function cleanStoreTimestamp(s: string): string | Reject {
  const len = s.length;
  if (len < 16 || s.charCodeAt(4) !== CH_MINUS || s.charCodeAt(7) !== CH_MINUS) {
    return INVALID_TIMESTAMP;
  }
  let year = digits4(s, 0);
  let month = digits2(s, 5);
  let day = digits2(s, 8);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return INVALID_TIMESTAMP;
  }
  const sep = s.charCodeAt(10);
  if (sep !== CH_SPACE && sep !== CH_T && sep !== CH_t) return INVALID_TIMESTAMP;
  const hour = digits2(s, 11);
  const minute = digits2(s, 14);
  if (s.charCodeAt(13) !== CH_COLON || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return INVALID_TIMESTAMP;
  }

  let p = 16;
  let hasSeconds = false;
  let fracStart = 0; // first fraction digit (0 = no fraction)
  let keptEnd = 0; // end of the fraction digits kept (≤ 6, trailing zeros dropped)
  if (s.charCodeAt(16) === CH_COLON) {
    const second = digits2(s, 17);
    if (second < 0 || second > 59) return INVALID_TIMESTAMP;
    hasSeconds = true;
    p = 19;
    if (s.charCodeAt(19) === CH_DOT) {
      fracStart = ++p;
      while (isDigit(s.charCodeAt(p))) p++;
      if (p === fracStart) return INVALID_TIMESTAMP;
      keptEnd = p - fracStart > 6 ? fracStart + 6 : p;
      while (keptEnd > fracStart && s.charCodeAt(keptEnd - 1) === CH_0) keptEnd--;
    }
  }
  // Where the canonical date-time text ends in s: after the kept fraction, else after the time.
  const end = keptEnd > fracStart ? keptEnd : hasSeconds ? 19 : 16;

  let offset = 0; // minutes east of UTC
  if (p < len) {
    const c = s.charCodeAt(p);
    if (c === CH_Z || c === CH_z) {
      if (p + 1 !== len) return INVALID_TIMESTAMP;
    } else if (c === CH_SPACE || c === CH_U || c === CH_u) {
      if (!isUtcAt(s, c === CH_SPACE ? p + 1 : p)) return INVALID_TIMESTAMP;
    } else if (c === CH_PLUS || c === CH_MINUS) {
      offset = offsetMinutesAt(s, p);
      if (offset !== offset) return INVALID_TIMESTAMP; // NaN
    } else {
      return INVALID_TIMESTAMP;
    }
  }

  if (offset === 0) {
    if (year < MIN_YEAR) return INVALID_TIMESTAMP;
    // Common case: "YYYY-MM-DD HH:MM:SS[.f]" is already the canonical prefix.
    if (sep === CH_SPACE && hasSeconds) return (end === len ? s : s.slice(0, end)) + '+00:00';
    const time = hasSeconds ? s.slice(11, end) : s.slice(11, 16) + ':00';
    return s.slice(0, 10) + ' ' + time + '+00:00';
  }

  // Rare case: shift to UTC by hand; |offset| ≤ 14 h moves the date by at most one day.
  let minuteOfDay = hour * 60 + minute - offset;
  if (minuteOfDay < 0) {
    minuteOfDay += MINUTES_PER_DAY;
    if (--day < 1) {
      if (--month < 1) {
        month = 12;
        year--;
      }
      day = daysInMonth(year, month);
    }
  } else if (minuteOfDay >= MINUTES_PER_DAY) {
    minuteOfDay -= MINUTES_PER_DAY;
    if (++day > daysInMonth(year, month)) {
      day = 1;
      if (++month > 12) {
        month = 1;
        year++;
      }
    }
  }
  if (year < MIN_YEAR || year > MAX_YEAR) return INVALID_TIMESTAMP;
  const date = year + '-' + pad2(month) + '-' + pad2(day);
  const hourMinute = pad2((minuteOfDay / 60) | 0) + ':' + pad2(minuteOfDay % 60);
  const rest = hasSeconds ? s.slice(16, end) : ':00'; // ":SS[.f]"
  return date + ' ' + hourMinute + rest + '+00:00';
}

// ---------------------------------------------------------------- business hours

/** Day of week as trimmed digits 0..6 (0 = Monday … 6 = Sunday) → '0'..'6', else INVALID_DAY_OF_WEEK. */
export function cleanDayOfWeek(value: string): string | Reject {
  const n = value.length;
  if (n === 0) return INVALID_DAY_OF_WEEK;
  let day = 0;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (!isDigit(c)) return INVALID_DAY_OF_WEEK;
    day = day * 10 + (c - CH_0);
    if (day > 6) return INVALID_DAY_OF_WEEK;
  }
  return DAY_TEXT[day];
}

/**
 * Seconds since midnight of `H:MM`, `HH:MM`, `H:MM:SS` or `HH:MM:SS` (hour 0–23, minute and
 * second 0–59), or -1. With allowEndOfDay, `24:00` / `24:00:00` gives 86400 (an end time).
 */
export function timeOfDaySeconds(value: string, allowEndOfDay: boolean): number {
  const len = value.length;
  const h0 = value.charCodeAt(0);
  if (!isDigit(h0)) return -1;
  let hour = h0 - CH_0;
  let colon = 1;
  const h1 = value.charCodeAt(1);
  if (isDigit(h1)) {
    hour = hour * 10 + (h1 - CH_0);
    colon = 2;
  }
  if (value.charCodeAt(colon) !== CH_COLON) return -1;
  const minute = digits2(value, colon + 1);
  let second = 0;
  if (len === colon + 6 && value.charCodeAt(colon + 3) === CH_COLON) {
    second = digits2(value, colon + 4);
  } else if (len !== colon + 3) {
    return -1;
  }
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
  if (hour < 24) return hour * 3600 + minute * 60 + second;
  return allowEndOfDay && hour === 24 && minute === 0 && second === 0 ? SECONDS_PER_DAY : -1;
}

// ---------------------------------------------------------------- timezone

/**
 * True when Intl accepts name as a time zone. Names must start with an ASCII letter (as every
 * IANA name does): runtimes that accept offset zones ('+05:00') would otherwise let through
 * strings PostgreSQL reads as POSIX zones, with the sign inverted.
 */
export function isKnownTimeZone(name: string): boolean {
  const c = name.charCodeAt(0) | 32;
  if (c < 97 || c > 122) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- rows

// ctx is part of the common factory signature; these kinds have no time-dependent rule.
export function createStoreStatusCleaner(_ctx: CleanerContext): RowCleaner {
  return function cleanStoreStatusRow(fields: string[]): CleanValues | Reject {
    const storeId = trimField(fields[0]);
    if (storeId === '') return MISSING_STORE_ID;
    const rawStatus = trimField(fields[1]);
    if (rawStatus === '') return MISSING_STATUS;
    const status = cleanStoreStatus(rawStatus);
    if (typeof status !== 'string') return status;
    const rawTimestamp = trimField(fields[2]);
    if (rawTimestamp === '') return MISSING_TIMESTAMP;
    const timestamp = cleanStoreTimestamp(rawTimestamp);
    if (typeof timestamp !== 'string') return timestamp;
    return [storeId, status, timestamp];
  };
}

export function createBusinessHoursCleaner(_ctx: CleanerContext): RowCleaner {
  return function cleanBusinessHoursRow(fields: string[]): CleanValues | Reject {
    const storeId = trimField(fields[0]);
    if (storeId === '') return MISSING_STORE_ID;
    const rawDay = trimField(fields[1]);
    if (rawDay === '') return MISSING_DAY_OF_WEEK;
    const day = cleanDayOfWeek(rawDay);
    if (typeof day !== 'string') return day;
    const rawStart = trimField(fields[2]);
    if (rawStart === '') return MISSING_START_TIME;
    const start = timeOfDaySeconds(rawStart, false);
    if (start < 0) return INVALID_START_TIME;
    const rawEnd = trimField(fields[3]);
    if (rawEnd === '') return MISSING_END_TIME;
    const end = timeOfDaySeconds(rawEnd, true);
    if (end < 0) return INVALID_END_TIME;
    return [storeId, day, String(start), String(end)];
  };
}

/** Never rejects for the zone: an empty or unknown one becomes DEFAULT_STORE_TIMEZONE. */
export function createTimezonesCleaner(_ctx: CleanerContext): RowCleaner {
  const knownZones = new Map<string, boolean>();
  return function cleanTimezonesRow(fields: string[]): CleanValues | Reject {
    const storeId = trimField(fields[0]);
    if (storeId === '') return MISSING_STORE_ID;
    const name = trimField(fields[1]);
    if (name === '') return [storeId, null, DEFAULT_STORE_TIMEZONE];
    let isKnown = knownZones.get(name);
    if (isKnown === undefined) {
      isKnown = isKnownTimeZone(name);
      if (knownZones.size < TIMEZONE_CACHE_LIMIT) knownZones.set(ownString(name), isKnown);
    }
    return [storeId, name, isKnown ? name : DEFAULT_STORE_TIMEZONE];
  };
}
