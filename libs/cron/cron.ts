/**
 * Five-field cron (`minute hour day-of-month month day-of-week`) evaluated by wall-clock time in
 * an IANA time zone, with nothing but `Intl`.
 *
 * DST rule (what a tick is):
 * - Every matching local wall time Y-M-D h:m is turned into instants in the zone.
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
 * the second and every wall time is resolved against that small piecewise table. This assumes a
 * zone never changes offset and back within 1.5 days (none does from 1960 to 2040). One cached
 * en-US h23 DateTimeFormat per zone reads wall times.
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

/** Parses a five-field expression or a macro (@daily …); throws CronError naming the bad field. */
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
  const texts = body.split(/\s+/);
  if (texts.length !== FIELDS.length) {
    const extra = texts.length > FIELDS.length ? ' (seconds and years are not supported)' : '';
    fail(`expected 5 fields (minute hour day-of-month month day-of-week), got ${texts.length}${extra}`);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = FIELDS.map((field, i) => parseField(field, texts[i], fail)) as [number[], number[], number[], number[], number[]];
  const starred = (i: number): boolean => texts[i].startsWith('*');
  return Object.freeze({
    expression: trimmed,
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

/** The instants a wall time maps to, ascending: one, two (fall-back) or the transition (gap). */
function wallInstants(plan: DayPlan, wall: number): number[] {
  const { transitions, offsets } = plan;
  const found: number[] = [];
  for (let i = 0; i < offsets.length; i++) {
    const t = wall - offsets[i];
    if ((i === 0 || t >= transitions[i - 1]) && (i === transitions.length || t < transitions[i])) found.push(t);
  }
  if (found.length > 0) return found;
  for (let i = 0; i < transitions.length; i++) {
    const at = transitions[i];
    if (wall >= at + offsets[i] && wall < at + offsets[i + 1]) return [at];
  }
  return []; // unreachable: the plan spans every instant the day's wall times can reach
}

/** All ticks of a day with a transition, ascending and de-duplicated (the slow, exact path). */
function transitionDayTicks(spec: CronSpec, plan: DayPlan, dayStart: number): number[] {
  const ticks: number[] = [];
  for (const h of spec.hours) {
    for (const m of spec.minutes) {
      const instants = wallInstants(plan, dayStart + h * HOUR_MS + m * MINUTE_MS);
      if (spec.hourWildcard) ticks.push(...instants);
      else if (instants.length > 0) ticks.push(instants[0]);
    }
  }
  ticks.sort((a, b) => a - b);
  return ticks.filter((t, i) => i === 0 || t !== ticks[i - 1]);
}

// ---------------------------------------------------------------- wall times of one day

/** First matching wall time of the day strictly after `limit` (wall ms), or null. */
function firstWallAfter(spec: CronSpec, dayStart: number, limit: number): number | null {
  const lastMinute = spec.minutes[spec.minutes.length - 1] * MINUTE_MS;
  for (const h of spec.hours) {
    const hourStart = dayStart + h * HOUR_MS;
    if (hourStart + lastMinute <= limit) continue;
    for (const m of spec.minutes) {
      const wall = hourStart + m * MINUTE_MS;
      if (wall > limit) return wall;
    }
  }
  return null;
}

/** Last matching wall time of the day at or before `limit` (wall ms), or null. */
function lastWallAtOrBefore(spec: CronSpec, dayStart: number, limit: number): number | null {
  const firstMinute = spec.minutes[0] * MINUTE_MS;
  for (let i = spec.hours.length - 1; i >= 0; i--) {
    const hourStart = dayStart + spec.hours[i] * HOUR_MS;
    if (hourStart + firstMinute > limit) continue;
    for (let j = spec.minutes.length - 1; j >= 0; j--) {
      const wall = hourStart + spec.minutes[j] * MINUTE_MS;
      if (wall <= limit) return wall;
    }
  }
  return null;
}

/** Matching wall times of the day within [lo, hi] (wall ms). */
function countWalls(spec: CronSpec, dayStart: number, lo: number, hi: number): number {
  if (lo <= dayStart && hi >= dayStart + DAY_MS) return spec.hours.length * spec.minutes.length;
  let n = 0;
  for (const h of spec.hours) {
    for (const m of spec.minutes) {
      const wall = dayStart + h * HOUR_MS + m * MINUTE_MS;
      if (wall >= lo && wall <= hi) n++;
    }
  }
  return n;
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
    const { transitions, offsets } = plan(day);
    let tick: number | null;
    if (transitions.length === 0) {
      const offset = offsets[0];
      const wall = firstWallAfter(spec, dayStart, a + offset);
      tick = wall === null ? null : wall - offset;
    } else {
      tick = transitionDayTicks(spec, { transitions, offsets }, dayStart).find((t) => t > a) ?? null;
    }
    if (tick !== null && (best === null || tick < best)) best = tick;
    if (best !== null && transitions.length === 0) break;
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
    const { transitions, offsets } = plan(day);
    let tick: number | null;
    if (transitions.length === 0) {
      const offset = offsets[0];
      const wall = lastWallAtOrBefore(spec, dayStart, b + offset);
      tick = wall === null ? null : wall - offset;
    } else {
      const ticks = transitionDayTicks(spec, { transitions, offsets }, dayStart).filter((t) => t <= b);
      tick = ticks.length > 0 ? ticks[ticks.length - 1] : null;
    }
    if (tick !== null && (best === null || tick > best)) best = tick;
    if (best !== null && transitions.length === 0) break;
  }
  return best === null ? null : new Date(best);
}

/**
 * The number of ticks t with from <= t <= to, stopping at `cap`. Days without a transition are
 * counted by arithmetic (their ticks cannot coincide with another day's); ticks of transition days
 * go through a set, as a gap spanning midnight maps wall times of two days onto one instant.
 */
export function countTicks(spec: CronSpec, tz: string, from: Date, to: Date, cap: number): number {
  const format = formatterFor(tz);
  const lo = instantOf(from);
  const hi = instantOf(to);
  if (!(cap > 0) || hi < lo) return 0;
  const lastDay = localDay(format, hi) + 1;
  let counted = 0;
  const nearTransitions = new Set<number>();
  for (let day = localDay(format, lo) - 1; day <= lastDay; day++) {
    if (!dayMatches(spec, day)) continue;
    const dayStart = day * DAY_MS;
    const plan = planDay(format, dayStart);
    if (plan.transitions.length === 0) {
      const offset = plan.offsets[0];
      counted += countWalls(spec, dayStart, lo + offset, hi + offset);
    } else {
      for (const t of transitionDayTicks(spec, plan, dayStart)) if (t >= lo && t <= hi) nearTransitions.add(t);
    }
    if (counted + nearTransitions.size >= cap) return cap;
  }
  return counted + nearTransitions.size;
}
