/**
 * UTC ↔ local wall time for one IANA zone, with the zone's real rules (DST, odd offsets such as
 * +05:45 or Lord Howe's 30-minute shift), read from `Intl.DateTimeFormat` only.
 *
 * Instants are epoch microseconds held in a number. A ZoneClock asks Intl once, when built, for
 * every UTC-offset transition in a range; conversions inside that range are then plain
 * arithmetic on a small table (no Intl call). Outside it they fall back to Intl: correct, slow.
 */

const US_PER_SEC = 1_000_000;
const US_PER_DAY = 86_400_000_000;
const SEC_PER_DAY = 86_400;
/** How far past the asked range the transition table reaches. */
const RANGE_PAD_US = 4 * US_PER_DAY;
/**
 * A local time L can only be reached from instants within this distance (|offset| < 1 day in every
 * IANA zone), so it is converted from the table when [L − margin, L + margin] lies inside it.
 */
const LOCAL_MARGIN_US = US_PER_DAY;
/** Offset sampling step when looking for transitions (then bisected to the second). */
const SAMPLE_STEP_SEC = 6 * 3600;

/** A local calendar date; weekday 0 = Monday … 6 = Sunday. */
export interface LocalDay {
  year: number;
  month: number;
  day: number;
  weekday: number;
}

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date. Month and day may overflow or underflow
 * and are normalised as `Date.UTC` does (month 13 is January of the next year, day 0 is the last
 * day of the previous month), but years 0..99 are taken literally.
 */
export function civilToEpochDay(year: number, month: number, day: number): number {
  const m0 = month - 1;
  let y = year + floorDiv(m0, 12);
  const m = mod(m0, 12) + 1;
  // Howard Hinnant's days_from_civil, on the first of the month.
  y -= m <= 2 ? 1 : 0;
  const era = floorDiv(y, 400);
  const yoe = y - era * 400;
  const doy = floorDiv(153 * (m + (m > 2 ? -3 : 9)) + 2, 5);
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146_097 + doe - 719_468 + (day - 1);
}

/** The local calendar date of a day count since 1970-01-01 (inverse of civilToEpochDay). */
export function epochDayToCivil(epochDay: number): LocalDay {
  const z = epochDay + 719_468;
  const era = floorDiv(z, 146_097);
  const doe = z - era * 146_097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36_524) - floorDiv(doe, 146_096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const day = doy - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day, weekday: mod(epochDay + 3, 7) }; // 1970-01-01 was a Thursday
}

/** Transition table: offsetsUs[i] is in force on [transitionsUs[i − 1], transitionsUs[i]). */
interface OffsetTable {
  transitionsUs: number[];
  offsetsUs: number[];
}

type OffsetReader = (utcSec: number) => number;

function offsetReader(zone: string): OffsetReader {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (utcSec: number): number => {
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of format.formatToParts(new Date(utcSec * 1000))) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
      }
    }
    const localSec = civilToEpochDay(year, month, day) * SEC_PER_DAY + hour * 3600 + minute * 60 + second;
    return localSec - utcSec;
  };
}

/**
 * Samples the offset every few hours over [fromSec, toSec] and bisects each change down to the
 * first second of the new offset. Several changes between two samples are found as long as the
 * offset does not come back to its starting value within one step (no zone does that).
 */
function buildTable(read: OffsetReader, fromSec: number, toSec: number): OffsetTable {
  const transitionsUs: number[] = [];
  let current = read(fromSec);
  const offsetsUs: number[] = [current * US_PER_SEC];
  let lo = fromSec;
  while (lo < toSec) {
    const hi = Math.min(lo + SAMPLE_STEP_SEC, toSec);
    const atHi = read(hi);
    // Each pass finds the first change after lo; repeat while hi still differs from lo's offset.
    while (atHi !== current) {
      let a = lo;
      let b = hi;
      while (b - a > 1) {
        const mid = a + Math.floor((b - a) / 2);
        if (read(mid) === current) {
          a = mid;
        } else {
          b = mid;
        }
      }
      current = b === hi ? atHi : read(b);
      transitionsUs.push(b * US_PER_SEC);
      offsetsUs.push(current * US_PER_SEC);
      lo = b;
    }
    lo = hi;
  }
  return { transitionsUs, offsetsUs };
}

