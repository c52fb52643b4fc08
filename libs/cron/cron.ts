/**
 * Cron evaluated by wall-clock time in an IANA time zone, with nothing but `Intl`: five fields
 * (`minute hour day-of-month month day-of-week`), or six with a seconds field first
 * (`second minute hour day-of-month month day-of-week`, as node-cron, croner and Spring read it).
 * A five-field expression fires at second 0, exactly as a six-field one starting with `0`.
 *
 * DST rule (what a tick is):
 * - Every matching local wall time Y-M-D h:m:s is turned into instants in the zone.
 * - A wall time that does not exist (skipped by a spring-forward gap) fires at the next valid
 *   instant: the transition itself (London 2027-03-28 01:30 → 01:00:00Z, i.e. 02:00 BST).
 * - A wall time that occurs twice (fall-back) fires once, at its FIRST occurrence, unless the
 *   hour field starts with `*` (`hourWildcard`: `*`, `*` with a step, @hourly): such an expression
 *   describes an interval, so both occurrences fire and an hourly job keeps firing every real hour.
 * - Ticks are a set of instants: several wall times landing on the same instant (a gap collapsing
 *   onto its transition) fire once.
 * Offsets are taken to the second (historical LMT such as Africa/Monrovia −0:44:30) and shifts need
 * not be whole hours (Australia/Lord_Howe moves by 30 minutes).
 *
 * How: local days are walked in calendar order and days the month / day fields reject are skipped
 * without asking Intl. For a matching day the zone's offsets over every instant its wall times can
 * map to (day start − 1 day … day end + 1 day, as |offset| < 1 day) are read at three points; if
 * they agree the day is plain arithmetic (wall − offset), otherwise each transition is bisected to
 * the second. Either way the day's wall times are cut into a few contiguous ranges (DayLayout):
 * ranges that map by one offset, and ranges a gap skips (all firing at its transition). Queries
 * search, or count, the matching wall times inside each range by field arithmetic, never one wall
 * time at a time, so a transition day costs about what a plain day does even for `* * * * * *`.
 * This assumes a zone never changes offset and back within 1.5 days (none does from 1960 to 2040).
 * One cached en-US h23 DateTimeFormat per zone reads wall times.
 */

/** A malformed expression or an unknown time zone; the message names the problem. */
export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

