import { CoverageCycle } from './cardinality';
import { dollarAmount, PAD3, PAD4, plainAmount } from './format';
import { checkCount, DEFAULT_SEED, merchantId, merchantRng, profileFromRng } from './merchants.generator';
import { pump } from './pump';
import { hashSeed, mix32, mixPair, Prng, weightedSampler, WeightedSampler } from './prng';
import { categorySpellingTable, categoryVariants, MAX_ZONE_VARIANTS, TransactionDimensions, transactionDimensions, zoneSpelling } from './transactions.dimensions';
import { applyTransactionsShape, TimestampFormats, TransactionsShape } from './transactions.shapes';
import { TIMESTAMP_FORMATS, TimestampFormatter } from './transactions.timestamps';
import { CATEGORIES, CATEGORY_AMOUNTS, CATEGORY_VARIANTS, ZONES } from './transactions.vocabulary';

/**
 * Seeded, streaming generator of realistic `transactions` CSV files (the matching `merchants`
 * file: merchants.generator.ts, re-exported here).
 *
 * - Deterministic: the same options (seed, now, …) always give the same bytes. Options left
 *   undefined give today's default shape byte for byte; new options only change draws when set.
 * - Flat memory: rows are built by string concatenation into batches of BATCH_ROWS rows and
 *   written with backpressure; no per-row Date objects, no Set of ids (ids are a keyed bijection
 *   of a row counter, so they are unique by construction). Per-merchant, per-zone and
 *   per-category tables are O(merchants + zones + categories), per-day tables O(days).
 * - Faults: each row is faulty with probability errorRate; the fault type is uniform over
 *   FAULT_TYPES. Faulty rows carry exactly one fault and no other variety, so that a cleaner
 *   should reject exactly `faultyRows` rows, counting duplicates of ids of earlier clean rows.
 * - Variety on clean rows (all still valid): zone case/spaces, category synonyms in odd case,
 *   "$1,234.50" amounts, alternative timestamp formats, formatted or too-short phones, and ~1 %
 *   of rows with a quoted zone containing a comma ("Downtown, East"; see QUOTED_COMMA_ZONES).
 * - Realism: merchants have a home zone (weighted popularity) and main category; merchant volumes
 *   are log-normal; amounts are log-normal per category; timestamps follow day-of-week and
 *   hour-of-day curves (UTC); customers come from a skewed pool of ~rows/4 phone numbers.
 * - Shapes (TransactionsGenOptions.shape, transactions.shapes.ts): 'mixed' and 'adversarial'
 *   bundles of the options below (customers, zones, categories, spellings, quoting, CRLF, every
 *   timestamp format) for the cardinalities real uploads have. With the zoneVariants /
 *   categorySpellings options, every row (faulty ones too) is written in one of the spellings.
 * All output is ASCII, so byte counts equal string lengths.
 */

export const TRANSACTIONS_HEADER = 'TRANSACTION_ID,MERCHANT_ID,ZONE,CATEGORY,AMOUNT,TIMESTAMP,CUSTOMER_PHONE';

export * from './merchants.generator';
export * from './transactions.vocabulary';

const AMOUNT_MIN_CENTS = 100; // 1.00
const AMOUNT_MAX_CENTS = 5_000_000; // 50,000.00

export const FAULT_TYPES = ['missing_field', 'unparsable_amount', 'negative_amount', 'amount_too_large', 'invalid_timestamp', 'future_timestamp', 'duplicate_id'] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

/** Values used for the unparsable-amount fault (none of them contains a usable number). */
export const BAD_AMOUNTS: readonly string[] = ['abc', '1.2.3', 'N/A', '#VALUE!', '12..5', 'one hundred'];
/** Values used for the garbage-timestamp fault. */
export const BAD_TIMESTAMPS: readonly string[] = ['not-a-date', '2024-13-45 10:00:00', '99/99/9999 99:99:99', '2025-02-30T25:61:00', 'yesterday'];

/** Share of clean rows given one harmless formatting variety. */
export const VARIETY_RATE = 0.1;
/** Share of clean rows whose zone is quoted and contains a comma (today's 8 zones only). */
export const QUOTED_COMMA_RATE = 0.01;
/**
 * With `zones` or `categories` set: share of rows in the merchant's home zone / main category;
 * the other rows take the next value of a cycle over all values, so every value appears once
 * rows × (1 - share) reaches the count (today's categories draw those rows by weight instead).
 */
