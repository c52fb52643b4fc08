/**
 * Splitting a half-open time window [from, to) into whole rollup buckets and raw remainders.
 *
 * Instants are epoch microseconds (PostgreSQL's timestamptz precision) held in a number: exact
 * for years 1685..2255. A null bound is unbounded. Buckets are aligned on the UTC epoch.
 */
export type Grain = 'day' | 'hour' | 'quarter';

export const GRAIN_MICROS: Readonly<Record<Grain, number>> = {
  day: 86_400_000_000,
  hour: 3_600_000_000,
  quarter: 900_000_000,
};

export interface TimeWindow {
  fromUs: number | null;
  toUs: number | null;
}

/** A piece of a window answered by one source: a rollup grain (whole buckets) or the raw rows. */
export interface RangeSegment extends TimeWindow {
  source: Grain | 'raw';
}

const MIN_US = -8.64e21; // beyond any timestamptz, stands for an open bound inside the maths

function floorTo(us: number, size: number): number {
  return Math.floor(us / size) * size;
}

function ceilTo(us: number, size: number): number {
  return Math.ceil(us / size) * size;
}

/**
 * Covers [from, to) with the coarsest whole buckets first, then finer ones at the edges, then raw
 * rows for what no bucket covers exactly. `grains` go from coarse to fine, e.g. ['day', 'hour'].
 * Segments are disjoint and their union is exactly the window; empty pieces are left out.
 */
export function splitRange(window: TimeWindow, grains: Grain[]): RangeSegment[] {
  const from = window.fromUs ?? MIN_US;
  const to = window.toUs ?? -MIN_US;
  if (from >= to) {
    return [];
  }
  return split(from, to, grains).map((s) => ({
    source: s.source,
    fromUs: s.fromUs === MIN_US ? null : s.fromUs,
    toUs: s.toUs === -MIN_US ? null : s.toUs,
  }));
}

function split(from: number, to: number, grains: Grain[]): RangeSegment[] {
  if (from >= to) {
    return [];
  }
  if (grains.length === 0) {
    return [{ source: 'raw', fromUs: from, toUs: to }];
  }
  const [grain, ...finer] = grains;
  const size = GRAIN_MICROS[grain];
  const innerFrom = from === MIN_US ? MIN_US : ceilTo(from, size);
  const innerTo = to === -MIN_US ? -MIN_US : floorTo(to, size);
  if (innerFrom >= innerTo) {
    return split(from, to, finer);
  }
  return [...split(from, innerFrom, finer), { source: grain, fromUs: innerFrom, toUs: innerTo }, ...split(innerTo, to, finer)];
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an ISO 8601 instant (date, optional time with up to 6 fraction digits, optional Z or
 * ±HH:MM offset; no offset means UTC) into epoch microseconds, or null when it is not one.
 */
export function parseIsoMicros(text: string): number | null {
  const m = ISO_INSTANT.exec(text.trim());
  if (!m) {
    return null;
  }
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC: it maps years 0-99 to 1900-1999
  if (date.getUTCDate() !== day) {
    return null; // 2024-02-30 and the like
  }
  const ms = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000;
  const fraction = Number((m[7] ?? '').padEnd(6, '0'));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const digits = zone.replace(':', '');
    const [hours, minutes] = [Number(digits.slice(1, 3)), Number(digits.slice(3, 5))];
    if (minutes > 59 || hours * 60 + minutes > 14 * 60) {
      return null;
    }
    offsetMinutes = (digits[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return (ms - offsetMinutes * 60_000) * 1000 + fraction;
}

/** Epoch microseconds as an ISO string with 6 fraction digits (a timestamptz literal). */
export function microsToIso(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}
