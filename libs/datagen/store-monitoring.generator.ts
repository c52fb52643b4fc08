import { promises as fsp, createWriteStream } from 'fs';
import * as path from 'path';
import { finished } from 'stream/promises';
import { CsvToJsonCounts, OutputFormat, writeInFormat } from './csv-to-json';
import { PAD2, PAD3 } from './format';
import { pump } from './pump';
import { hashSeed, mix32, mixPair, Prng, weightedPick, weightedSampler } from './prng';

/**
 * Seeded, streaming generator of the three store-monitoring feeds, which share store ids:
 *
 * - `store_status.csv` (`store_id,status,timestamp_utc`): polls of every store, all stores
 *   interleaved and ordered by time, as a poller writes them. The window is the `days` before
 *   `endAt` (no poll at or after endAt). Each polling store is polled every `intervalMinutes`
 *   ± 20 % (uniform jitter), starting at a random phase; without `intervalMinutes` the interval
 *   is days·1440·(polling stores)/rows, so the file has about `rows` rows (the 1 % of stores that
 *   never poll do not dilute it). Status follows a per-store two-state Markov chain: most stores
 *   are `active` ~97 % of polls with outages of one to several polls (mean 1.5–3), ~5 % of stores
 *   are flaky (~60 % active). Timestamps: ~94 % `2024-10-03 23:33:20.412748 UTC` with a fraction of
 *   0–6 digits (drawn precision, trailing zeros trimmed, so sometimes no fraction at all), ~5 % ISO
 *   8601 `2024-10-03T23:33:20.412Z`, ~1 % the first form without ` UTC`. The instant is rounded
 *   to the precision written, so the file is ordered by the instant it states. ~0.05 % of polls are
 *   re-sent: the same line again right after it (`duplicates` counts these extra lines; a loader
 *   keyed on (store_id, timestamp_utc) rejects exactly that many as DUPLICATE, since one store's
 *   polls are always ≥ 0.8 interval ≥ 48 s apart).
 * - `menu_hours.csv` (`store_id,dayOfWeek,start_time_local,end_time_local`, 0 = Monday … 6 =
 *   Sunday, HH:MM:SS local): ~10 % of stores have no rows (open 24×7), ~65 % one interval per open
 *   day (some closed one to three days a week), ~15 % split hours (two rows a day, ~20 % of them
 *   overlapping), ~8 % overnight (end < start, every open day or only Thu–Sat nights), ~2 % whole
 *   days (00:00:00–00:00:00). About 6.2 rows per store (86.5K for 14K stores).
 * - `timezones.csv` (`store_id,timezone_str`): ~95 % of stores (and always the stores that never
 *   poll, so every store is in at least one file), IANA zones weighted towards America/*, ~0.1 %
 *   unknown names (STORE_UNKNOWN_TIMEZONES; `unknownZones` counts them).
 *
 * - Deterministic: the same options always give the same bytes. A store's profile, hours and zone
 *   depend only on (seed, store index), so they do not change with rows, days or the interval.
 * - Flat memory: polls come from a binary heap of the stores' next poll instants (typed arrays,
 *   O(stores)); rows are built by string concatenation in batches of SM_BATCH_ROWS and written
 *   with backpressure. No array of polls, no per-row Date. Per store: ~100 bytes (id, heap entry,
 *   next instant, Markov probabilities), whatever rows or days say.
 * - Shape 'adversarial' (STORE_MONITORING_ADVERSARIAL): a million stores polled a few times each
 *   over ten years, so that nothing per store or per day stays small.
 * All output is ASCII, so byte counts equal string lengths.
 */

export const STORE_STATUS_HEADER = 'store_id,status,timestamp_utc';
export const MENU_HOURS_HEADER = 'store_id,dayOfWeek,start_time_local,end_time_local';
export const TIMEZONES_HEADER = 'store_id,timezone_str';
export const STORE_STATUS_FILE = 'store_status.csv';
export const MENU_HOURS_FILE = 'menu_hours.csv';
export const TIMEZONES_FILE = 'timezones.csv';

export const DEFAULT_STORE_MONITORING_SEED = 42;
export const DEFAULT_STORE_MONITORING_STORES = 14_000;
/** Nine weeks. */
export const DEFAULT_STORE_MONITORING_DAYS = 63;
export const DEFAULT_STORE_MONITORING_ROWS = 2_000_000;
/** ISO instant; every poll is before it. */
export const DEFAULT_STORE_MONITORING_END_AT = '2024-10-14T00:00:00.000Z';
/** Polls are at least 0.8 × this apart, so that rounding to whole seconds never merges two. */
export const MIN_POLL_INTERVAL_MINUTES = 1;

