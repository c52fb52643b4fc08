import { PAD2, PAD3 } from './format';
import type { Prng } from './prng';

/**
 * Timestamp text of the transactions generator: the canonical form, the six historical variants,
 * and every form the transactions cleaner accepts (cleanTimestamp), for `timestampFormats: 'all'`.
 * All forms of one instant t (epoch seconds) denote t itself, or a moment before it (the date-only
 * and minutes-only forms truncate), so a t before `now` stays before `now`.
 */

/** Every form cleanTimestamp accepts; `timestampFormats: 'all'` draws one uniformly per clean row. */
export const TIMESTAMP_FORMATS = [
  'iso_t', // 2025-11-15T23:05:31 (sometimes a lower-case t)
  'iso_space', // 2025-11-15 23:05:31
  'iso_z', // 2025-11-15T23:05:31Z (sometimes z)
  'offset_colon', // 2025-11-16T04:35:31+05:30 (±HH:MM, the local time at that offset)
  'offset_compact', // 2025-11-15T20:05:31-0300 (±HHMM)
  'offset_hour', // 2025-11-16T13:05:31+14 (±HH)
  'fraction', // 2025-11-15 23:05:31.874509123 (1-9 digits; naive, Z or +00:00)
  'no_seconds', // 2025-11-15 23:05 (space or T)
  'date_only', // 2025-11-15
  'ymd_slash', // 2025/11/15 23:05:31
  'dmy_slash', // 15/11/2025 23:05:31
] as const;
export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

/** Offsets (minutes) of the ±HH:MM and ±HHMM forms: within ±14 h, the cleaner's limit. */
const MINUTE_OFFSETS: readonly number[] = [330, -180, 60, -300, 345, 840, -720, 0, -570];
/** Offsets (hours) of the ±HH form. */
const HOUR_OFFSETS: readonly number[] = [1, -5, 14, -12, 9, 0, -3];
const DAY_SECONDS = 86_400;

interface DayInfo {
  dash: string; // YYYY-MM-DD
  slash: string; // YYYY/MM/DD
  dmy: string; // DD/MM/YYYY
}

interface SplitSecond {
  day: DayInfo;
  hh: string;
  mm: string;
  ss: string;
}

/** Six zero-padded digits (0..999999). */
function pad6(x: number): string {
  const hi = (x / 1000) | 0;
  return PAD3[hi] + PAD3[x - hi * 1000];
}

function offsetText(minutes: number, withColon: boolean): string {
  const abs = minutes < 0 ? -minutes : minutes;
  const h = (abs / 60) | 0;
  return (minutes < 0 ? '-' : '+') + PAD2[h] + (withColon ? ':' : '') + PAD2[abs - h * 60];
}

/** Formats instants of UTC days [firstDay, lastDay] (day numbers since the epoch). */
export class TimestampFormatter {
  private readonly baseSec: number;
  private readonly days: DayInfo[] = [];

  constructor(firstDay: number, lastDay: number) {
    this.baseSec = firstDay * DAY_SECONDS;
    for (let d = firstDay; d <= lastDay; d++) {
      const iso = new Date(d * DAY_SECONDS * 1000).toISOString(); // once per day, not per row
      const y = iso.slice(0, 4);
      const m = iso.slice(5, 7);
      const dd = iso.slice(8, 10);
      this.days.push({
        dash: y + '-' + m + '-' + dd,
        slash: y + '/' + m + '/' + dd,
        dmy: dd + '/' + m + '/' + y,
      });
    }
  }

  /** The day (for its formatted forms) and the zero-padded hour, minute and second of second `t`. */
  private split(t: number): SplitSecond {
    const rel = t - this.baseSec;
    const k = Math.floor(rel / DAY_SECONDS);
    let sod = rel - k * DAY_SECONDS;
    const h = (sod / 3600) | 0;
    sod -= h * 3600;
    const m = (sod / 60) | 0;
    return { day: this.days[k], hh: PAD2[h], mm: PAD2[m], ss: PAD2[sod - m * 60] };
  }

  /** Canonical format: 2025-11-15T23:05:31.874509+00:00 */
  canonical(t: number, micros: number): string {
    const { day, hh, mm, ss } = this.split(t);
    return day.dash + 'T' + hh + ':' + mm + ':' + ss + '.' + pad6(micros) + '+00:00';
  }

  /**
   * One of the six historical variants (0..5), all denoting the same instant (minutes-only drops the
   * seconds): space, YYYY/MM/DD, DD/MM/YYYY, minutes only, Z, +05:30.
   */
  variant(t: number, variant: number): string {
    let offset = '';
    if (variant === 5) {
      t += 19_800; // written as local time at +05:30
      offset = '+05:30';
    }
    const { day, hh, mm, ss } = this.split(t);
    const hms = hh + ':' + mm + ':' + ss;
    switch (variant) {
      case 0:
        return day.dash + ' ' + hms; // YYYY-MM-DD HH:MM:SS
      case 1:
        return day.slash + ' ' + hms; // YYYY/MM/DD HH:MM:SS
      case 2:
        return day.dmy + ' ' + hms; // DD/MM/YYYY HH:MM:SS
      case 3:
        return day.dash + ' ' + hh + ':' + mm; // YYYY-MM-DD HH:MM
      case 4:
        return day.dash + 'T' + hms + 'Z';
      default:
        return day.dash + 'T' + hms + offset; // +05:30
    }
  }

  /** TIMESTAMP_FORMATS[format] of instant t + micros µs; draws the form's details from `rng`. */
  format(format: number, t: number, micros: number, rng: Prng): string {
    let offsetMinutes = 0;
    if (format === 3 || format === 4) offsetMinutes = MINUTE_OFFSETS[rng.below(MINUTE_OFFSETS.length)];
    else if (format === 5) offsetMinutes = 60 * HOUR_OFFSETS[rng.below(HOUR_OFFSETS.length)];
    const { day, hh, mm, ss } = this.split(t + offsetMinutes * 60);
    const hms = hh + ':' + mm + ':' + ss;
    switch (format) {
      case 0:
        return day.dash + (rng.below(10) === 0 ? 't' : 'T') + hms;
      case 1:
        return day.dash + ' ' + hms;
      case 2:
        return day.dash + 'T' + hms + (rng.below(10) === 0 ? 'z' : 'Z');
      case 3:
        return day.dash + 'T' + hms + offsetText(offsetMinutes, true);
      case 4:
        return day.dash + 'T' + hms + offsetText(offsetMinutes, false);
      case 5:
        return day.dash + 'T' + hms + offsetText(offsetMinutes, true).slice(0, 3);
      case 6:
        return day.dash + (rng.below(2) === 0 ? ' ' : 'T') + hms + '.' + this.fraction(micros, rng);
      case 7:
        return day.dash + (rng.below(2) === 0 ? ' ' : 'T') + hh + ':' + mm;
      case 8:
        return day.dash;
      case 9:
        return day.slash + ' ' + hms;
      default:
        return day.dmy + ' ' + hms;
    }
  }

  /** 1-9 fraction digits of `micros` (digits past the sixth are noise below a microsecond), then a suffix. */
  private fraction(micros: number, rng: Prng): string {
    const digits = 1 + rng.below(9);
    const six = pad6(micros);
    const frac = digits <= 6 ? six.slice(0, digits) : six + PAD3[rng.below(1000)].slice(0, digits - 6);
    const suffix = rng.below(3);
    return frac + (suffix === 0 ? '' : suffix === 1 ? 'Z' : '+00:00');
  }
}