export const HOME_DIMENSION_SHARE = 0.8;

export const DEFAULT_ERROR_RATE = 0.02;
export const DEFAULT_MERCHANTS = 5000;
export const DEFAULT_DAYS = 90;
/** Most customers (10^10 distinct 10-digit local numbers). */
export const MAX_CUSTOMERS = 10_000_000_000;

/**
 * Rows per written chunk (~90 KB of text for transactions). Measured: 10,000-row batches keep ~200K
 * rope (ConsString) nodes alive across young-generation GCs, which promotes them and triples the
 * run time; 1,000-row batches die young. The output stream coalesces chunks up to its highWaterMark.
 */
const BATCH_ROWS = 1_000;
const DAY_SECONDS = 86_400;
/** Recent clean ids kept for the duplicate-id fault. */
const RECENT_IDS = 64;
/** Customers that fit today's '+1555' + 7-digit numbers. */
const NARROW_PHONES = 10_000_000;

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
  /**
   * A preset of the options below (see transactionsShapeOptions): 'default' (none), 'mixed' (a
   * real upload's shape) or 'adversarial' (every limit at once). Explicit options win.
   */
  shape?: TransactionsShape;
  /**
   * Size of the customer pool, 1..10^10; default ceil(rows/4) capped at 10^7. Customers are drawn
   * with a u³ skew (regulars and one-off buyers), so fewer distinct phones appear than the pool
   * holds. Up to 10^7 customers phones are '+1555' + 7 digits; beyond, '+1' + 10 digits.
   */
  customers?: number;
  /** Every row its own customer (customers = rows): every clean row has a distinct phone. */
  distinctCustomers?: boolean;
  /**
   * Distinct zones after the cleaner's trim + upper-case, 1..1,000,000: ZONES first, then
   * 'Zone 1', 'Zone 2', … ('Zone ' + base 36), popularity-weighted with a long tail. A row is in
   * its merchant's home zone, or (1 - HOME_DIMENSION_SHARE of rows) the next zone of a cycle over
   * all, so every zone appears once 20 % of the rows reach `zones`. Undefined keeps today's 8
   * zones, including the quoted "Zone, Other" values (QUOTED_COMMA_ZONES), and no cycle.
   */
  zones?: number;
  /**
   * Write each zone in this many spellings (1..7: canonical, lower, UPPER, mIxEd, ' Padded ',
   * '  lead', 'trail  '), one drawn per row. Undefined: canonical, with today's rare variety.
   */
  zoneVariants?: number;
  /**
   * Distinct categories after the cleaner's title-case + synonym map, 1..1,000,000: CATEGORIES
   * first, then 'Cat 1', 'Cat 2', … ('Cat ' + base 36, title-cased). Undefined: today's 10.
   */
  categories?: number;
  /**
   * Exactly this many raw category spellings (≥ categories): the canonical names plus variants
   * (CATEGORY_VARIANTS, or case variants of generated names) handed out round-robin; each row
   * draws one of its category's spellings. Undefined: canonical, with today's rare variety.
   */
  categorySpellings?: number;
  /**
   * Share of rows written with every field in double quotes (RFC 4180), in [0, 1]; default 0.
   * Drawn from a stream of its own: the parsed values are those without quoting.
   */
  quoteRate?: number;
  /** CRLF line ends (header included); default LF. */
  crlf?: boolean;
  /**
   * 'all': every clean row's timestamp in one of TIMESTAMP_FORMATS (every form the cleaner
   * accepts, at the row's instant or truncated to its minute / day), drawn uniformly from a
   * stream of its own, so only the timestamp texts change. Default: canonical, with today's
   * rare variants.
   */
  timestampFormats?: TimestampFormats;
}

export interface TransactionsGenResult {
  rows: number;
  bytes: number;
  faultyRows: number;
  /** Faulty rows by type (sums to faultyRows). */
  faultsByType: Record<FaultType, number>;
  /** Rows written with every field quoted (quoteRate). */
  quotedRows: number;
}

// ---------------------------------------------------------------- small lookup tables