/** Share of stores that never poll (they still have a time zone row, maybe hours). */
export const NEVER_POLL_SHARE = 0.01;
/** Share of stores that are flaky (active ~60 % of polls instead of ~97 %). */
export const FLAKY_STORE_SHARE = 0.05;
/** Share of polls sent twice (an exact duplicate line right after the first). */
export const STATUS_DUPLICATE_RATE = 0.0005;
/** Poll intervals are uniform in interval × [1 − JITTER, 1 + JITTER]. */
export const POLL_JITTER = 0.2;
/** Share of polls written as ISO 8601 (`…T…Z`, milliseconds) and without the ` UTC` suffix. */
export const STATUS_ISO_SHARE = 0.05;
export const STATUS_NO_SUFFIX_SHARE = 0.01;
/** Relative frequency of the fraction precision (0–6 digits) of the `… UTC` forms. */
export const STATUS_FRACTION_DIGIT_WEIGHTS: readonly number[] = [3, 1, 1.5, 2.5, 3, 6, 83];

/** Share of stores with a timezones row (stores that never poll always have one). */
export const TIMEZONE_ROW_SHARE = 0.95;
/** Share of timezone rows naming a zone that does not exist. */
export const UNKNOWN_TIMEZONE_SHARE = 0.001;
export const STORE_TIMEZONES: readonly string[] = [
  'America/Chicago',
  'America/New_York',
  'America/Denver',
  'America/Los_Angeles',
  'America/Boise',
  'America/Phoenix',
  'America/Anchorage',
  'America/Puerto_Rico',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Australia/Sydney',
];
export const STORE_TIMEZONE_WEIGHTS: readonly number[] = [30, 26, 8, 16, 2, 4, 1.5, 1.5, 3.5, 2.5, 3, 2];
/** Names that are not IANA zones (the product reads them as America/Chicago, with a warning). */
export const STORE_UNKNOWN_TIMEZONES: readonly string[] = ['Mars/Olympus_Mons', 'Moon/Tranquility_Base', 'Atlantis/Poseidonis', 'America/Gotham', 'Europe/Ruritania', 'Pacific/Mu'];

export const HOURS_PROFILES = ['none', 'whole_day', 'overnight', 'split', 'regular'] as const;
export type HoursProfile = (typeof HOURS_PROFILES)[number];
/** Share of stores per hours profile (HOURS_PROFILES order). */
export const HOURS_PROFILE_SHARES: readonly number[] = [0.1, 0.02, 0.08, 0.15, 0.65];

export const STORE_MONITORING_SHAPES = ['default', 'adversarial'] as const;
export type StoreMonitoringShape = (typeof STORE_MONITORING_SHAPES)[number];
/** The 'adversarial' shape: 1M stores, ~4 polls each over 3,650 days (≈ 1,100 polls a day). */
export const STORE_MONITORING_ADVERSARIAL = {
  stores: 1_000_000,
  days: 3_650,
  rows: 4_000_000,
} as const;

export interface StoreMonitoringGenOptions {
  /** Preset of stores, days and rows ('adversarial': STORE_MONITORING_ADVERSARIAL); explicit options win. */
  shape?: StoreMonitoringShape;
  /** Stores (each with a UUID-looking id derived from the seed); default 14,000. */
  stores?: number;
  /** Length of the poll window before endAt, in days (may be fractional); default 63. */
  days?: number;
  /** End of the poll window (exclusive); default 2024-10-14T00:00:00Z. */
  endAt?: Date;
  /** Target count of status rows (sets the interval); default 2,000,000; see intervalMinutes. */
  rows?: number;
  /** Mean minutes between two polls of a store (≥ 1); overrides rows. */
  intervalMinutes?: number;
  /** Any integer or string; default 42. */
  seed?: number | string;
}

export interface StoreMonitoringGenResult {
  stores: number;
  /** Lines of store_status.csv after the header, duplicates included. */
  statusRows: number;
  /** Exact duplicate lines (re-sent polls) among statusRows: the DUPLICATE rejects to expect. */
  duplicates: number;
  hoursRows: number;
  timezoneRows: number;
  /** Timezone rows naming a STORE_UNKNOWN_TIMEZONES zone (UNKNOWN_TIMEZONE warnings to expect). */
  unknownZones: number;
  /**
   * Stores with no row in store_status.csv: the 1 % that never poll, plus any whose first poll fell
   * past endAt (only when the interval is longer than the window).
   */
  storesWithoutPolls: number;
  statusBytes: number;
  hoursBytes: number;
  timezoneBytes: number;
  /** First and last poll instants (millisecond precision), null when there are none. */
  firstPollAt: Date | null;
  lastPollAt: Date | null;
  /** The mean poll interval used. */
  intervalMinutes: number;
  endAt: Date;
}

