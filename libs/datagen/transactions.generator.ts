import { dollarAmount, PAD2, PAD3, PAD4, plainAmount } from './format';
import { pump } from './pump';
import { hashSeed, mix32, mixPair, Prng, weightedSampler, WeightedSampler } from './prng';

/**
 * Seeded, streaming generator of realistic `transactions` and `merchants` CSV files.
 *
 * - Deterministic: the same options (seed, now, …) always give the same bytes.
 * - Flat memory: rows are built by string concatenation into batches of BATCH_ROWS rows and
 *   written with backpressure; no per-row Date objects, no Set of ids (ids are a keyed bijection
 *   of a row counter, so they are unique by construction).
 * - Faults: each row is faulty with probability errorRate; the fault type is uniform over
 *   FAULT_TYPES. Faulty rows carry exactly one fault and no other variety, so that a cleaner
 *   should reject exactly `faultyRows` rows, counting duplicates of ids of earlier clean rows.
 * - Variety on clean rows (all still valid): zone case/spaces, category synonyms in odd case,
 *   "$1,234.50" amounts, alternative timestamp formats, formatted or too-short phones, and ~1 %
 *   of rows with a quoted zone containing a comma ("Downtown, East"; see QUOTED_COMMA_ZONES).
 * - Realism: merchants have a home zone (weighted popularity) and main category; merchant volumes
 *   are log-normal; amounts are log-normal per category; timestamps follow day-of-week and
 *   hour-of-day curves (UTC); customers come from a skewed pool of ~rows/4 phone numbers.
 * All output is ASCII, so byte counts equal string lengths.
 */

export const TRANSACTIONS_HEADER =
  'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE';
export const MERCHANTS_HEADER = 'MERCHANT_ID,NAME,ZONE';

export const ZONES = [
  'Downtown',
  'North',
  'South',
  'East',
  'West',
  'Suburb',
  'Airport',
  'Harbor',
] as const;
/** Relative popularity of ZONES (merchant placement, hence transaction share). */
export const ZONE_WEIGHTS: readonly number[] = [24, 13, 12, 12, 13, 14, 6, 6];

export const CATEGORIES = [
  'Grocery',
  'Food',
  'Electronics',
  'Fashion',
  'Transport',
  'Utilities',
  'Healthcare',
  'Education',
  'Home',
  'Entertainment',
] as const;
export const CATEGORY_WEIGHTS: readonly number[] = [18, 20, 6, 10, 12, 6, 6, 3, 8, 11];

/**
 * Category amounts are log-normal: median (in currency units) and sigma of the underlying normal.
 * Clamped to [AMOUNT_MIN, AMOUNT_MAX] so clean rows are always valid.
 */
export const CATEGORY_AMOUNTS: Readonly<
  Record<(typeof CATEGORIES)[number], { median: number; sigma: number }>
> = {
  Grocery: { median: 45, sigma: 0.7 },
  Food: { median: 22, sigma: 0.6 },
  Electronics: { median: 280, sigma: 0.9 },
  Fashion: { median: 75, sigma: 0.7 },
  Transport: { median: 18, sigma: 0.8 },
  Utilities: { median: 110, sigma: 0.5 },
  Healthcare: { median: 90, sigma: 0.9 },
  Education: { median: 250, sigma: 1.0 },
  Home: { median: 120, sigma: 0.9 },
  Entertainment: { median: 40, sigma: 0.7 },
};
const AMOUNT_MIN_CENTS = 100; // 1.00
const AMOUNT_MAX_CENTS = 5_000_000; // 50,000.00

/**
 * Spellings of each category used on ~1.5 % of clean rows. Every one maps back to the canonical name
 * by title-casing + the synonyms GROCERIES, ELECTRONIC, CLOTHING, CLOTHES, TRANSPORTATION, UTILITY,
 * HEALTH, EDU (the transactions cleaner's map).
 */
