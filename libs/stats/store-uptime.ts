/**
 * Store-monitoring report arithmetic: business hours in a store's zone turned into UTC
 * intervals, polled active/inactive status turned into uptime and downtime over the last hour,
 * day and week.
 *
 * Instants are epoch microseconds held in a number; every interval is half-open [start, end).
 * Interval lists are flat sorted arrays [s0, e0, s1, e1, …] of disjoint, non-touching pieces.
 */
import { ZoneClock, civilToEpochDay } from './zone-clock';
import { csvLine } from '@libs/export/csv-text';

/** One business-hours row of a store, in its local wall time. */
export interface BusinessHoursRow {
  /** 0 = Monday … 6 = Sunday (local). */
  dayOfWeek: number;
  /** Seconds since local midnight, 0..86400. */
  startSec: number;
  /** Seconds since local midnight, 0..86400; below startSec runs overnight, equal means all day. */
  endSec: number;
}

/** One status observation of a store. */
export interface Poll {
  atUs: number;
  isActive: boolean;
}

/** Report windows ending at "now": last hour, last day, last week. */
export const REPORT_WINDOWS_US = [3_600e6, 86_400e6, 604_800e6] as const;

/** Per report window (hour, day, week): business time that was up, and all business time. */
export interface StoreUptime {
  upUs: [number, number, number];
  businessUs: [number, number, number];
}

/** Header line of the report CSV; {@link formatReportRow} writes the lines under it. */
export const REPORT_CSV_HEADER = 'store_id,uptime_last_hour,uptime_last_day,uptime_last_week,downtime_last_hour,downtime_last_day,downtime_last_week';

/** Report units per window: minutes for the hour, hours for the day and the week. */
const REPORT_UNITS_US = [60e6, 3_600e6, 3_600e6] as const;
const SEC_PER_DAY = 86_400;

/**
 * A store's business time within [fromUs, toUs) as merged UTC intervals [s0, e0, s1, e1, …].
 *
 * No rows means open 24×7: the single interval [fromUs, toUs). Otherwise every local date from
 * the day before fromUs's (for overnight rows begun then) to toUs's, and every row for that
 * date's weekday, gives [date at startSec, date at endSec), where an endSec below startSec is on
 * the next date (overnight) and endSec equal to startSec means the whole local day (midnight to
 * next midnight). Wall times become instants with {@link ZoneClock.localToUtc}'s DST policy, so a
 * 00:00–00:00 day lasts 23 h or 25 h on DST days; a row that falls inside a spring-forward gap
 * becomes empty. Pieces are clipped to the range; overlapping and touching ones merge.
 */
export function businessIntervals(hours: BusinessHoursRow[], clock: ZoneClock, fromUs: number, toUs: number): number[] {
  if (!(fromUs < toUs)) {
    return [];
  }
  if (hours.length === 0) {
    return [fromUs, toUs];
  }
  const first = clock.localDayOf(fromUs);
  const last = clock.localDayOf(toUs);
  const days = civilToEpochDay(last.year, last.month, last.day) - civilToEpochDay(first.year, first.month, first.day);
  const pieces: number[] = [];
  for (let k = -1; k <= days; k++) {
    const weekday = (((first.weekday + k) % 7) + 7) % 7;
    const day = first.day + k; // localToUtc normalises day overflow
    for (const row of hours) {
      if (row.dayOfWeek !== weekday) {
        continue;
      }
      let s: number;
      let e: number;
      if (row.endSec > row.startSec) {
        s = clock.localToUtc(first.year, first.month, day, row.startSec);
        e = clock.localToUtc(first.year, first.month, day, row.endSec);
      } else if (row.endSec < row.startSec) {
        s = clock.localToUtc(first.year, first.month, day, row.startSec);
        e = clock.localToUtc(first.year, first.month, day + 1, row.endSec);
      } else {
        s = clock.localToUtc(first.year, first.month, day, 0);
        e = clock.localToUtc(first.year, first.month, day, SEC_PER_DAY);
      }
      if (s < fromUs) {
        s = fromUs;
      }
      if (e > toUs) {
        e = toUs;
      }
      if (s < e) {
        insertPiece(pieces, s, e);
      }
    }
  }
  return mergeSorted(pieces);
}

/** Insertion into a flat [s, e, …] list kept sorted by start (the input comes nearly sorted). */
function insertPiece(pieces: number[], s: number, e: number): void {
  let i = pieces.length;
  pieces.push(s, e);
  while (i > 0 && pieces[i - 2] > s) {
    pieces[i] = pieces[i - 2];
    pieces[i + 1] = pieces[i - 1];
    i -= 2;
  }
  pieces[i] = s;
  pieces[i + 1] = e;
}

function mergeSorted(pieces: number[]): number[] {
  const merged: number[] = [];
  for (let i = 0; i < pieces.length; i += 2) {
    const s = pieces[i];
    const e = pieces[i + 1];
    const n = merged.length;
    if (n > 0 && s <= merged[n - 1]) {
      if (e > merged[n - 1]) {
        merged[n - 1] = e;
      }
    } else {
      merged.push(s, e);
    }
  }
  return merged;
}

/**
 * Uptime over the three report windows [nowUs − length, nowUs).
 *
 * Status is a step function: each poll's status holds from its instant until the next poll. At a
 * window's start the status is the latest poll's at or before it (`prior`, the latest poll before
 * the week, or one of `polls`); with none, the earliest poll's status is assumed back to the
 * window's start. No poll at all means down throughout. `polls` must be sorted ascending and lie
 * in [nowUs − 1 week, nowUs]. upUs is the business time spent active, businessUs all business
 * time, per window. O(polls + business intervals).
 */