export interface StoreMonitoringFeedsOptions extends StoreMonitoringGenOptions {
  /** 'csv' (default), or each file converted to NDJSON / JSON (store_status.ndjson, …). */
  format?: OutputFormat;
}

export interface StoreMonitoringFeedsResult extends StoreMonitoringGenResult {
  /** Paths of store_status.csv, menu_hours.csv and timezones.csv (.ndjson / .json for JSON). */
  files: { status: string; hours: string; timezones: string };
  /** The JSON converter's counts per file (absent for csv). */
  json?: { status: CsvToJsonCounts; hours: CsvToJsonCounts; timezones: CsvToJsonCounts };
}

/** Rows per chunk (see SALES_BATCH_ROWS: 1,000-row chunks die young in the GC). */
const SM_BATCH_ROWS = 1_000;
/** Stores per chunk of the hours and timezones files. */
const STORES_PER_CHUNK = 150;
const US_PER_DAY = 86_400_000_000;
const US_PER_MINUTE = 60_000_000;

// Format codes of a poll's timestamp: FMT_UTC + d = `… UTC` with d fraction digits at most,
// FMT_BARE + d = the same without ` UTC`, FMT_ISO = `…T…Z` with milliseconds.
const FMT_UTC = 0;
const FMT_BARE = 8;
const FMT_ISO = 16;
/** Rounding unit (µs) per number of fraction digits. */
const DIGIT_UNIT_US = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

const digitSampler = weightedSampler(STATUS_FRACTION_DIGIT_WEIGHTS);
const zoneSampler = weightedSampler(STORE_TIMEZONE_WEIGHTS);
const profileSampler = weightedSampler(HOURS_PROFILE_SHARES);

const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push(i.toString(16).padStart(2, '0'));
const hex8 = (x: number): string => HEX2[x >>> 24] + HEX2[(x >>> 16) & 255] + HEX2[(x >>> 8) & 255] + HEX2[x & 255];
const hex4 = (x: number): string => HEX2[(x >>> 8) & 255] + HEX2[x & 255];

/** "HH:MM:SS" for every minute of the day (index = minutes since midnight). */
const HHMM00: string[] = [];
for (let m = 0; m < 1440; m++) HHMM00.push(PAD2[(m / 60) | 0] + ':' + PAD2[m % 60] + ':00');
const hm = (h: number, m = 0): number => h * 60 + m;
const END_OF_DAY = '23:59:59';

// ---------------------------------------------------------------- options and store profiles

interface Resolved {
  stores: number;
  seedHash: number;
  startUs: number;
  endUs: number;
  endAt: Date;
  /** null: derive from rows once the polling stores are known. */
  intervalMinutes: number | null;
  rows: number;
}

/** The options with the shape's stores, days and rows filled in where they are undefined. */
export function applyStoreMonitoringShape(input: StoreMonitoringGenOptions): StoreMonitoringGenOptions {
  const shape = input.shape ?? 'default';
  if (!(STORE_MONITORING_SHAPES as readonly string[]).includes(shape)) throw new RangeError(`shape must be one of ${STORE_MONITORING_SHAPES.join(', ')}, got ${shape}`);
  return shape === 'adversarial' ? { ...STORE_MONITORING_ADVERSARIAL, ...definedOnly(input) } : input;
}

function resolve(input: StoreMonitoringGenOptions): Resolved {
  const opts = applyStoreMonitoringShape(input);
  const stores = opts.stores ?? DEFAULT_STORE_MONITORING_STORES;
  if (!Number.isSafeInteger(stores) || stores < 0) throw new RangeError(`stores must be an integer ≥ 0, got ${stores}`);
  const days = opts.days ?? DEFAULT_STORE_MONITORING_DAYS;
  if (!(days > 0 && days <= 36_500)) throw new RangeError(`days must be in (0, 36500], got ${days}`);
  const rows = opts.rows ?? DEFAULT_STORE_MONITORING_ROWS;
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`rows must be an integer ≥ 0, got ${rows}`);
  const im = opts.intervalMinutes;
  if (im !== undefined && !(im >= MIN_POLL_INTERVAL_MINUTES && Number.isFinite(im))) throw new RangeError(`intervalMinutes must be ≥ ${MIN_POLL_INTERVAL_MINUTES}, got ${im}`);
  const endMs = (opts.endAt ?? new Date(DEFAULT_STORE_MONITORING_END_AT)).getTime();
  if (!Number.isFinite(endMs)) throw new RangeError('endAt must be a valid Date');
  const endUs = endMs * 1000;
  return {
    stores,
    seedHash: hashSeed(opts.seed ?? DEFAULT_STORE_MONITORING_SEED),
    startUs: endUs - Math.round(days * US_PER_DAY),
    endUs,
    endAt: new Date(endMs),
    intervalMinutes: im ?? null,
    rows,
  };
}