export const CATEGORY_VARIANTS: Readonly<Record<(typeof CATEGORIES)[number], readonly string[]>> = {
  Grocery: ['GROCERIES', 'groceries', 'grocery', 'GROCERY'],
  Food: ['food', 'FOOD', 'fOOD'],
  Electronics: ['electronics', 'ELECTRONICS', 'Electronic'],
  Fashion: ['clothing', 'CLOTHING', 'Clothes', 'fashion'],
  Transport: ['Transportation', 'TRANSPORTATION', 'transport'],
  Utilities: ['utilities', 'UTILITY', 'Utility'],
  Healthcare: ['Health', 'HEALTH', 'healthcare'],
  Education: ['edu', 'EDU', 'education'],
  Home: ['home', 'HOME', ' Home '],
  Entertainment: ['entertainment', 'ENTERTAINMENT', 'EnterTainment'],
};

export const FAULT_TYPES = [
  'missing_field',
  'unparsable_amount',
  'negative_amount',
  'amount_too_large',
  'invalid_timestamp',
  'future_timestamp',
  'duplicate_id',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

/** Values used for the unparsable-amount fault (none of them contains a usable number). */
export const BAD_AMOUNTS: readonly string[] = [
  'abc',
  '1.2.3',
  'N/A',
  '#VALUE!',
  '12..5',
  'one hundred',
];
/** Values used for the garbage-timestamp fault. */
export const BAD_TIMESTAMPS: readonly string[] = [
  'not-a-date',
  '2024-13-45 10:00:00',
  '99/99/9999 99:99:99',
  '2025-02-30T25:61:00',
  'yesterday',
];

/** Share of the configured merchants that ever appear in transactions (the rest are dormant). */
export const ACTIVE_MERCHANT_SHARE = 0.9;
/** Share of clean rows given one harmless formatting variety. */
export const VARIETY_RATE = 0.1;
/** Share of clean rows whose zone is quoted and contains a comma. */
export const QUOTED_COMMA_RATE = 0.01;

export const DEFAULT_SEED = 42;
export const DEFAULT_ERROR_RATE = 0.02;
export const DEFAULT_MERCHANTS = 5000;
export const DEFAULT_DAYS = 90;

/**
 * Rows per written chunk (~90 KB of text for transactions). Measured: 10,000-row batches keep ~200K
 * rope (ConsString) nodes alive across young-generation GCs, which promotes them and triples the
 * run time; 1,000-row batches die young. The output stream coalesces chunks up to its highWaterMark.
 */
const BATCH_ROWS = 1_000;
const DAY_SECONDS = 86_400;
/** Recent clean ids kept for the duplicate-id fault. */
const RECENT_IDS = 64;

export interface TransactionsGenOptions {
  rows: number;
  /** Any integer (or string); default DEFAULT_SEED (42). */
  seed?: number;
  /** Probability that a row is faulty, in [0, 1]; default 0.02. */
  errorRate?: number;
  /** Merchant ids MERCH_0001..MERCH_<merchants>; default 5000. */
  merchants?: number;
  /** Timestamps spread over the last N days before `now`; default 90. */
  days?: number;
  /** Reference instant; default the current time (pass it for reproducible output). */
  now?: Date;
}

export interface MerchantsGenOptions {
  rows: number;
  seed?: number;
}

export interface TransactionsGenResult {
  rows: number;
  bytes: number;
  faultyRows: number;
  /** Faulty rows by type (sums to faultyRows). */
  faultsByType: Record<FaultType, number>;
}

export interface MerchantsGenResult {
  rows: number;
  bytes: number;
}

// ---------------------------------------------------------------- small lookup tables

const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push(i.toString(16).toUpperCase().padStart(2, '0'));

/** Uppercase 8-digit hex of an unsigned 32-bit value. */
function hex8(x: number): string {
  return HEX2[x >>> 24] + HEX2[(x >>> 16) & 255] + HEX2[(x >>> 8) & 255] + HEX2[x & 255];
}

/** Six zero-padded digits (0..999999). */
function pad6(x: number): string {
  const hi = (x / 1000) | 0;
  return PAD3[hi] + PAD3[x - hi * 1000];
}

/** Seven zero-padded digits (0..9999999). */
function pad7(x: number): string {
  const hi = (x / 10000) | 0;
  return PAD3[hi] + PAD4[x - hi * 10000];
}



function mixedCase(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += i % 2 === 0 ? s[i].toUpperCase() : s[i].toLowerCase();
  return out;
}

/** RFC 4180 quoting, only when needed. */
export function csvField(value: string): string {
  if (/[",\r\n]/.test(value)) return '"' + value.replace(/"/g, '""') + '"';
  return value;
}

/** Zero-padded merchant id: MERCH_0001…, at least 4 digits, more when `total` needs them. */
export function merchantId(index: number, total: number): string {
  const width = Math.max(4, String(total).length);
  return 'MERCH_' + String(index).padStart(width, '0');
}

// ---------------------------------------------------------------- merchants

const NAME_FIRST = [
  'Blue',
  'Golden',
  'Silver',
  'Red',
  'Green',
  'Old',
  'Little',
  'Happy',
  'Sunny',
  'Urban',
  'Royal',
  'Lucky',
  'Corner',
  'Maple',
  'Oak',
  'Cedar',
  'Copper',
  'Rustic',
  'Bright',
  'Quiet',
  'Northern',
  'Harbor',
  'Velvet',
  'Iron',
];
const NAME_SECOND = [
  'Door',
  'Lantern',
  'Leaf',
  'Anchor',
  'Fox',
  'Bridge',
  'Garden',
  'Spoon',
  'Wheel',
  'Stone',
  'Bell',
  'River',
  'Owl',
  'Crown',
  'Pine',
  'Harvest',
  'Sparrow',
  'Tide',
  'Summit',
  'Meadow',
];
const NAME_SUFFIX: Readonly<Record<(typeof CATEGORIES)[number], readonly string[]>> = {
  Grocery: ['Market', 'Grocers', 'Pantry', 'Food Mart', 'Supermarket'],
  Food: ['Cafe', 'Bistro', 'Kitchen', 'Diner', 'Grill', 'Bakery', 'Noodle Bar'],
  Electronics: ['Electronics', 'Tech', 'Gadgets', 'Computers'],
  Fashion: ['Boutique', 'Apparel', 'Outfitters', 'Shoes'],
  Transport: ['Taxi', 'Auto Service', 'Fuel', 'Parking', 'Bikes'],
  Utilities: ['Power & Light', 'Water Co', 'Telecom', 'Energy'],
  Healthcare: ['Pharmacy', 'Clinic', 'Dental', 'Optics'],
  Education: ['Academy', 'Learning Center', 'Books', 'Tutoring'],
  Home: ['Home Goods', 'Hardware', 'Furnishings', 'Interiors'],
  Entertainment: ['Cinema', 'Arcade', 'Lounge', 'Theater', 'Bowling'],
};
const SURNAMES = [
  'Smith',
  'Garcia',
  'Nguyen',
  'Okafor',
  'Kowalski',
  'Patel',
  'Rossi',
  'Silva',
  'Cohen',
  'Tanaka',
];

export interface MerchantProfile {
  index: number;
  zoneIndex: number;
  categoryIndex: number;
  /** Whether the merchant appears in transactions (ACTIVE_MERCHANT_SHARE of them do). */
  active: boolean;
  /** Relative transaction volume (log-normal, so some merchants are much busier). */
  volume: number;
}

const zoneSampler = weightedSampler(ZONE_WEIGHTS);
const categorySampler = weightedSampler(CATEGORY_WEIGHTS);

/**
 * A merchant's attributes depend only on (seed, index), so the merchants file and the transactions
 * file made with the same seed agree on every merchant's zone and dormancy, whatever `rows` says.
 */
function merchantRng(seedHash: number, index: number): Prng {
  return new Prng(mixPair(mixPair(seedHash, 0x6d657263 /* "merc" */), index));
}

export function merchantProfile(seed: number, index: number): MerchantProfile {
  return profileFromRng(merchantRng(hashSeed(seed), index), index);
}

function profileFromRng(rng: Prng, index: number): MerchantProfile {
  const zoneIndex = zoneSampler(rng);
  const categoryIndex = categorySampler(rng);
  const active = rng.float() < ACTIVE_MERCHANT_SHARE;
  const volume = rng.lognormal(0, 1);
  return { index, zoneIndex, categoryIndex, active, volume };
}

/** Draws the merchant's display name; must be called right after profileFromRng on the same rng. */
function merchantName(rng: Prng, categoryIndex: number): string {
  const suffix = rng.pick(NAME_SUFFIX[CATEGORIES[categoryIndex]]);
  const r = rng.float();
  if (r < 0.01) return rng.pick(SURNAMES) + ', ' + rng.pick(SURNAMES) + ' & Co'; // needs quoting
  if (r < 0.015) return 'The "' + rng.pick(NAME_FIRST) + '" ' + suffix; // embedded quotes
  if (r < 0.1) return rng.pick(SURNAMES) + "'s " + suffix;
  return rng.pick(NAME_FIRST) + ' ' + rng.pick(NAME_SECOND) + ' ' + suffix;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
}

// ---------------------------------------------------------------- merchants file

/** Builds the merchants CSV in chunks of BATCH_ROWS rows: header first, null when done. */
export function merchantsCsvChunks(opts: MerchantsGenOptions): () => string | null {
  checkCount('rows', opts.rows, 0);
  const total = opts.rows;
  const seedHash = hashSeed(opts.seed ?? DEFAULT_SEED);
  let index = 0;
  let headerDone = false;
  return () => {
    if (!headerDone) {
      headerDone = true;
      return MERCHANTS_HEADER + '\n';
    }
    if (index >= total) return null;
    let batch = '';
    const end = Math.min(total, index + BATCH_ROWS);
    while (index < end) {
      index++;
      const rng = merchantRng(seedHash, index);
      const p = profileFromRng(rng, index);
      const name = merchantName(rng, p.categoryIndex);
      batch += merchantId(index, total) + ',' + csvField(name) + ',' + ZONES[p.zoneIndex] + '\n';
    }
    return batch;
  };
}

/** Writes the merchants CSV (header + rows) to `out` honouring backpressure. Does not end `out`. */
export async function writeMerchantsCsv(
  out: NodeJS.WritableStream,
  opts: MerchantsGenOptions,
): Promise<MerchantsGenResult> {
  const bytes = await pump(out, merchantsCsvChunks(opts));
  return { rows: opts.rows, bytes };
}

// ---------------------------------------------------------------- transactions file

/** Relative transaction volume by UTC hour: quiet at night, peaks at lunch and in the evening. */
export const HOUR_WEIGHTS: readonly number[] = [
  0.6, 0.35, 0.25, 0.2, 0.25, 0.5, 1.2, 2.6, 4.2, 4.8, 5.2, 6.4, 8.8, 8.4, 6.0, 5.4, 5.8, 7.2, 8.8,
  9.2, 7.8, 5.6, 3.4, 1.6,
];
/** Relative volume by day of week, Sunday first. */
export const WEEKDAY_WEIGHTS: readonly number[] = [0.9, 0.95, 0.95, 1.0, 1.05, 1.2, 1.15];

const TS_VARIANTS = 6; // see formatTimestampVariant
const PHONE_VARIANTS = 5;

// Variety kinds (plain numbers: no const enum under isolatedModules), and their relative frequency.
const V_ZONE = 0;
const V_CATEGORY = 1;
const V_AMOUNT = 2;
const V_TIMESTAMP = 3;
const V_PHONE = 4;
const V_SHORT_PHONE = 5;
const varietySampler = weightedSampler([2, 1.5, 2, 2.5, 2, 0.5]);

const ZONE_VARIANTS: readonly (readonly string[])[] = ZONES.map((z) => [
  z.toLowerCase(),
  z.toUpperCase(),
  mixedCase(z),
  ' ' + z + ' ',
  '  ' + z.toLowerCase(),
  z + '  ',
]);
/**
 * Quoted zones containing a comma ("Downtown, East"): one fixed value per zone, starting with that zone,
 * so they add only 8 distinct raw values. A cleaner that upper-cases zones keeps them as-is.
 */
export const QUOTED_COMMA_ZONES: readonly string[] = ZONES.map(
  (z, i) => '"' + z + ', ' + ZONES[(i + 3) % ZONES.length] + '"',
);
const CATEGORY_VARIANT_LIST: readonly (readonly string[])[] = CATEGORIES.map(
  (c) => CATEGORY_VARIANTS[c],
);
const CATEGORY_MU: number[] = CATEGORIES.map((c) => Math.log(CATEGORY_AMOUNTS[c].median));
const CATEGORY_SIGMA: number[] = CATEGORIES.map((c) => CATEGORY_AMOUNTS[c].sigma);

interface DayInfo {
  dash: string; // YYYY-MM-DD
  slash: string; // YYYY/MM/DD
  dmy: string; // DD/MM/YYYY
}

/** Mutable per-row field values (reused; avoids allocating per row). */
interface RowFields {
  id: string;
  merchant: string;
  zone: string;
  category: string;
  amount: string;
  timestamp: string;
  phone: string;
}

/**
 * Stateful transactions CSV builder. `nextChunk()` returns the header, then batches of up to
 * BATCH_ROWS rows, then null. Counters (`rowsWritten`, `faultyRows`, `faultsByType`) are final
 * once it returns null.
 */
export class TransactionsCsvGenerator {
  readonly rows: number;
  rowsWritten = 0;
  faultyRows = 0;
  readonly faultsByType: Record<FaultType, number> = {
    missing_field: 0,
    unparsable_amount: 0,
    negative_amount: 0,
    amount_too_large: 0,
    invalid_timestamp: 0,
    future_timestamp: 0,
    duplicate_id: 0,
  };

  private readonly rng: Prng;
  private readonly errorRate: number;
  private readonly idKey: number;
  private readonly nowSec: number; // floor(now / 1000)
  private readonly windowStartSec: number;
  // Day table: index k ↔ UTC day (tableBaseDay + k).
  private readonly tableBaseSec: number;
  private readonly dayInfo: DayInfo[] = [];
  // Days of the window that timestamps are drawn from (indexes into the day table).
  private readonly windowDays: number[] = [];
  private readonly windowDaySampler: WeightedSampler;
  private readonly hourSampler = weightedSampler(HOUR_WEIGHTS);
  // Active merchants, and a volume-weighted sampler over them.
  private readonly activeIds: string[] = [];
  private readonly activeZone: number[] = [];
  private readonly activeCategory: number[] = [];
  private readonly merchantSampler: WeightedSampler;
  // Customers: phone = +1555 + 7 digits, a bijection of the customer index.
  private readonly customers: number;
  private readonly phoneMul: number;
  private readonly phoneAdd: number;
  private readonly recentIds: string[] = [];
  private recentPos = 0;
  private counter = 0;
  private headerDone = false;
  private readonly f: RowFields = {
    id: '',
    merchant: '',
    zone: '',
    category: '',
    amount: '',
    timestamp: '',
    phone: '',
  };

  constructor(opts: TransactionsGenOptions) {
    checkCount('rows', opts.rows, 0);
    const merchants = opts.merchants ?? DEFAULT_MERCHANTS;
    checkCount('merchants', merchants, 1);
    const errorRate = opts.errorRate ?? DEFAULT_ERROR_RATE;
    if (!(errorRate >= 0 && errorRate <= 1))
      throw new RangeError(`errorRate must be in [0, 1], got ${errorRate}`);
    const days = opts.days ?? DEFAULT_DAYS;
    if (!(days > 0 && days <= 36_500))
      throw new RangeError(`days must be in (0, 36500], got ${days}`);
    const nowMs = (opts.now ?? new Date()).getTime();
    if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid Date');

    this.rows = opts.rows;
    this.errorRate = errorRate;
    const seedHash = hashSeed(opts.seed ?? DEFAULT_SEED);
    this.rng = new Prng(mixPair(seedHash, 0x74786e73 /* "txns" */));
    this.idKey = mixPair(seedHash, 0x69647321 /* "ids!" */);

    // Time window [nowSec - days, nowSec): a whole second before nowSec plus a µs fraction is < now.
    this.nowSec = Math.floor(nowMs / 1000);
    this.windowStartSec = this.nowSec - Math.round(days * DAY_SECONDS);
    const firstWindowDay = Math.floor(this.windowStartSec / DAY_SECONDS);
    const lastWindowDay = Math.floor((this.nowSec - 1) / DAY_SECONDS);
    // Table covers the window, one day either side (±offset formats) and 32 days ahead (future fault).
    const tableBaseDay = firstWindowDay - 1;
    const tableEndDay = lastWindowDay + 33;
    this.tableBaseSec = tableBaseDay * DAY_SECONDS;
    for (let d = tableBaseDay; d <= tableEndDay; d++) {
      const iso = new Date(d * DAY_SECONDS * 1000).toISOString(); // once per day, not per row
      const y = iso.slice(0, 4);
      const m = iso.slice(5, 7);
      const dd = iso.slice(8, 10);
      this.dayInfo.push({
        dash: y + '-' + m + '-' + dd,
        slash: y + '/' + m + '/' + dd,
        dmy: dd + '/' + m + '/' + y,
      });
    }
    const dayWeights: number[] = [];
    for (let d = firstWindowDay; d <= lastWindowDay; d++) {
      this.windowDays.push(d - tableBaseDay);
      dayWeights.push(WEEKDAY_WEIGHTS[(((d + 4) % 7) + 7) % 7]); // 1970-01-01 was a Thursday
    }
    this.windowDaySampler = weightedSampler(dayWeights);

    // Merchants: same profiles as writeMerchantsCsv with this seed.
    const volumes: number[] = [];
    for (let i = 1; i <= merchants; i++) {
      const p = profileFromRng(merchantRng(seedHash, i), i);
      if (!p.active) continue;
      this.activeIds.push(merchantId(i, merchants));
      this.activeZone.push(p.zoneIndex);
      this.activeCategory.push(p.categoryIndex);
      volumes.push(p.volume);
    }
    if (this.activeIds.length === 0) {
      // Tiny merchant counts: keep at least merchant 1.
      const p = profileFromRng(merchantRng(seedHash, 1), 1);
      this.activeIds.push(merchantId(1, merchants));
      this.activeZone.push(p.zoneIndex);
      this.activeCategory.push(p.categoryIndex);
      volumes.push(1);
    }
    this.merchantSampler = weightedSampler(volumes);

    // About rows/4 customers (at most 10^7 distinct 7-digit numbers).
    this.customers = Math.min(10_000_000, Math.max(1, Math.ceil(opts.rows / 4)));
    // Multiplier coprime with 10^7 (odd, not a multiple of 5) → idx ↦ (idx·mul + add) mod 10^7 is a bijection.
    let mul = (mixPair(seedHash, 0x70686f6e /* "phon" */) % 9_000_000) + 1_000_000;
    if (mul % 2 === 0) mul++;
    if (mul % 5 === 0) mul += 2;
    this.phoneMul = mul;
    this.phoneAdd = mixPair(seedHash, 0x61646421) % 10_000_000;
  }

  get done(): boolean {
    return this.headerDone && this.rowsWritten >= this.rows;
  }

  /** Header line, then batches of rows, then null. */
  nextChunk(): string | null {
    if (!this.headerDone) {
      this.headerDone = true;
      return TRANSACTIONS_HEADER + '\n';
    }
    const remaining = this.rows - this.rowsWritten;
    if (remaining <= 0) return null;
    const n = remaining < BATCH_ROWS ? remaining : BATCH_ROWS;
    let batch = '';
    for (let i = 0; i < n; i++) batch += this.nextRow();
    this.rowsWritten += n;
    return batch;
  }

  /** Transaction id for row counter c: keyed 32-bit bijection, so ids never repeat. */
  private idFor(c: number): string {
    if (c < 4294967296) return 'TXN_' + hex8(mix32((c ^ this.idKey) >>> 0));
    const hi = Math.floor(c / 4294967296);
    return 'TXN_' + hi.toString(16).toUpperCase() + hex8(mix32(((c >>> 0) ^ this.idKey) >>> 0));
  }

  /** A timestamp (epoch seconds) inside the window, following the day-of-week and hour curves. */
  private sampleSecond(): number {
    const rng = this.rng;
    for (;;) {
      const k = this.windowDays[this.windowDaySampler(rng)];
      const hour = this.hourSampler(rng);
      const t = this.tableBaseSec + k * DAY_SECONDS + hour * 3600 + ((rng.nextU32() % 3600) | 0);
      if (t >= this.windowStartSec && t < this.nowSec) return t;
    }
  }

  /** The day (for its formatted forms) and the zero-padded hour, minute and second of second `t`. */
  private splitSecond(t: number): { day: DayInfo; hh: string; mm: string; ss: string } {
    const rel = t - this.tableBaseSec;
    const k = Math.floor(rel / DAY_SECONDS);
    let sod = rel - k * DAY_SECONDS;
    const h = (sod / 3600) | 0;
    sod -= h * 3600;
    const m = (sod / 60) | 0;
    return { day: this.dayInfo[k], hh: PAD2[h], mm: PAD2[m], ss: PAD2[sod - m * 60] };
  }

  /** Canonical format: 2025-11-15T23:05:31.874509+00:00 */
  private formatCanonical(t: number, micros: number): string {
    const { day, hh, mm, ss } = this.splitSecond(t);
    return day.dash + 'T' + hh + ':' + mm + ':' + ss + '.' + pad6(micros) + '+00:00';
  }

  /** One of the other accepted formats, all denoting the same instant (minutes-only drops the seconds). */
  private formatVariant(t: number, variant: number): string {
    let offset = '';
    if (variant === 5) {
      t += 19_800; // written as local time at +05:30
      offset = '+05:30';
    }
    const { day, hh, mm, ss } = this.splitSecond(t);
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

  private nextRow(): string {
    const rng = this.rng;
    const f = this.f;
    const c = this.counter++;

    // Base (clean) row.
    const mi = this.merchantSampler(rng);
    const zone = this.activeZone[mi];
    const cat = rng.float() < 0.8 ? this.activeCategory[mi] : categorySampler(rng);
    let cents = Math.round(Math.exp(CATEGORY_MU[cat] + CATEGORY_SIGMA[cat] * rng.normal()) * 100);
    if (cents < AMOUNT_MIN_CENTS) cents = AMOUNT_MIN_CENTS;
    else if (cents > AMOUNT_MAX_CENTS) cents = AMOUNT_MAX_CENTS;
    const t = this.sampleSecond();
    const micros = rng.nextU32() % 1_000_000;
    // Skewed customer pool: index ~ customers·u³ → a few regulars, a long tail of one-off buyers.
    const u = rng.float();
    const cust = Math.floor(this.customers * u * u * u);
    const phone7 = (cust * this.phoneMul + this.phoneAdd) % 10_000_000;

    f.id = this.idFor(c);
    f.merchant = this.activeIds[mi];
    f.zone = ZONES[zone];
    f.category = CATEGORIES[cat];
    f.amount = plainAmount(cents);
    f.timestamp = this.formatCanonical(t, micros);
    f.phone = '+1555' + pad7(phone7);

    if (rng.float() < this.errorRate) {
      this.applyFault(f);
    } else {
      this.applyVariety(f, zone, cat, cents, t, phone7);
      this.recentIds[this.recentPos] = f.id;
      this.recentPos = (this.recentPos + 1) % RECENT_IDS;
    }
    return (
      f.id +
      ',' +
      f.merchant +
      ',' +
      f.zone +
      ',' +
      f.category +
      ',' +
      f.amount +
      ',' +
      f.timestamp +
      ',' +
      f.phone +
      '\n'
    );
  }

  private applyFault(f: RowFields): void {
    const rng = this.rng;
    let type = rng.below(FAULT_TYPES.length);
    // Duplicate needs an earlier clean row; the very first rows fall back to another type.
    if (type === 6 && this.recentIds.length === 0) type = rng.below(6);
    this.faultyRows++;
    this.faultsByType[FAULT_TYPES[type]]++;
    switch (type) {
      case 0: {
        const field = rng.below(6);
        if (field === 0) f.id = '';
        else if (field === 1) f.merchant = '';
        else if (field === 2) f.zone = '';
        else if (field === 3) f.category = '';
        else if (field === 4) f.amount = '';
        else f.timestamp = '';
        break;
      }
      case 1:
        f.amount = rng.pick(BAD_AMOUNTS);
        break;
      case 2:
        f.amount = '-' + f.amount;
        break;
      case 3:
        // 1,000,000.01 … 99,000,000.00
        f.amount = plainAmount(100_000_001 + Math.floor(rng.float() * 9_800_000_000));
        break;
      case 4:
        f.timestamp = rng.pick(BAD_TIMESTAMPS);
        break;
      case 5: {
        // One minute to 30 days after now.
        const t = this.nowSec + 60 + rng.below(30 * DAY_SECONDS);
        f.timestamp = this.formatCanonical(t, rng.nextU32() % 1_000_000);
        break;
      }
      default:
        f.id = this.recentIds[rng.below(this.recentIds.length)];
        break;
    }
  }

  private applyVariety(
    f: RowFields,
    zone: number,
    cat: number,
    cents: number,
    t: number,
    phone7: number,
  ): void {
    const rng = this.rng;
    if (rng.float() < VARIETY_RATE) {
      switch (varietySampler(rng)) {
        case V_ZONE:
          f.zone = rng.pick(ZONE_VARIANTS[zone]);
          break;
        case V_CATEGORY:
          f.category = rng.pick(CATEGORY_VARIANT_LIST[cat]);
          break;
        case V_AMOUNT: {
          const a = dollarAmount(cents);
          f.amount = cents >= 100_000 ? '"' + a + '"' : a; // thousands separator → quoted
          break;
        }
        case V_TIMESTAMP:
          f.timestamp = this.formatVariant(t, rng.below(TS_VARIANTS));
          break;
        case V_PHONE: {
          const p = pad7(phone7);
          const a = p.slice(0, 3);
          const b = p.slice(3);
          switch (rng.below(PHONE_VARIANTS)) {
            case 0:
              f.phone = '(555) ' + a + '-' + b;
              break;
            case 1:
              f.phone = '555 ' + a + ' ' + b;
              break;
            case 2:
              f.phone = '+1 555 ' + a + ' ' + b;
              break;
            case 3:
              f.phone = '555-' + a + '-' + b;
              break;
            default:
              f.phone = '+1 (555) ' + a + '-' + b;
              break;
          }
          break;
        }
        case V_SHORT_PHONE:
          f.phone = '555' + pad7(phone7).slice(0, 2 + rng.below(4)); // 5–8 digits
          break;
      }
    }
    if (rng.float() < QUOTED_COMMA_RATE) {
      f.zone = QUOTED_COMMA_ZONES[zone];
    }
  }
}

/** Writes the transactions CSV (header + rows) to `out` honouring backpressure. Does not end `out`. */
export async function writeTransactionsCsv(
  out: NodeJS.WritableStream,
  opts: TransactionsGenOptions,
): Promise<TransactionsGenResult> {
  const gen = new TransactionsCsvGenerator(opts);
  const bytes = await pump(out, () => gen.nextChunk());
  return {
    rows: gen.rowsWritten,
    bytes,
    faultyRows: gen.faultyRows,
    faultsByType: { ...gen.faultsByType },
  };
}

/** Whole transactions CSV as one string (small row counts only: tests, fixtures, demos). */
export function transactionsCsvString(opts: TransactionsGenOptions): {
  csv: string;
  result: TransactionsGenResult;
} {
  const gen = new TransactionsCsvGenerator(opts);
  let csv = '';
  for (let chunk = gen.nextChunk(); chunk !== null; chunk = gen.nextChunk()) csv += chunk;
  return {
    csv,
    result: {
      rows: gen.rowsWritten,
      bytes: csv.length,
      faultyRows: gen.faultyRows,
      faultsByType: { ...gen.faultsByType },
    },
  };
}

/** Whole merchants CSV as one string (small row counts only). */
export function merchantsCsvString(opts: MerchantsGenOptions): string {
  const next = merchantsCsvChunks(opts);
  let csv = '';
  for (let chunk = next(); chunk !== null; chunk = next()) csv += chunk;
  return csv;
}