/** Index of the table segment holding utcUs: the number of transitions at or before it. */
function segmentOf(table: OffsetTable, utcUs: number): number {
  const t = table.transitionsUs;
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid] <= utcUs) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/** Local µs → UTC µs on a table that covers [localUs − 1 day, localUs + 1 day]. */
function tableLocalToUtc(table: OffsetTable, localUs: number): number {
  const { transitionsUs: t, offsetsUs: o } = table;
  const first = segmentOf(table, localUs - LOCAL_MARGIN_US);
  const last = segmentOf(table, localUs + LOCAL_MARGIN_US);
  // Earliest instant u with u + offset(u) = localUs: segments are in UTC order.
  for (let i = first; i <= last; i++) {
    const u = localUs - o[i];
    if ((i === 0 || u >= t[i - 1]) && (i === t.length || u < t[i])) {
      return u;
    }
  }
  // None: localUs lies in the gap a forward transition k skips; read it with the offset before.
  for (let k = first; k < last; k++) {
    if (t[k] + o[k] <= localUs && localUs < t[k] + o[k + 1]) {
      return localUs - o[k];
    }
  }
  return localUs - o[first]; // unreachable for a consistent table
}

/**
 * One IANA zone's clock over a range of instants. Build it once per zone and report run (see
 * {@link zoneClocks}); each conversion inside the range then costs a few arithmetic operations.
 *
 * DST policy of {@link ZoneClock.localToUtc} (as java.time and Temporal's 'compatible'): a wall
 * time that does not exist (skipped by a forward shift) is read with the offset in force before
 * the gap, so it lands the gap's length later (America/Chicago 2023-03-12 02:30 → 08:30 UTC,
 * i.e. 03:30 CDT); a wall time that occurs twice (backward shift) is its first occurrence
 * (America/Chicago 2023-11-05 01:30 → 06:30 UTC, still CDT).
 */
export class ZoneClock {
  private readonly read: OffsetReader;
  private readonly table: OffsetTable;
  private readonly loUs: number;
  private readonly hiUs: number;

  /**
   * Precomputes the zone's offset transitions over [fromUs − 4 days, toUs + 4 days]; that covers
   * every local time of the days around the range. Throws a RangeError for an unknown zone.
   */
  constructor(
    readonly zone: string,
    fromUs: number,
    toUs: number,
  ) {
    this.read = offsetReader(zone);
    const fromSec = Math.floor((fromUs - RANGE_PAD_US) / US_PER_SEC);
    const toSec = Math.ceil((Math.max(fromUs, toUs) + RANGE_PAD_US) / US_PER_SEC);
    this.table = buildTable(this.read, fromSec, toSec);
    this.loUs = fromSec * US_PER_SEC;
    this.hiUs = toSec * US_PER_SEC;
  }

  /** True when Intl knows the zone name (IANA names such as 'Europe/London', or 'UTC'). */
  static isValidZone(name: string): boolean {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      return true;
    } catch {
      return false;
    }
  }

  /** Local time minus UTC at the instant, in seconds (e.g. −18000 for EST, 19800 for IST). */
  offsetSecondsAt(utcUs: number): number {
    return this.offsetUsAt(utcUs) / US_PER_SEC;
  }

  /** The local calendar date at the instant; weekday 0 = Monday … 6 = Sunday. */
  localDayOf(utcUs: number): LocalDay {
    return epochDayToCivil(Math.floor((utcUs + this.offsetUsAt(utcUs)) / US_PER_DAY));
  }

  /**
   * The instant at which the local wall clock shows `secondsOfDay` seconds after midnight of the
   * given date. Month, day and seconds may overflow (86400 is the next day's midnight; month 13,
   * day 32 or day 0 normalise as in `Date.UTC`). Skipped times move later by the gap's length,
   * repeated times are their first occurrence (see the class comment).
   */
  localToUtc(year: number, month: number, day: number, secondsOfDay: number): number {
    const localUs = civilToEpochDay(year, month, day) * US_PER_DAY + secondsOfDay * US_PER_SEC;
    if (localUs - LOCAL_MARGIN_US >= this.loUs && localUs + LOCAL_MARGIN_US <= this.hiUs) {
      return tableLocalToUtc(this.table, localUs);
    }
    const localSec = Math.floor(localUs / US_PER_SEC);
    const around = buildTable(this.read, localSec - 2 * SEC_PER_DAY, localSec + 2 * SEC_PER_DAY);
    return tableLocalToUtc(around, localUs);
  }

  private offsetUsAt(utcUs: number): number {
    if (utcUs >= this.loUs && utcUs < this.hiUs) {
      return this.table.offsetsUs[segmentOf(this.table, utcUs)];
    }
    return this.read(Math.floor(utcUs / US_PER_SEC)) * US_PER_SEC;
  }
}

/**
 * A memoised ZoneClock factory for one range: the first call for a zone name builds its clock,
 * later calls return the same one.
 */
export function zoneClocks(fromUs: number, toUs: number): (zone: string) => ZoneClock {
  const clocks = new Map<string, ZoneClock>();
  return (zone: string): ZoneClock => {
    let clock = clocks.get(zone);
    if (!clock) {
      clock = new ZoneClock(zone, fromUs, toUs);
      clocks.set(zone, clock);
    }
    return clock;
  };
}