/** The options that are set (so that spreading them over a preset keeps the preset's values). */
function definedOnly(opts: StoreMonitoringGenOptions): StoreMonitoringGenOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) out[k] = v;
  return out;
}

/** A store's own generator for one purpose (salt), independent of every other option. */
function storeRng(seedHash: number, salt: number, index: number): Prng {
  return new Prng(mixPair(mixPair(seedHash, salt), index));
}
const SALT_PROFILE = 0x70726f66; // "prof"
const SALT_HOURS = 0x686f7572; // "hour"
const SALT_ZONE = 0x7a6f6e65; // "zone"
const SALT_ID = 0x69647321; // "ids!"
const SALT_POLLS = 0x706f6c6c; // "poll"

/**
 * Lower-case UUID-looking (version 4 layout) id of store `index`. The first 8 hex digits are a
 * keyed bijection of the index (mix32 of index + key), so ids are unique by construction.
 */
export function storeId(seed: number | string, index: number): string {
  return storeIdOf(hashSeed(seed), index);
}

function storeIdOf(seedHash: number, index: number): string {
  const key = mixPair(seedHash, SALT_ID);
  const a = mix32((index + key) >>> 0);
  const b = mixPair(key, index);
  const c = mixPair(b, 1);
  const d = mixPair(b, 2);
  return hex8(a) + '-' + hex4(b >>> 16) + '-4' + hex4(b & 0xfff).slice(1) + '-' + HEX2[0x80 | ((c >>> 24) & 0x3f)] + HEX2[(c >>> 16) & 255] + '-' + hex4(c & 0xffff) + hex8(d);
}

/**
 * The same text as one flat string. A concatenated id is a rope of ~12 nodes (~400 bytes), walked
 * again each time a chunk holding it is written: kept for a million stores, that was 4x the memory
 * and 2x the time. Reading a character makes V8 flatten the rope in place (~60 bytes).
 */
function flatten(s: string): string {
  s.charCodeAt(0);
  return s;
}

/** Per-store polling profile (typed arrays over all stores). */
interface StorePlan {
  ids: string[];
  neverPolls: Uint8Array;
  /** P(active → inactive) and P(inactive → active) per poll. */
  pFail: Float64Array;
  pRecover: Float64Array;
  pollingStores: number;
}

function planStores(r: Resolved): StorePlan {
  const n = r.stores;
  const plan: StorePlan = {
    ids: new Array<string>(n),
    neverPolls: new Uint8Array(n),
    pFail: new Float64Array(n),
    pRecover: new Float64Array(n),
    pollingStores: 0,
  };
  for (let i = 0; i < n; i++) {
    plan.ids[i] = flatten(storeIdOf(r.seedHash, i));
    const rng = storeRng(r.seedHash, SALT_PROFILE, i);
    const never = rng.float() < NEVER_POLL_SHARE;
    const flaky = rng.float() < FLAKY_STORE_SHARE;
    // Stationary share active = pRecover / (pFail + pRecover); an outage lasts 1/pRecover polls on
    // average.
    const up = flaky ? 0.5 + 0.2 * rng.float() : 0.955 + 0.03 * rng.float();
    const meanOutage = 1.5 + 1.5 * rng.float();
    const pRecover = 1 / meanOutage;
    plan.neverPolls[i] = never ? 1 : 0;
    plan.pRecover[i] = pRecover;
    plan.pFail[i] = Math.min(1, (pRecover * (1 - up)) / up);
    if (!never) plan.pollingStores++;
  }
  return plan;
}

function intervalMinutesOf(r: Resolved, plan: StorePlan): number {
  if (r.intervalMinutes !== null) return r.intervalMinutes;
  if (r.rows === 0 || plan.pollingStores === 0) return Infinity;
  const minutes = ((r.endUs - r.startUs) / US_PER_MINUTE) * (plan.pollingStores / r.rows);
  if (minutes < MIN_POLL_INTERVAL_MINUTES)
    throw new RangeError(
      `rows ${r.rows} over ${plan.pollingStores} polling stores would poll every ` +
        `${minutes.toFixed(3)} min (< ${MIN_POLL_INTERVAL_MINUTES}): ask for fewer rows, ` +
        'more days or more stores',
    );
  return minutes;
}

// ---------------------------------------------------------------- store_status.csv

/**
 * Stateful store_status CSV builder. `nextChunk()` returns the header, then batches of up to
 * SM_BATCH_ROWS polls in time order, then null. Counters are final once it returns null.
 */
export class StoreStatusCsvGenerator {
  readonly intervalMinutes: number;
  readonly storesWithoutPolls: number;
  rowsWritten = 0;
  duplicates = 0;
  bytes = 0;
  firstPollUs = NaN;
  lastPollUs = NaN;