/** A parsed expression: the allowed values of each field, sorted ascending. */
export interface CronSpec {
  readonly expression: string;
  /** [0] for a five-field expression (and the macros): it fires at second 0. */
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  readonly months: readonly number[];
  /** 0 = Sunday … 6 = Saturday (7 in the expression is folded onto 0). */
  readonly daysOfWeek: readonly number[];
  /** Both day fields restricted (neither starts with `*`): a day matches when either does. */
  readonly dayOr: boolean;
  /** The hour field starts with `*`: both occurrences of a repeated wall time fire. */
  readonly hourWildcard: boolean;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** "Within 5 years": local days searched past the starting day. */
const HORIZON_DAYS = 5 * 366;

// ---------------------------------------------------------------- parsing

interface FieldDef {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Upper end of `*` (day-of-week stops at 6: a stepped `*` must not reach 7, Sunday again). */
  readonly starMax: number;
  /** Largest useful step. */
  readonly span: number;
  readonly names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The optional first field of a six-field expression. */
const SECOND_FIELD: FieldDef = { name: 'second', min: 0, max: 59, starMax: 59, span: 60 };

/** The five fields every expression has, in order (a six-field one has SECOND_FIELD before them). */
const FIELDS: readonly FieldDef[] = [
  { name: 'minute', min: 0, max: 59, starMax: 59, span: 60 },
  { name: 'hour', min: 0, max: 23, starMax: 23, span: 24 },
  { name: 'day-of-month', min: 1, max: 31, starMax: 31, span: 31 },
  // names[i] stands for min + i.
  { name: 'month', min: 1, max: 12, starMax: 12, span: 12, names: MONTH_NAMES },
  { name: 'day-of-week', min: 0, max: 7, starMax: 6, span: 7, names: DAY_NAMES },
];

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A bounded digit run, so "1e3", "0x10" or " 5" are not taken for numbers. */
const NUMBER = /^\d{1,4}$/;

/** One value of a field: a number or (month, day-of-week) a three-letter name. */
function parseValue(field: FieldDef, text: string, fail: (problem: string) => never): number {
  let value: number;
  if (NUMBER.test(text)) {
    value = Number(text);
  } else {
    const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
    if (index < 0) fail(`${field.name} value "${text}" is not valid`);
    value = field.min + index;
  }
  if (value < field.min || value > field.max) fail(`${field.name} ${text} is out of range ${field.min}-${field.max}`);
  return value;
}

/** One comma-separated item: `*`, `a`, `a-b`, each optionally `/step` (`a/step` = `a-max/step`). */
function parseItem(field: FieldDef, item: string, fail: (problem: string) => never): number[] {
  if (item === '') fail(`${field.name} has an empty list item`);
  const slash = item.split('/');
  if (slash.length > 2) fail(`${field.name} value "${item}" is not valid`);
  const [base, stepText] = slash as [string, string | undefined];
  let step = 1;
  if (stepText !== undefined) {
    if (!NUMBER.test(stepText)) fail(`${field.name} step "${stepText}" is not valid`);
    step = Number(stepText);
    if (step < 1 || step > field.span) fail(`${field.name} step ${stepText} is out of range 1-${field.span}`);
  }
  let lo: number;
  let hi: number;
  if (base === '*') {
    lo = field.min;
    hi = field.starMax;
  } else {
    const dash = base.split('-');
    if (dash.length > 2 || dash.some((part) => part === '')) fail(`${field.name} value "${item}" is not valid`);
    lo = parseValue(field, dash[0], fail);
    hi = dash.length === 2 ? parseValue(field, dash[1], fail) : stepText !== undefined ? field.max : lo;
    if (lo > hi) fail(`${field.name} range ${base} is reversed`);
  }
  const values: number[] = [];
  for (let v = lo; v <= hi; v += step) values.push(v);
  return values;
}

/** A field's sorted, de-duplicated values; day-of-week 7 becomes 0 (Sunday). */
function parseField(field: FieldDef, text: string, fail: (problem: string) => never): number[] {
  const set = new Set<number>();
  for (const item of text.split(',')) {
    for (const v of parseItem(field, item, fail)) set.add(field.name === 'day-of-week' && v === 7 ? 0 : v);
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * Parses a five-field expression, a six-field one (seconds first) or a macro (@daily …); throws
 * CronError naming the bad field.
 */
export function parseCron(expression: string): CronSpec {
  const fail = (problem: string): never => {
    throw new CronError(`cron "${expression}": ${problem}`);
  };
  const trimmed = expression.trim();
  if (trimmed === '') fail('expression is empty');
  let body = trimmed;
  if (trimmed.startsWith('@')) {
    const expanded = MACROS[trimmed.toLowerCase()];
    if (expanded === undefined) fail(`unknown macro "${trimmed}" (use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)`);
    body = expanded;
  }
  const all = body.split(/\s+/);
  if (all.length !== FIELDS.length && all.length !== FIELDS.length + 1) {
    const extra = all.length > FIELDS.length + 1 ? ' (years are not supported)' : '';
    fail(`expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second minute hour day-of-month month day-of-week), got ${all.length}${extra}`);
  }
  const withSeconds = all.length === FIELDS.length + 1;
  const seconds = withSeconds ? parseField(SECOND_FIELD, all[0], fail) : [0];
  const texts = withSeconds ? all.slice(1) : all;
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = FIELDS.map((field, i) => parseField(field, texts[i], fail)) as [number[], number[], number[], number[], number[]];
  const starred = (i: number): boolean => texts[i].startsWith('*');
  return Object.freeze({
    expression: trimmed,
    seconds,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    dayOr: !starred(2) && !starred(4),
    hourWildcard: starred(1),
  });
}

// ---------------------------------------------------------------- time zones

/** IANA-like: letters first, `/`-separated parts; rules out "+01:00", "0530", "GMT+1", "UTC-5". */
const ZONE_SHAPE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const OFFSET_SHAPE = /^(?:GMT|UTC|UT)[+-]/i;
/** Valid zones only, so its size is bounded by the zones Intl knows (a few case variants aside). */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's cached formatter; validates the name the first time. */
function formatterFor(tz: string): Intl.DateTimeFormat {
  const cached = formatters.get(tz);
  if (cached !== undefined) return cached;
  const invalid = new CronError(`timezone "${tz}" is not an IANA time zone name (e.g. "Europe/London", "America/New_York", "UTC")`);
  if (!ZONE_SHAPE.test(tz) || OFFSET_SHAPE.test(tz) || tz.toLowerCase() === 'local') throw invalid;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw invalid; // RangeError: Intl does not know the zone
  }
  if (formatters.size >= 1024) formatters.clear();
  formatters.set(tz, format);
  return format;
}

/** Throws CronError unless `tz` is an IANA zone name (or link) that Intl knows. */
export function assertTimeZone(tz: string): void {
  formatterFor(tz);
}

// ---------------------------------------------------------------- calendar arithmetic

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Month, day of month and weekday (0 = Sunday) of a day count since 1970-01-01. */
function civilFromDays(days: number): { month: number; day: number; weekday: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return {
    month: mp < 10 ? mp + 3 : mp - 9,
    day: doy - Math.floor((153 * mp + 2) / 5) + 1,
    weekday: (((days + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
  };
}

/** Whether the local day (days since 1970-01-01) passes the month and day fields. */
function dayMatches(spec: CronSpec, days: number): boolean {
  const { month, day, weekday } = civilFromDays(days);
  if (!spec.months.includes(month)) return false;
  const dom = spec.daysOfMonth.includes(day);
  const dow = spec.daysOfWeek.includes(weekday);
  return spec.dayOr ? dom || dow : dom && dow;
}

// ---------------------------------------------------------------- zone offsets

/** en-US numeric output with h23, e.g. "3/28/2027, 02:00:00". */
const FORMATTED = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;

/**
 * The local wall time of an instant as epoch ms read as UTC, to the second. Parses format() (three
 * times faster than formatToParts), falling back to the parts for anything unexpected.
 */
function wallOf(format: Intl.DateTimeFormat, ms: number): number {
  const m = FORMATTED.exec(format.format(ms));
  if (m !== null) {
    const [, month, day, year, hour, minute, second] = m.map(Number);
    return wallMs(year, month, day, hour, minute, second);
  }
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(ms)) p[part.type] = Number(part.value);
  const wall = wallMs(p['year'] ?? NaN, p['month'] ?? NaN, p['day'] ?? NaN, p['hour'] ?? NaN, p['minute'] ?? NaN, p['second'] ?? NaN);
  if (!Number.isFinite(wall)) throw new RangeError(`cron: cannot read the local time of ${new Date(ms).toISOString()}`);
  return wall;
}

function wallMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return daysFromCivil(year, month, day) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS;
}

/** Local minus UTC at an instant, in ms (a whole number of seconds). */
function offsetAt(format: Intl.DateTimeFormat, ms: number): number {
  const whole = Math.floor(ms / SECOND_MS) * SECOND_MS;
  return wallOf(format, whole) - whole;
}

/**
 * The zone's offsets around one local day: offsets[i] holds on [transitions[i − 1], transitions[i]).
 * No transitions means the whole day is `wall − offsets[0]`.
 */
interface DayPlan {
  readonly transitions: readonly number[];
  readonly offsets: readonly number[];
}

/** First whole second in (a, b] whose offset differs from `offsetA` (offset at b must differ). */
function bisectTransition(format: Intl.DateTimeFormat, a: number, offsetA: number, b: number): number {
  while (b - a > SECOND_MS) {
    const mid = a + Math.floor((b - a) / (2 * SECOND_MS)) * SECOND_MS;
    if (offsetAt(format, mid) === offsetA) a = mid;
    else b = mid;
  }
  return b;
}

/** Offsets over every instant a wall time on the day starting at `dayStart` (wall ms) can map to. */
function planDay(format: Intl.DateTimeFormat, dayStart: number): DayPlan {
  const points = [dayStart - DAY_MS, dayStart + DAY_MS / 2, dayStart + 2 * DAY_MS];
  const sampled = points.map((p) => offsetAt(format, p));
  const offsets = [sampled[0]];
  const transitions: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const end = sampled[i];
    let from = points[i - 1];
    let current = offsets[offsets.length - 1];
    while (current !== end) {
      const at = bisectTransition(format, from, current, points[i]);
      current = offsetAt(format, at);
      transitions.push(at);
      offsets.push(current);
      from = at;
    }
  }
  return { transitions, offsets };
}

// ---------------------------------------------------------------- a day's wall times, laid out

/** Wall times in [lo, hi) (wall ms, within one local day) that fire at wall − offset. */
interface Piece {
  readonly lo: number;
  readonly hi: number;
  readonly offset: number;
  /** The transition `lo` fires at when `lo` is the first wall time of its offset, else null. */
  readonly startsAt: number | null;
}

/** Wall times in [lo, hi) that a spring-forward gap skips: any matching one fires at `at`, the transition. */
interface Gap {
  readonly lo: number;
  readonly hi: number;
  readonly at: number;
}

/** A local day's wall times as a few ranges, each mapping to instants one way. */
interface DayLayout {
  readonly pieces: readonly Piece[];
  readonly gaps: readonly Gap[];
}

type WallRange = readonly [number, number];

/** `ranges` without [lo, hi). */
function without(ranges: readonly WallRange[], lo: number, hi: number): WallRange[] {
  const out: WallRange[] = [];
  for (const [a, b] of ranges) {
    if (hi <= a || lo >= b) {
      out.push([a, b]);
      continue;
    }
    if (a < lo) out.push([a, lo]);
    if (hi < b) out.push([hi, b]);
  }
  return out;
}

/** [lo, hi) clipped to [dayStart, dayEnd), as a list of zero or one range. */
function clipped(lo: number, hi: number, dayStart: number, dayEnd: number): WallRange[] {
  const a = Math.max(lo, dayStart);
  const b = Math.min(hi, dayEnd);
  return a < b ? [[a, b]] : [];
}

/**
 * The wall times of the day starting at `dayStart`: offset i holds for the instants
 * [transitions[i − 1], transitions[i]), so it maps the wall times [transitions[i − 1] + offset,
 * transitions[i] + offset). A wall time no offset maps is in a gap and fires at the gap's
 * transition; one that two offsets map (fall-back) keeps only its first occurrence unless
 * `bothOccurrences` (the hour field is a wildcard).
 */
function layoutDay(plan: DayPlan, dayStart: number, bothOccurrences: boolean): DayLayout {
  const { transitions, offsets } = plan;
  const dayEnd = dayStart + DAY_MS;
  const segments: WallRange[] = [];
  const pieces: Piece[] = [];
  for (let i = 0; i < offsets.length; i++) {
    const offset = offsets[i];
    const segment: WallRange = [i === 0 ? -Infinity : transitions[i - 1] + offset, i === transitions.length ? Infinity : transitions[i] + offset];
    let ranges = clipped(segment[0], segment[1], dayStart, dayEnd);
    if (!bothOccurrences) for (const [a, b] of segments) ranges = without(ranges, a, b);
    segments.push(segment);
    for (const [lo, hi] of ranges) pieces.push({ lo, hi, offset, startsAt: i > 0 && lo === segment[0] ? transitions[i - 1] : null });
  }
  const gaps: Gap[] = [];
  for (let i = 0; i < transitions.length; i++) {
    let ranges = clipped(transitions[i] + offsets[i], transitions[i] + offsets[i + 1], dayStart, dayEnd);
    for (const [a, b] of segments) ranges = without(ranges, a, b);
    for (const [lo, hi] of ranges) gaps.push({ lo, hi, at: transitions[i] });
  }
  return { pieces, gaps };
}

// ---------------------------------------------------------------- wall times of one day

/** First matching wall time of the day strictly after `limit` (wall ms), or null. */
function firstWallAfter(spec: CronSpec, dayStart: number, limit: number): number | null {
  const { hours, minutes, seconds } = spec;
  const lastSecond = seconds[seconds.length - 1] * SECOND_MS;
  const lastInHour = minutes[minutes.length - 1] * MINUTE_MS + lastSecond;
  for (const h of hours) {
    const hourStart = dayStart + h * HOUR_MS;
    if (hourStart + lastInHour <= limit) continue;
    for (const m of minutes) {
      const minuteStart = hourStart + m * MINUTE_MS;
      if (minuteStart + lastSecond <= limit) continue;
      for (const s of seconds) {
        const wall = minuteStart + s * SECOND_MS;
        if (wall > limit) return wall;
      }
    }
  }
  return null;
}

/** Last matching wall time of the day at or before `limit` (wall ms), or null. */
function lastWallAtOrBefore(spec: CronSpec, dayStart: number, limit: number): number | null {
  const { hours, minutes, seconds } = spec;
  const firstSecond = seconds[0] * SECOND_MS;
  const firstInHour = minutes[0] * MINUTE_MS + firstSecond;
  for (let i = hours.length - 1; i >= 0; i--) {
    const hourStart = dayStart + hours[i] * HOUR_MS;
    if (hourStart + firstInHour > limit) continue;
    for (let j = minutes.length - 1; j >= 0; j--) {
      const minuteStart = hourStart + minutes[j] * MINUTE_MS;
      if (minuteStart + firstSecond > limit) continue;
      for (let k = seconds.length - 1; k >= 0; k--) {
        const wall = minuteStart + seconds[k] * SECOND_MS;
        if (wall <= limit) return wall;
      }
    }
  }
  return null;
}

/** How many of the ascending `values` are below `v`. */
function countBelow(values: readonly number[], v: number): number {
  let n = 0;
  while (n < values.length && values[n] < v) n++;
  return n;
}

/** Matching wall times of the day at or before `limit` (wall ms), by arithmetic on the fields. */
function wallsAtOrBefore(spec: CronSpec, dayStart: number, limit: number): number {
  const { hours, minutes, seconds } = spec;
  if (limit < dayStart) return 0;
  if (limit >= dayStart + DAY_MS) return hours.length * minutes.length * seconds.length;
  const t = limit - dayStart;
  const h = Math.floor(t / HOUR_MS);
  const m = Math.floor((t % HOUR_MS) / MINUTE_MS);
  const s = Math.floor((t % MINUTE_MS) / SECOND_MS);
  let n = countBelow(hours, h) * minutes.length * seconds.length;
  if (hours.includes(h)) {
    n += countBelow(minutes, m) * seconds.length;
    if (minutes.includes(m)) n += countBelow(seconds, s + 1);
  }
  return n;
}

/** Whether the wall time `t` ms after the day's start matches the time fields. */
function timeMatches(spec: CronSpec, t: number): boolean {
  return (
    t % SECOND_MS === 0 &&
    spec.hours.includes(Math.floor(t / HOUR_MS)) &&
    spec.minutes.includes(Math.floor((t % HOUR_MS) / MINUTE_MS)) &&
    spec.seconds.includes(Math.floor((t % MINUTE_MS) / SECOND_MS))
  );
}

/** Whether a matching wall time lies in [range.lo, range.hi). */
function anyWallIn(spec: CronSpec, dayStart: number, range: { readonly lo: number; readonly hi: number }): boolean {
  const wall = firstWallAfter(spec, dayStart, range.lo - 1);
  return wall !== null && wall < range.hi;
}

/** The day's first tick strictly after the instant `after`, or null. */
function firstTickAfter(spec: CronSpec, layout: DayLayout, dayStart: number, after: number): number | null {
  let best: number | null = null;
  for (const p of layout.pieces) {
    const wall = firstWallAfter(spec, dayStart, Math.max(p.lo - 1, after + p.offset));
    if (wall !== null && wall < p.hi && (best === null || wall - p.offset < best)) best = wall - p.offset;
  }
  for (const g of layout.gaps) if (g.at > after && (best === null || g.at < best) && anyWallIn(spec, dayStart, g)) best = g.at;
  return best;
}

/** The day's last tick at or before the instant `atOrBefore`, or null. */
function lastTickAtOrBefore(spec: CronSpec, layout: DayLayout, dayStart: number, atOrBefore: number): number | null {
  let best: number | null = null;
  for (const p of layout.pieces) {
    const wall = lastWallAtOrBefore(spec, dayStart, Math.min(p.hi - 1, atOrBefore + p.offset));
    if (wall !== null && wall >= p.lo && (best === null || wall - p.offset > best)) best = wall - p.offset;
  }
  for (const g of layout.gaps) if (g.at <= atOrBefore && (best === null || g.at > best) && anyWallIn(spec, dayStart, g)) best = g.at;
  return best;
}

// ---------------------------------------------------------------- public queries

function instantOf(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('cron: invalid Date');
  return ms;
}

/** The local day (days since 1970-01-01) an instant falls on. */
function localDay(format: Intl.DateTimeFormat, ms: number): number {
  return Math.floor(wallOf(format, ms) / DAY_MS);
}

/** Plans days lazily, remembering one: the starting day is often asked twice. */
function planner(format: Intl.DateTimeFormat): (day: number) => DayPlan {
  let lastDay = NaN;
  let last: DayPlan | undefined;
  return (day) => {
    if (day !== lastDay || last === undefined) {
      last = planDay(format, day * DAY_MS);
      lastDay = day;
    }
    return last;
  };
}

/**
 * The first tick strictly after `after`, or null if none within 5 years. Wall times of the day
 * before `after`'s local day are looked at only when a transition is near (a fall-back can carry
 * them past `after`); the scan stops at a day without a transition, whose ticks all come after
 * those of earlier days.
 */
export function nextTick(spec: CronSpec, tz: string, after: Date): Date | null {
  const format = formatterFor(tz);
  const a = instantOf(after);
  const today = localDay(format, a);
  const plan = planner(format);
  const first = dayMatches(spec, today - 1) && plan(today).transitions.length > 0 ? today - 1 : today;
  let best: number | null = null;
  for (let day = first; day <= today + HORIZON_DAYS; day++) {
    const dayStart = day * DAY_MS;
    if (best !== null && dayStart - DAY_MS >= best) break; // its ticks are > wall − 1 day
    if (!dayMatches(spec, day)) continue;
    const dayPlan = plan(day);
    const tick = firstTickAfter(spec, layoutDay(dayPlan, dayStart, spec.hourWildcard), dayStart, a);
    if (tick !== null && (best === null || tick < best)) best = tick;
    if (best !== null && dayPlan.transitions.length === 0) break;
  }
  return best === null ? null : new Date(best);
}

/** The last tick at or before `atOrBefore`, or null if none within 5 years (mirror of nextTick). */
export function previousTick(spec: CronSpec, tz: string, atOrBefore: Date): Date | null {
  const format = formatterFor(tz);
  const b = instantOf(atOrBefore);
  const today = localDay(format, b);
  const plan = planner(format);
  const first = dayMatches(spec, today + 1) && plan(today).transitions.length > 0 ? today + 1 : today;
  let best: number | null = null;
  for (let day = first; day >= today - HORIZON_DAYS; day--) {
    const dayStart = day * DAY_MS;
    if (best !== null && dayStart + 2 * DAY_MS <= best) break; // its ticks are < wall + 1 day
    if (!dayMatches(spec, day)) continue;
    const dayPlan = plan(day);
    const tick = lastTickAtOrBefore(spec, layoutDay(dayPlan, dayStart, spec.hourWildcard), dayStart, b);
    if (tick !== null && (best === null || tick > best)) best = tick;
    if (best !== null && dayPlan.transitions.length === 0) break;
  }
  return best === null ? null : new Date(best);
}

/**
 * The number of ticks t with from <= t <= to, stopping at `cap`. Wall times that map by an offset
 * are counted by arithmetic: they fire at distinct instants. Only a transition instant can be
 * fired by several wall times (a gap's, of one day or of two when it spans midnight, and the first
 * wall time after it), so those go through a set.
 */
export function countTicks(spec: CronSpec, tz: string, from: Date, to: Date, cap: number): number {
  const format = formatterFor(tz);
  const lo = instantOf(from);
  const hi = instantOf(to);
  if (!(cap > 0) || hi < lo) return 0;
  const lastDay = localDay(format, hi) + 1;
  let counted = 0;
  const atTransitions = new Set<number>();
  for (let day = localDay(format, lo) - 1; day <= lastDay; day++) {
    if (!dayMatches(spec, day)) continue;
    const dayStart = day * DAY_MS;
    const layout = layoutDay(planDay(format, dayStart), dayStart, spec.hourWildcard);
    for (const p of layout.pieces) {
      let first = Math.max(p.lo, lo + p.offset);
      const last = Math.min(p.hi - 1, hi + p.offset);
      if (first > last) continue;
      if (p.startsAt !== null && first === p.lo) {
        if (timeMatches(spec, p.lo - dayStart)) atTransitions.add(p.startsAt);
        first = p.lo + 1;
      }
      counted += wallsAtOrBefore(spec, dayStart, last) - wallsAtOrBefore(spec, dayStart, first - 1);
    }
    for (const g of layout.gaps) if (g.at >= lo && g.at <= hi && anyWallIn(spec, dayStart, g)) atTransitions.add(g.at);
    if (counted + atTransitions.size >= cap) return cap;
  }
  return counted + atTransitions.size;
}