const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push(i.toString(16).toUpperCase().padStart(2, '0'));

/** Uppercase 8-digit hex of an unsigned 32-bit value. */
function hex8(x: number): string {
  return HEX2[x >>> 24] + HEX2[(x >>> 16) & 255] + HEX2[(x >>> 8) & 255] + HEX2[x & 255];
}

/** Seven zero-padded digits (0..9999999). */
function pad7(x: number): string {
  const hi = (x / 10000) | 0;
  return PAD3[hi] + PAD4[x - hi * 10000];
}

/** RFC 4180 quoting, always; a value that is already a quoted field ("$1,234.50") is kept. */
function quotedField(value: string): string {
  if (value.charCodeAt(0) === 34 /* '"' */) return value;
  return value.indexOf('"') < 0 ? '"' + value + '"' : '"' + value.replace(/"/g, '""') + '"';
}

// ---------------------------------------------------------------- transactions file

/** Relative transaction volume by UTC hour: quiet at night, peaks at lunch and in the evening. */
export const HOUR_WEIGHTS: readonly number[] = [0.6, 0.35, 0.25, 0.2, 0.25, 0.5, 1.2, 2.6, 4.2, 4.8, 5.2, 6.4, 8.8, 8.4, 6.0, 5.4, 5.8, 7.2, 8.8, 9.2, 7.8, 5.6, 3.4, 1.6];
/** Relative volume by day of week, Sunday first. */
export const WEEKDAY_WEIGHTS: readonly number[] = [0.9, 0.95, 0.95, 1.0, 1.05, 1.2, 1.15];

const TS_VARIANTS = 6; // see TimestampFormatter.variant
const PHONE_VARIANTS = 5;

// Variety kinds (plain numbers: no const enum under isolatedModules), and their relative frequency.
const V_ZONE = 0;
const V_CATEGORY = 1;
const V_AMOUNT = 2;
const V_TIMESTAMP = 3;
const V_PHONE = 4;
const V_SHORT_PHONE = 5;
const varietySampler = weightedSampler([2, 1.5, 2, 2.5, 2, 0.5]);

const ZONE_VARIANTS: readonly (readonly string[])[] = ZONES.map((z) => [1, 2, 3, 4, 5, 6].map((k) => zoneSpelling(z, k)));
/**
 * Quoted zones containing a comma ("Downtown, East"): one fixed value per zone, starting with that zone,
 * so they add only 8 distinct raw values. A cleaner that upper-cases zones keeps them as-is (so they
 * are 8 more zones after cleaning). Not written when the `zones` option is set.
 */
export const QUOTED_COMMA_ZONES: readonly string[] = ZONES.map((z, i) => '"' + z + ', ' + ZONES[(i + 3) % ZONES.length] + '"');
const CATEGORY_VARIANT_LIST: readonly (readonly string[])[] = CATEGORIES.map((c) => CATEGORY_VARIANTS[c]);
// Amounts by category; generated categories (index ≥ 10) reuse CATEGORIES[index % 10]'s.
const CATEGORY_MU: number[] = CATEGORIES.map((c) => Math.log(CATEGORY_AMOUNTS[c].median));
const CATEGORY_SIGMA: number[] = CATEGORIES.map((c) => CATEGORY_AMOUNTS[c].sigma);

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

/** Options after the shape and the defaults are applied (see TransactionsGenOptions). */
interface ResolvedOptions {
  rows: number;
  seedHash: number;
  errorRate: number;
  merchants: number;
  days: number;
  nowMs: number;
  customers: number;
  isDistinctCustomers: boolean;
  zoneVariants: number | undefined;
  categorySpellings: number | undefined;
  quoteRate: number;
  eol: string;
  isAllTimestampFormats: boolean;
  dims: TransactionDimensions;
}

function resolveOptions(input: TransactionsGenOptions): ResolvedOptions {
  checkCount('rows', input.rows, 0);
  const opts = applyTransactionsShape(input);
  const merchants = opts.merchants ?? DEFAULT_MERCHANTS;
  checkCount('merchants', merchants, 1);
  const errorRate = opts.errorRate ?? DEFAULT_ERROR_RATE;
  if (!(errorRate >= 0 && errorRate <= 1)) throw new RangeError(`errorRate must be in [0, 1], got ${errorRate}`);
  const days = opts.days ?? DEFAULT_DAYS;
  if (!(days > 0 && days <= 36_500)) throw new RangeError(`days must be in (0, 36500], got ${days}`);
  const nowMs = (opts.now ?? new Date()).getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid Date');

  const isDistinctCustomers = opts.distinctCustomers === true;
  let customers: number;
  if (isDistinctCustomers) {
    if (input.customers !== undefined && input.customers !== opts.rows) throw new RangeError(`distinctCustomers needs customers = rows (${opts.rows}), got ${input.customers}`);
    customers = Math.max(1, opts.rows);
  } else {
    // About rows/4 customers (at most 10^7 distinct 7-digit numbers).
    customers = opts.customers ?? Math.min(NARROW_PHONES, Math.max(1, Math.ceil(opts.rows / 4)));
  }
  checkCount('customers', customers, 1, MAX_CUSTOMERS);
  if (opts.zoneVariants !== undefined) checkCount('zoneVariants', opts.zoneVariants, 1, MAX_ZONE_VARIANTS);
  const quoteRate = opts.quoteRate ?? 0;
  if (!(quoteRate >= 0 && quoteRate <= 1)) throw new RangeError(`quoteRate must be in [0, 1], got ${quoteRate}`);
  const formats = opts.timestampFormats ?? 'default';
  if (formats !== 'default' && formats !== 'all') throw new RangeError(`timestampFormats must be 'default' or 'all', got ${String(formats)}`);

  return {
    rows: opts.rows,
    seedHash: hashSeed(opts.seed ?? DEFAULT_SEED),
    errorRate,
    merchants,
    days,
    nowMs,
    customers,
    isDistinctCustomers,
    zoneVariants: opts.zoneVariants,
    categorySpellings: opts.categorySpellings,
    quoteRate,
    eol: opts.crlf === true ? '\r\n' : '\n',
    isAllTimestampFormats: formats === 'all',
    dims: transactionDimensions(opts.zones, opts.categories),
  };
}

/**
 * Stateful transactions CSV builder. `nextChunk()` returns the header, then batches of up to
 * BATCH_ROWS rows, then null. Counters (`rowsWritten`, `faultyRows`, `faultsByType`,
 * `quotedRows`) are final once it returns null.
 */
export class TransactionsCsvGenerator {
  readonly rows: number;
  rowsWritten = 0;
  faultyRows = 0;
  quotedRows = 0;
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
  // Draws that only decide how values are written (quoting; the timestamp form), each from its
  // own stream, so quoteRate and timestampFormats change no value and no other row.
  private readonly layoutRng: Prng;
  private readonly formatRng: Prng;
  private readonly o: ResolvedOptions;
  private readonly idKey: number;
  private readonly nowSec: number; // floor(now / 1000)
  private readonly windowStartSec: number;
  // Day table: index k ↔ UTC day (tableBaseDay + k).
  private readonly tableBaseSec: number;
  private readonly ts: TimestampFormatter;
  // Days of the window that timestamps are drawn from (indexes into the day table).
  private readonly windowDays: number[] = [];
  private readonly windowDaySampler: WeightedSampler;
  private readonly hourSampler = weightedSampler(HOUR_WEIGHTS);
  // Active merchants, and a volume-weighted sampler over them.
  private readonly activeIds: string[] = [];
  private readonly activeZone: number[] = [];
  private readonly activeCategory: number[] = [];
  private readonly merchantSampler: WeightedSampler;
  // Rows outside the merchant's home zone / main category (only with `zones` / `categories`).
  private readonly zoneCycle: CoverageCycle | null;
  private readonly categoryCycle: CoverageCycle | null;
  private readonly categorySpellings: string[][] | null;
  /** No zoneVariants: zones are written canonically (plus the rare variety). */
  private readonly isPlainZones: boolean;
  // Hot options, copied out of `o`.
  private readonly errorRate: number;
  private readonly quoteRate: number;
  private readonly eol: string;
  // Customers: phone = '+1' + area (3 digits) + 7 digits, a keyed bijection of the customer index
  // into [0, phoneModulus): area '555' up to 10^7 customers (today's numbers), else the top digits.
  private readonly isWidePhones: boolean;
  private readonly phoneModulus: number;
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
    const o = resolveOptions(opts);
    this.o = o;
    this.rows = o.rows;
    const seedHash = o.seedHash;
    this.rng = new Prng(mixPair(seedHash, 0x74786e73 /* "txns" */));
    this.layoutRng = new Prng(mixPair(seedHash, 0x71756f74 /* "quot" */));
    this.formatRng = new Prng(mixPair(seedHash, 0x7473666d /* "tsfm" */));
    this.idKey = mixPair(seedHash, 0x69647321 /* "ids!" */);

    // Time window [nowSec - days, nowSec): a whole second before nowSec plus a µs fraction is < now.
    this.nowSec = Math.floor(o.nowMs / 1000);
    this.windowStartSec = this.nowSec - Math.round(o.days * DAY_SECONDS);
    const firstWindowDay = Math.floor(this.windowStartSec / DAY_SECONDS);
    const lastWindowDay = Math.floor((this.nowSec - 1) / DAY_SECONDS);
    // Table covers the window, one day either side (±offset formats) and 32 days ahead (future fault).
    const tableBaseDay = firstWindowDay - 1;
    this.tableBaseSec = tableBaseDay * DAY_SECONDS;
    this.ts = new TimestampFormatter(tableBaseDay, lastWindowDay + 33);
    const dayWeights: number[] = [];
    for (let d = firstWindowDay; d <= lastWindowDay; d++) {
      this.windowDays.push(d - tableBaseDay);
      dayWeights.push(WEEKDAY_WEIGHTS[(((d + 4) % 7) + 7) % 7]); // 1970-01-01 was a Thursday
    }
    this.windowDaySampler = weightedSampler(dayWeights);

    // Merchants: same profiles as writeMerchantsCsv with this seed (and zones / categories).
    const volumes: number[] = [];
    for (let i = 1; i <= o.merchants; i++) {
      const p = profileFromRng(merchantRng(seedHash, i), i, o.dims);
      if (!p.active) continue;
      this.activeIds.push(merchantId(i, o.merchants));
      this.activeZone.push(p.zoneIndex);
      this.activeCategory.push(p.categoryIndex);
      volumes.push(p.volume);
    }
    if (this.activeIds.length === 0) {
      // Tiny merchant counts: keep at least merchant 1.
      const p = profileFromRng(merchantRng(seedHash, 1), 1, o.dims);
      this.activeIds.push(merchantId(1, o.merchants));
      this.activeZone.push(p.zoneIndex);
      this.activeCategory.push(p.categoryIndex);
      volumes.push(1);
    }
    this.merchantSampler = weightedSampler(volumes);

    const dims = o.dims;
    this.zoneCycle = dims.isCustomZones ? new CoverageCycle(dims.zoneNames.length, mixPair(seedHash, 0x7a6f6e65 /* "zone" */)) : null;
    this.categoryCycle = dims.isCustomCategories ? new CoverageCycle(dims.categoryNames.length, mixPair(seedHash, 0x63617473 /* "cats" */)) : null;
    this.isPlainZones = o.zoneVariants === undefined;
    this.errorRate = o.errorRate;
    this.quoteRate = o.quoteRate;
    this.eol = o.eol;
    this.categorySpellings = o.categorySpellings === undefined ? null : categorySpellingTable(dims.categoryNames, o.categorySpellings);

    // Multiplier coprime with 10 (odd, not a multiple of 5) → idx ↦ (idx·mul + add) mod 10^k is a
    // bijection. Wide numbers keep mul < 900,000 so that idx·mul < 2^53 for idx < 10^10.
    this.isWidePhones = o.customers > NARROW_PHONES;
    this.phoneModulus = this.isWidePhones ? MAX_CUSTOMERS : NARROW_PHONES;
    let mul = this.isWidePhones ? (mixPair(seedHash, 0x70686f6e /* "phon" */) % 800_000) + 100_000 : (mixPair(seedHash, 0x70686f6e /* "phon" */) % 9_000_000) + 1_000_000;
    if (mul % 2 === 0) mul++;
    if (mul % 5 === 0) mul += 2;
    this.phoneMul = mul;
    this.phoneAdd = mixPair(seedHash, 0x61646421) % this.phoneModulus;
  }

  get done(): boolean {
    return this.headerDone && this.rowsWritten >= this.rows;
  }

  /** Header line, then batches of rows, then null. */
  nextChunk(): string | null {
    if (!this.headerDone) {
      this.headerDone = true;
      return TRANSACTIONS_HEADER + this.eol;
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

  private nextRow(): string {
    const rng = this.rng;
    const f = this.f;
    const c = this.counter++;
    const dims = this.o.dims;

    // Base (clean) row.
    const mi = this.merchantSampler(rng);
    let zone = this.activeZone[mi];
    let cat: number;
    if (rng.float() < HOME_DIMENSION_SHARE) cat = this.activeCategory[mi];
    else cat = this.categoryCycle === null ? dims.categorySampler(rng) : this.categoryCycle.next();
    if (this.zoneCycle !== null && rng.float() >= HOME_DIMENSION_SHARE) zone = this.zoneCycle.next();
    const amountCat = cat < CATEGORIES.length ? cat : cat % CATEGORIES.length;
    let cents = Math.round(Math.exp(CATEGORY_MU[amountCat] + CATEGORY_SIGMA[amountCat] * rng.normal()) * 100);
    if (cents < AMOUNT_MIN_CENTS) cents = AMOUNT_MIN_CENTS;
    else if (cents > AMOUNT_MAX_CENTS) cents = AMOUNT_MAX_CENTS;
    const t = this.sampleSecond();
    const micros = rng.nextU32() % 1_000_000;
    // Skewed customer pool: index ~ customers·u³ → a few regulars, a long tail of one-off buyers.
    const u = rng.float();
    const cust = this.o.isDistinctCustomers ? c : Math.floor(this.o.customers * u * u * u);
    const phoneN = (cust * this.phoneMul + this.phoneAdd) % this.phoneModulus;

    f.id = this.idFor(c);
    f.merchant = this.activeIds[mi];
    f.zone = this.isPlainZones ? dims.zoneNames[zone] : this.zoneText(zone);
    f.category = this.categorySpellings === null ? dims.categoryNames[cat] : this.categoryText(cat);
    f.amount = plainAmount(cents);
    f.timestamp = this.ts.canonical(t, micros);
    f.phone = this.isWidePhones ? '+1' + this.phoneArea(phoneN) + pad7(phoneN % NARROW_PHONES) : '+1555' + pad7(phoneN);

    if (rng.float() < this.errorRate) {
      this.applyFault(f);
    } else {
      this.applyVariety(f, zone, cat, cents, t, phoneN);
      if (this.o.isAllTimestampFormats) {
        const frng = this.formatRng;
        f.timestamp = this.ts.format(frng.below(TIMESTAMP_FORMATS.length), t, micros, frng);
      }
      this.recentIds[this.recentPos] = f.id;
      this.recentPos = (this.recentPos + 1) % RECENT_IDS;
    }
    if (this.quoteRate > 0 && this.layoutRng.float() < this.quoteRate) {
      this.quotedRows++;
      return this.quotedLine(f);
    }
    return f.id + ',' + f.merchant + ',' + f.zone + ',' + f.category + ',' + f.amount + ',' + f.timestamp + ',' + f.phone + this.eol;
  }

  private quotedLine(f: RowFields): string {
    return (
      quotedField(f.id) +
      ',' +
      quotedField(f.merchant) +
      ',' +
      quotedField(f.zone) +
      ',' +
      quotedField(f.category) +
      ',' +
      quotedField(f.amount) +
      ',' +
      quotedField(f.timestamp) +
      ',' +
      quotedField(f.phone) +
      this.eol
    );
  }

  /** The zone as written on the row (before variety): one of its zoneVariants spellings. */
  private zoneText(zone: number): string {
    return zoneSpelling(this.o.dims.zoneNames[zone], this.rng.below(this.o.zoneVariants ?? 1));
  }

  /** The category as written on the row (before variety): one of its categorySpellings. */
  private categoryText(cat: number): string {
    const spellings = this.categorySpellings![cat];
    return spellings.length === 1 ? spellings[0] : spellings[this.rng.below(spellings.length)];
  }

  /** The 3 digits after '+1': 555 for today's numbers, else the top digits of the 10-digit number. */
  private phoneArea(phoneN: number): string {
    return this.isWidePhones ? PAD3[Math.floor(phoneN / NARROW_PHONES)] : '555';
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
        f.timestamp = this.ts.canonical(t, rng.nextU32() % 1_000_000);
        break;
      }
      default:
        f.id = this.recentIds[rng.below(this.recentIds.length)];
        break;
    }
  }

  private applyVariety(f: RowFields, zone: number, cat: number, cents: number, t: number, phoneN: number): void {
    const rng = this.rng;
    if (rng.float() < VARIETY_RATE) {
      let kind = varietySampler(rng);
      // Too-short phones all clean to 'INVALID', which would merge distinct customers.
      if (kind === V_SHORT_PHONE && this.o.isDistinctCustomers) kind = V_PHONE;
      switch (kind) {
        case V_ZONE:
          f.zone = this.zoneVariety(zone);
          break;
        case V_CATEGORY:
          f.category = this.categoryVariety(cat);
          break;
        case V_AMOUNT: {
          const a = dollarAmount(cents);
          f.amount = cents >= 100_000 ? '"' + a + '"' : a; // thousands separator → quoted
          break;
        }
        case V_TIMESTAMP:
          f.timestamp = this.ts.variant(t, rng.below(TS_VARIANTS));
          break;
        case V_PHONE: {
          const area = this.phoneArea(phoneN);
          const p = pad7(phoneN % NARROW_PHONES);
          const a = p.slice(0, 3);
          const b = p.slice(3);
          switch (rng.below(PHONE_VARIANTS)) {
            case 0:
              f.phone = '(' + area + ') ' + a + '-' + b;
              break;
            case 1:
              f.phone = area + ' ' + a + ' ' + b;
              break;
            case 2:
              f.phone = '+1 ' + area + ' ' + a + ' ' + b;
              break;
            case 3:
              f.phone = area + '-' + a + '-' + b;
              break;
            default:
              f.phone = '+1 (' + area + ') ' + a + '-' + b;
              break;
          }
          break;
        }
        case V_SHORT_PHONE:
          f.phone = this.phoneArea(phoneN) + pad7(phoneN % NARROW_PHONES).slice(0, 2 + rng.below(4)); // 5–8 digits
          break;
      }
    }
    if (!this.o.dims.isCustomZones && rng.float() < QUOTED_COMMA_RATE) {
      f.zone = QUOTED_COMMA_ZONES[zone];
    }
  }

  private zoneVariety(zone: number): string {
    const rng = this.rng;
    if (this.o.zoneVariants !== undefined) {
      return zoneSpelling(this.o.dims.zoneNames[zone], rng.below(this.o.zoneVariants));
    }
    if (!this.o.dims.isCustomZones) return rng.pick(ZONE_VARIANTS[zone]);
    return zoneSpelling(this.o.dims.zoneNames[zone], 1 + rng.below(MAX_ZONE_VARIANTS - 1));
  }

  private categoryVariety(cat: number): string {
    const rng = this.rng;
    if (this.categorySpellings !== null) {
      const spellings = this.categorySpellings[cat];
      return spellings[rng.below(spellings.length)];
    }
    if (cat < CATEGORIES.length) return rng.pick(CATEGORY_VARIANT_LIST[cat]);
    return rng.pick(categoryVariants(this.o.dims.categoryNames[cat]));
  }
}

/** Writes the transactions CSV (header + rows) to `out` honouring backpressure. Does not end `out`. */
export async function writeTransactionsCsv(out: NodeJS.WritableStream, opts: TransactionsGenOptions): Promise<TransactionsGenResult> {
  const gen = new TransactionsCsvGenerator(opts);
  const bytes = await pump(out, () => gen.nextChunk());
  return resultOf(gen, bytes);
}

function resultOf(gen: TransactionsCsvGenerator, bytes: number): TransactionsGenResult {
  return {
    rows: gen.rowsWritten,
    bytes,
    faultyRows: gen.faultyRows,
    faultsByType: { ...gen.faultsByType },
    quotedRows: gen.quotedRows,
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
  return { csv, result: resultOf(gen, csv.length) };
}