  private readonly rng: Prng;
  private readonly ids: string[];
  private readonly pFail: Float64Array;
  private readonly pRecover: Float64Array;
  private readonly intervalUs: number;
  private readonly startUs: number;
  private readonly endUs: number;
  /** Next poll instant (µs since the epoch, already rounded to its format's precision). */
  private readonly nextUs: Float64Array;
  private readonly nextFmt: Uint8Array;
  private readonly active: Uint8Array;
  /** Binary min-heap of store indexes by (nextUs, index). */
  private readonly heap: Int32Array;
  private size = 0;
  private readonly firstDay: number;
  private readonly dayText: string[] = [];
  private headerDone = false;

  constructor(opts: StoreMonitoringGenOptions, shared?: { r: Resolved; plan: StorePlan }) {
    const r = shared?.r ?? resolve(opts);
    const plan = shared?.plan ?? planStores(r);
    this.intervalMinutes = intervalMinutesOf(r, plan);
    this.intervalUs = this.intervalMinutes * US_PER_MINUTE;
    this.startUs = r.startUs;
    this.endUs = r.endUs;
    this.ids = plan.ids;
    this.pFail = plan.pFail;
    this.pRecover = plan.pRecover;
    this.rng = new Prng(mixPair(r.seedHash, SALT_POLLS));

    const n = r.stores;
    this.nextUs = new Float64Array(n);
    this.nextFmt = new Uint8Array(n);
    this.active = new Uint8Array(n);
    this.heap = new Int32Array(n);
    const rng = this.rng;
    let without = 0;
    for (let i = 0; i < n; i++) {
      // Draws happen for every store, so that a store's phase does not depend on its neighbours'
      // profiles.
      const phase = rng.float();
      const up = plan.pRecover[i] / (plan.pFail[i] + plan.pRecover[i]);
      this.active[i] = rng.float() < up ? 1 : 0;
      const t = this.schedule(i, r.startUs + phase * this.intervalUs);
      if (plan.neverPolls[i] || !(t < this.endUs)) {
        without++;
        continue;
      }
      this.heap[this.size++] = i;
    }
    this.storesWithoutPolls = without;
    for (let k = (this.size >> 1) - 1; k >= 0; k--) this.siftDown(k);

    const firstDay = Math.floor(r.startUs / US_PER_DAY);
    const lastDay = Math.floor((r.endUs - 1) / US_PER_DAY);
    this.firstDay = firstDay;
    for (let d = firstDay; d <= lastDay; d++) this.dayText.push(new Date(d * 86_400_000).toISOString().slice(0, 10)); // once per day
  }

  get done(): boolean {
    return this.headerDone && this.size === 0;
  }

  /** Header line, then batches of polls in time order, then null. */
  nextChunk(): string | null {
    let chunk: string;
    if (!this.headerDone) {
      this.headerDone = true;
      chunk = STORE_STATUS_HEADER + '\n';
    } else {
      if (this.size === 0) return null;
      chunk = '';
      for (let k = 0; k < SM_BATCH_ROWS && this.size > 0; k++) chunk += this.nextPoll();
    }
    this.bytes += chunk.length; // ASCII only
    return chunk;
  }

  /** Draws the format of a poll due at `us`, stores the instant rounded to its precision. */
  private schedule(i: number, us: number): number {
    const rng = this.rng;
    const u = rng.float();
    let fmt: number;
    let unit: number;
    if (u < STATUS_ISO_SHARE) {
      fmt = FMT_ISO;
      unit = 1000;
    } else {
      const digits = digitSampler(rng);
      fmt = (u < STATUS_ISO_SHARE + STATUS_NO_SUFFIX_SHARE ? FMT_BARE : FMT_UTC) + digits;
      unit = DIGIT_UNIT_US[digits];
    }
    let t = Math.floor(us / unit) * unit;
    if (t < this.startUs) t += unit; // a first poll right at the window's start
    this.nextUs[i] = t;
    this.nextFmt[i] = fmt;
    return t;
  }

  private nextPoll(): string {
    const rng = this.rng;
    const s = this.heap[0];
    const t = this.nextUs[s];
    if (this.rowsWritten === 0) this.firstPollUs = t;
    this.lastPollUs = t;
    let line = this.ids[s] + (this.active[s] === 1 ? ',active,' : ',inactive,') + this.formatInstant(t, this.nextFmt[s]) + '\n';
    this.rowsWritten++;
    if (rng.float() < STATUS_DUPLICATE_RATE) {
      line += line;
      this.rowsWritten++;
      this.duplicates++;
    }

    // The store's next poll: status transition, jittered interval, format.
    if (this.active[s] === 1) {
      if (rng.float() < this.pFail[s]) this.active[s] = 0;
    } else if (rng.float() < this.pRecover[s]) {
      this.active[s] = 1;
    }
    const gap = this.intervalUs * (1 - POLL_JITTER + 2 * POLL_JITTER * rng.float());
    const next = this.schedule(s, t + gap);
    if (next < this.endUs) {
      this.siftDown(0);
    } else {
      this.size--;
      if (this.size > 0) {
        this.heap[0] = this.heap[this.size];
        this.siftDown(0);
      }
    }
    return line;
  }