export function storeUptime(input: { hours: BusinessHoursRow[]; clock: ZoneClock; nowUs: number; prior: Poll | null; polls: Poll[] }): StoreUptime {
  const { hours, clock, nowUs, prior, polls } = input;
  const acc = new UptimeAccumulator(businessIntervals(hours, clock, nowUs - REPORT_WINDOWS_US[2], nowUs), nowUs, prior);
  for (let i = 0; i < polls.length; i++) {
    acc.add(polls[i].atUs, polls[i].isActive);
  }
  return acc.finish();
}

/**
 * {@link storeUptime} fed one poll at a time, in time order, so that a report can stream every
 * store's polls ordered by time (as they are stored) with O(1) state per store besides its
 * business intervals. The semantics are storeUptime's: it is built on this class.
 */
export class UptimeAccumulator {
  private readonly weekStart: number;
  /** Status since `since`; null until the first poll when there is no prior one. */
  private status: boolean | null;
  private since: number;
  private readonly upUs: [number, number, number] = [0, 0, 0];

  /** `business`: the store's business intervals over [nowUs − 1 week, nowUs) (businessIntervals). */
  constructor(
    private readonly business: number[],
    private readonly nowUs: number,
    prior: Poll | null,
  ) {
    this.weekStart = nowUs - REPORT_WINDOWS_US[2];
    this.status = prior ? prior.isActive : null;
    this.since = this.weekStart;
  }

  /** A poll at atUs in [week start, now]; calls must come in ascending atUs. */
  add(atUs: number, isActive: boolean): void {
    if (this.status === null) {
      // The first poll with none before the week: its status is back-filled to the start.
      this.status = isActive;
    }
    if (isActive === this.status) {
      return;
    }
    const at = atUs < this.weekStart ? this.weekStart : atUs > this.nowUs ? this.nowUs : atUs;
    if (this.status) {
      this.addActive(this.since, at);
    }
    this.status = isActive;
    this.since = at;
  }

  finish(): StoreUptime {
    if (this.status) {
      this.addActive(this.since, this.nowUs);
      this.since = this.nowUs;
    }
    const businessUs: [number, number, number] = [0, 0, 0];
    for (let w = 0; w < 3; w++) {
      businessUs[w] = measureFrom(this.business, this.nowUs - REPORT_WINDOWS_US[w]);
    }
    return { upUs: [...this.upUs], businessUs };
  }

  /** Adds the business time of the active piece [s, e) to each window it reaches into. */
  private addActive(s: number, e: number): void {
    for (let w = 0; w < 3; w++) {
      const from = this.nowUs - REPORT_WINDOWS_US[w];
      const a = s > from ? s : from;
      if (a < e) {
        this.upUs[w] += overlap(this.business, a, e);
      }
    }
  }
}

/** Length of a flat interval list's part inside [a, e) (binary search for the first piece). */
function overlap(list: number[], a: number, e: number): number {
  let lo = 0;
  let hi = list.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[2 * mid + 1] <= a) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  let total = 0;
  for (let i = 2 * lo; i < list.length && list[i] < e; i += 2) {
    const s = list[i] > a ? list[i] : a;
    const end = list[i + 1] < e ? list[i + 1] : e;
    total += end - s;
  }
  return total;
}

/** Total length of a flat interval list's part at or after `from`, scanning from the end. */
function measureFrom(list: number[], from: number): number {
  let total = 0;
  for (let i = list.length - 2; i >= 0; i -= 2) {
    const e = list[i + 1];
    if (e <= from) {
      break;
    }
    const s = list[i];
    total += e - (s > from ? s : from);
  }
  return total;
}

/** round(num / den) with halves up, for integers num ≥ 0, den > 0 below 2^53 (exact). */
function roundDiv(num: number, den: number): number {
  const twice = 2 * num + den;
  const twiceDen = 2 * den;
  let q = Math.floor(twice / twiceDen);
  const r = twice - q * twiceDen; // corrects a float quotient that rounded across an integer
  if (r < 0) {
    q -= 1;
  } else if (r >= twiceDen) {
    q += 1;
  }
  return q;
}

function hundredths(c: number): string {
  const whole = Math.floor(c / 100);
  const cents = c - whole * 100;
  return `${whole}.${cents < 10 ? '0' : ''}${cents}`;
}

/**
 * One report CSV line (no newline) under {@link REPORT_CSV_HEADER}: uptime for hour, day, week,
 * then downtime for hour, day, week; the hour in minutes, day and week in hours, two decimals.
 * Up and business time are each rounded to hundredths (half up, integer arithmetic) and
 * downtime is their difference, so printed uptime + downtime is exactly printed business time.
 */
export function formatReportRow(storeId: string, u: StoreUptime): string {
  return csvLine([storeId, ...reportRowValues(u)]);
}

/**
 * The six figures of a report row as {@link formatReportRow} prints them ("23.50"): uptime for
 * hour, day, week, then downtime; `Number()` of each is the figure a JSON or XLSX report holds.
 */
export function reportRowValues(u: StoreUptime): string[] {
  const up: string[] = [];
  const down: string[] = [];
  for (let w = 0; w < 3; w++) {
    const unit = REPORT_UNITS_US[w];
    const upC = roundDiv(u.upUs[w] * 100, unit);
    const bizC = roundDiv(u.businessUs[w] * 100, unit);
    up.push(hundredths(upC));
    down.push(hundredths(bizC - upC));
  }
  return [...up, ...down];
}