  private siftDown(k: number): void {
    const heap = this.heap;
    const key = this.nextUs;
    const n = this.size;
    const item = heap[k];
    const t = key[item];
    for (;;) {
      let c = 2 * k + 1;
      if (c >= n) break;
      let child = heap[c];
      let ct = key[child];
      if (c + 1 < n) {
        const other = heap[c + 1];
        const ot = key[other];
        if (ot < ct || (ot === ct && other < child)) {
          c++;
          child = other;
          ct = ot;
        }
      }
      if (t < ct || (t === ct && item < child)) break;
      heap[k] = child;
      k = c;
    }
    heap[k] = item;
  }

  private formatInstant(us: number, fmt: number): string {
    const sec = Math.floor(us / 1e6);
    const micro = us - sec * 1e6;
    const day = Math.floor(sec / 86_400);
    const sod = sec - day * 86_400;
    const h = (sod / 3600) | 0;
    const m = ((sod - h * 3600) / 60) | 0;
    const hms = PAD2[h] + ':' + PAD2[m] + ':' + PAD2[sod - h * 3600 - m * 60];
    const date = this.dayText[day - this.firstDay];
    if (fmt === FMT_ISO) return date + 'T' + hms + '.' + PAD3[(micro / 1000) | 0] + 'Z';
    const digits = fmt >= FMT_BARE ? fmt - FMT_BARE : fmt - FMT_UTC;
    let text = date + ' ' + hms;
    if (digits > 0 && micro > 0) {
      const hi = (micro / 1000) | 0;
      let frac = (PAD3[hi] + PAD3[micro - hi * 1000]).slice(0, digits);
      let end = frac.length;
      while (frac.charCodeAt(end - 1) === 48 /* '0' */) end--;
      frac = frac.slice(0, end);
      text += '.' + frac;
    }
    return fmt >= FMT_BARE ? text : text + ' UTC';
  }
}

// ---------------------------------------------------------------- menu_hours.csv

const CLOSED_DAYS = [0, 1, 2, 3];

/** Open days (0 = Monday … 6 = Sunday) as a 7-bit mask: all, or closed 1–3 days. */
function openDays(rng: Prng, closedWeights: readonly number[]): number {
  const closed = weightedPick(rng, CLOSED_DAYS, closedWeights);
  if (closed === 0) return 0x7f;
  if (closed === 1) return 0x7f & ~(1 << rng.pick([0, 0, 0, 1, 6, 6])); // Monday or Sunday mostly
  if (closed === 2) return rng.float() < 0.7 ? 0x1f : 0x7f & ~(1 | (1 << 6)); // weekend, or Sun+Mon
  return rng.float() < 0.5 ? 0x7f & ~(1 | 2 | (1 << 6)) : 0x1f & ~1; // Sun–Tue or Sat–Mon closed
}

/** Days open: P(closed 0, 1, 2, 3 days a week) per profile. */
const REGULAR_CLOSED: readonly number[] = [0.22, 0.36, 0.32, 0.1];
const SPLIT_CLOSED: readonly number[] = [0.3, 0.4, 0.3, 0];
const OVERNIGHT_CLOSED: readonly number[] = [0.5, 0.5, 0, 0];

/** The hours rows of one store ('' for a store open 24×7), and how many rows they are. */
function storeHours(seedHash: number, index: number, id: string): { text: string; rows: number } {
  const rng = storeRng(seedHash, SALT_HOURS, index);
  const profile = profileSampler(rng);
  let text = '';
  let rows = 0;
  const row = (day: number, start: string, end: string): void => {
    text += id + ',' + day + ',' + start + ',' + end + '\n';
    rows++;
  };
  switch (HOURS_PROFILES[profile]) {
    case 'none':
      break;
    case 'whole_day':
      for (let d = 0; d < 7; d++) row(d, '00:00:00', '00:00:00');
      break;
    case 'overnight': {
      const days = openDays(rng, OVERNIGHT_CLOSED);
      const start = HHMM00[hm(16 + rng.below(7), rng.pick([0, 0, 30]))]; // 16:00–22:30
      const late = HHMM00[hm(rng.below(4), rng.pick([0, 30]))]; // 00:00–03:30
      const weekendOnly = rng.float() < 0.4; // only Thu–Sat nights run past midnight
      const usual = HHMM00[hm(23, 30)]; // after any start
      for (let d = 0; d < 7; d++) {
        if (!(days & (1 << d))) continue;
        row(d, start, !weekendOnly || (d >= 3 && d <= 5) ? late : usual);
      }
      break;
    }
    case 'split': {
      const days = openDays(rng, SPLIT_CLOSED);
      const overlapping = rng.float() < 0.2;
      const lunchStart = HHMM00[hm(10 + rng.below(2), rng.pick([0, 30]))];
      let lunchEnd: string;
      let dinnerStart: string;
      if (overlapping) {
        lunchEnd = HHMM00[hm(15, 30)];
        dinnerStart = HHMM00[hm(15)];
      } else {
        lunchEnd = HHMM00[hm(14 + rng.below(2))];
        dinnerStart = HHMM00[hm(17, rng.pick([0, 30]))];
      }
      const dinnerEnd = HHMM00[hm(21 + rng.below(3))];
      for (let d = 0; d < 7; d++) {
        if (!(days & (1 << d))) continue;
        row(d, lunchStart, lunchEnd);
        row(d, dinnerStart, dinnerEnd);
      }
      break;
    }
    case 'regular': {
      const days = openDays(rng, REGULAR_CLOSED);
      const openAt = hm(6 + rng.below(6), rng.pick([0, 0, 30])); // 06:00–11:30
      const close = rng.float() < 0.05 ? END_OF_DAY : HHMM00[hm(17 + rng.below(7), rng.pick([0, 0, 30]))];
      const weekendLater = rng.float() < 0.3; // opens an hour or two later on Sat/Sun
      const weekendOpen = HHMM00[openAt + 60 * (1 + rng.below(2))];
      for (let d = 0; d < 7; d++) {
        if (!(days & (1 << d))) continue;
        row(d, weekendLater && d >= 5 ? weekendOpen : HHMM00[openAt], close);
      }
      break;
    }
  }
  return { text, rows };
}

/** menu_hours.csv in chunks of STORES_PER_CHUNK stores: header first, null when done. */
class MenuHoursCsvGenerator {
  rowsWritten = 0;
  bytes = 0;
  private index = 0;
  private headerDone = false;

  constructor(
    private readonly r: Resolved,
    private readonly ids: string[],
  ) {}

  nextChunk(): string | null {
    let chunk: string;
    if (!this.headerDone) {
      this.headerDone = true;
      chunk = MENU_HOURS_HEADER + '\n';
    } else {
      if (this.index >= this.r.stores) return null;
      chunk = '';
      const end = Math.min(this.r.stores, this.index + STORES_PER_CHUNK);
      for (; this.index < end; this.index++) {
        const h = storeHours(this.r.seedHash, this.index, this.ids[this.index]);
        chunk += h.text;
        this.rowsWritten += h.rows;
      }
    }
    this.bytes += chunk.length;
    return chunk;
  }
}

// ---------------------------------------------------------------- timezones.csv

/** timezones.csv in chunks of STORES_PER_CHUNK stores: header first, null when done. */
class TimezonesCsvGenerator {
  rowsWritten = 0;
  unknownZones = 0;
  bytes = 0;
  private index = 0;
  private headerDone = false;

  constructor(
    private readonly r: Resolved,
    private readonly plan: StorePlan,
  ) {}

  nextChunk(): string | null {
    let chunk: string;
    if (!this.headerDone) {
      this.headerDone = true;
      chunk = TIMEZONES_HEADER + '\n';
    } else {
      if (this.index >= this.r.stores) return null;
      chunk = '';
      const end = Math.min(this.r.stores, this.index + STORES_PER_CHUNK);
      for (; this.index < end; this.index++) {
        const i = this.index;
        const rng = storeRng(this.r.seedHash, SALT_ZONE, i);
        const has = rng.float() < TIMEZONE_ROW_SHARE;
        const unknown = rng.float() < UNKNOWN_TIMEZONE_SHARE;
        const zone = zoneSampler(rng);
        // A store that never polls keeps a (known) zone row, so it is in at least one file.
        if (this.plan.neverPolls[i]) {
          chunk += this.plan.ids[i] + ',' + STORE_TIMEZONES[zone] + '\n';
        } else if (has) {
          if (unknown) {
            chunk += this.plan.ids[i] + ',' + rng.pick(STORE_UNKNOWN_TIMEZONES) + '\n';
            this.unknownZones++;
          } else {
            chunk += this.plan.ids[i] + ',' + STORE_TIMEZONES[zone] + '\n';
          }
        } else {
          continue;
        }
        this.rowsWritten++;
      }
    }
    this.bytes += chunk.length;
    return chunk;
  }
}

// ---------------------------------------------------------------- the three feeds

interface FeedGenerators {
  status: StoreStatusCsvGenerator;
  hours: MenuHoursCsvGenerator;
  zones: TimezonesCsvGenerator;
  r: Resolved;
}

function feedGenerators(opts: StoreMonitoringGenOptions): FeedGenerators {
  const r = resolve(opts);
  const plan = planStores(r);
  return {
    status: new StoreStatusCsvGenerator(opts, { r, plan }),
    hours: new MenuHoursCsvGenerator(r, plan.ids),
    zones: new TimezonesCsvGenerator(r, plan),
    r,
  };
}

function resultOf(g: FeedGenerators): StoreMonitoringGenResult {
  const s = g.status;
  const date = (us: number): Date | null => (Number.isNaN(us) ? null : new Date(Math.floor(us / 1000)));
  return {
    stores: g.r.stores,
    statusRows: s.rowsWritten,
    duplicates: s.duplicates,
    hoursRows: g.hours.rowsWritten,
    timezoneRows: g.zones.rowsWritten,
    unknownZones: g.zones.unknownZones,
    storesWithoutPolls: s.storesWithoutPolls,
    statusBytes: s.bytes,
    hoursBytes: g.hours.bytes,
    timezoneBytes: g.zones.bytes,
    firstPollAt: date(s.firstPollUs),
    lastPollAt: date(s.lastPollUs),
    intervalMinutes: s.intervalMinutes,
    endAt: g.r.endAt,
  };
}

async function writeFile(file: string, next: () => string | null, format: OutputFormat): Promise<CsvToJsonCounts | null> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let json: CsvToJsonCounts | null;
  try {
    ({ json } = await writeInFormat(out, format, (sink) => pump(sink, next)));
  } catch (err) {
    out.destroy();
    throw err;
  }
  out.end();
  await finished(out);
  return json;
}

/** `store_status.csv` → `store_status.ndjson` / `.json` for JSON formats. */
function fileName(csvName: string, format: OutputFormat): string {
  return format === 'csv' ? csvName : csvName.replace(/\.csv$/, '.' + format);
}

/**
 * Writes store_status.csv, menu_hours.csv and timezones.csv into `dir` (created if missing),
 * streaming with backpressure in flat memory; with `format` ndjson / json, each file is converted
 * on the fly (store_status.ndjson, …; the *Bytes counts stay those of the CSV text).
 */
export async function generateStoreMonitoringFeeds(dir: string, opts: StoreMonitoringFeedsOptions = {}): Promise<StoreMonitoringFeedsResult> {
  const format = opts.format ?? 'csv';
  const g = feedGenerators(opts);
  const files = {
    status: path.join(dir, fileName(STORE_STATUS_FILE, format)),
    hours: path.join(dir, fileName(MENU_HOURS_FILE, format)),
    timezones: path.join(dir, fileName(TIMEZONES_FILE, format)),
  };
  await fsp.mkdir(dir, { recursive: true });
  const status = await writeFile(files.status, () => g.status.nextChunk(), format);
  const hours = await writeFile(files.hours, () => g.hours.nextChunk(), format);
  const timezones = await writeFile(files.timezones, () => g.zones.nextChunk(), format);
  const res: StoreMonitoringFeedsResult = { ...resultOf(g), files };
  if (status && hours && timezones) res.json = { status, hours, timezones };
  return res;
}

/**
 * Writes one feed to `out` with backpressure (does not end it). The counts of that feed are final;
 * the other feeds' row and byte counts are 0.
 */
export async function writeStoreMonitoringFeed(
  out: NodeJS.WritableStream,
  feed: 'status' | 'hours' | 'timezones',
  opts: StoreMonitoringGenOptions = {},
): Promise<StoreMonitoringGenResult> {
  const g = feedGenerators(opts);
  const gen = feed === 'status' ? g.status : feed === 'hours' ? g.hours : g.zones;
  await pump(out, () => gen.nextChunk());
  return resultOf(g);
}

/** The three feeds as strings (small sizes only: tests, fixtures, demos). */
export function storeMonitoringCsvStrings(opts: StoreMonitoringGenOptions = {}): {
  statusCsv: string;
  hoursCsv: string;
  timezonesCsv: string;
} & StoreMonitoringGenResult {
  const g = feedGenerators(opts);
  const all = (gen: { nextChunk(): string | null }): string => {
    let s = '';
    for (let c = gen.nextChunk(); c !== null; c = gen.nextChunk()) s += c;
    return s;
  };
  const statusCsv = all(g.status);
  const hoursCsv = all(g.hours);
  const timezonesCsv = all(g.zones);
  return { statusCsv, hoursCsv, timezonesCsv, ...resultOf(g) };
}
