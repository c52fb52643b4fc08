import { dollarAmount, PAD2, PAD4, plainAmount } from './format';
import { pump } from './pump';
import { hashSeed, mixPair, Prng, weightedSampler } from './prng';
import {
  applySalesShape,
  GENERATED_SALES_CATEGORY_PREFIX,
  GENERATED_SALES_REGION_PREFIX,
  generatedSalesName,
  SALES_PRODUCT_STEMS,
  SalesShape,
  SpreadDraw,
} from './sales.dimensions';

/**
 * Seeded, streaming generator of realistic MESSY sales CSV files (the `sales` upload kind), in the
 * style of the old system's exports (see shared/samples/sales/sales_2000.csv).
 *
 * - Deterministic: the same options always give the same bytes.
 * - Flat memory: rows are built by string concatenation into batches of SALES_BATCH_ROWS rows and
 *   written with backpressure; no per-row objects, Dates or arrays.
 * - Every row carries the source system's everyday mess, all of it valid: product-name typos and
 *   case variants (SALES_PRODUCTS[].variants), category variants, region typos, five date formats
 *   (never an ambiguous dd/mm one), upper-case / empty / malformed e-mails (the e-mail is optional),
 *   and ~0.5 % of rows repeating an earlier kept row's order_id (both rows are valid).
 * - Faults: each row is faulty with probability errorRate and then carries exactly one fault, drawn
 *   from SALES_FAULT_TYPES with SALES_FAULT_WEIGHTS: half of the faulty rows should be dropped by the
 *   cleaner (reason in SALES_FAULT_DROP_REASON) and half kept (messy but valid, or anomalous).
 *   `expectedDropped` counts the former.
 * - Realism: weighted product popularity, prices within ±15 % of a base price, weighted regions,
 *   quantities that rise towards the end of the year (SALES_MONTH_QUANTITY_FACTOR).
 * - Cardinality (options products, distinctProducts, categories, regions, years; shape
 *   'adversarial' sets them all, see sales.dimensions.ts): generated names the cleaner keeps as
 *   distinct values ('Gaming Mouse #12', 'Category 345', 'Region 67'). Undefined options keep
 *   today's output byte for byte.
 * All output is ASCII, so byte counts equal string lengths.
 */

export const SALES_HEADER = 'order_id,product_name,category,quantity,unit_price,discount_percent,region,sale_date,customer_email';
export const DEFAULT_SALES_ERROR_RATE = 0.15;
export const DEFAULT_SALES_SEED = 42;
export const DEFAULT_SALES_YEAR = 2024;

export const SALES_CATEGORIES = ['Electronics', 'Home Appliance', 'Fashion'] as const;
export type SalesCategory = (typeof SALES_CATEGORIES)[number];

export interface SalesProduct {
  /** Canonical name (what the cleaner maps every variant back to). */
  name: string;
  category: SalesCategory;
  /** Typical unit price; rows use basePrice × U(0.85, 1.15). */
  basePrice: number;
  /** Relative popularity. */
  weight: number;
  /** Spellings written to the file, drawn uniformly (the canonical one is among them or not). */
  variants: readonly string[];
}

export const SALES_PRODUCTS: readonly SalesProduct[] = [
  {
    name: 'Laptop Pro 15',
    category: 'Electronics',
    basePrice: 1300,
    weight: 7,
    variants: ['Laptop Pro 15', 'laptop pro', 'Laptop pro'],
  },
  {
    name: 'Smartphone X',
    category: 'Electronics',
    basePrice: 800,
    weight: 11,
    variants: ['Smartphone X', 'smartfone x', 'smart-phone x', 'smartphone-x'],
  },
  {
    name: 'Wireless Headphones',
    category: 'Electronics',
    basePrice: 130,
    weight: 13,
    variants: ['Wireless Headphones', 'wirless headphones'],
  },
  {
    name: 'Gaming Mouse',
    category: 'Electronics',
    basePrice: 50,
    weight: 10,
    variants: ['Gaming Mouse', 'gaming mouse'],
  },
  {
    name: '4K LED TV',
    category: 'Home Appliance',
    basePrice: 1800,
    weight: 5,
    variants: ['4K LED TV', '4k led tv', '4KTV'],
  },
  {
    name: 'Blender Pro',
    category: 'Home Appliance',
    basePrice: 85,
    weight: 8,
    variants: ['Blender Pro', 'blenderpro', 'blender pro'],
  },
  {
    name: 'Coffee Maker Elite',
    category: 'Home Appliance',
    basePrice: 120,
    weight: 10,
    variants: ['Coffee Maker Elite', 'cofee maker elite'],
  },
  {
    name: 'Office Chair',
    category: 'Home Appliance',
    basePrice: 200,
    weight: 9,
    variants: ['Office Chair', 'office chair'],
  },
  {
    name: "Men's T-shirt (Blue)",
    category: 'Fashion',
    basePrice: 27,
    weight: 15,
    variants: ['Mens t-shirt (blue)', 'T-shirt (Blue)', 'mens t-shirt (blue)'],
  },
  {
    name: 'Running Shoes',
    category: 'Fashion',
    basePrice: 90,
    weight: 12,
    variants: ['Running Shoes', 'running shoes'],
  },
];

/** Spellings of each category; a row uses a non-canonical one with probability CATEGORY_VARIANT_RATE. */
export const SALES_CATEGORY_VARIANTS: Readonly<Record<SalesCategory, readonly string[]>> = {
  Electronics: ['Electronics', 'electronics'],
  'Home Appliance': ['Home Appliance', 'home appliances', 'Home appliance'],
  Fashion: ['Fashion', 'fashion', 'Clothing'],
};
const CATEGORY_VARIANT_RATE = 0.15;

export const SALES_REGIONS = ['North', 'South', 'East', 'West'] as const;
export type SalesRegion = (typeof SALES_REGIONS)[number];
export const SALES_REGION_WEIGHTS: readonly number[] = [35, 25, 22, 18];
/** Spellings written for each region, drawn uniformly. */
export const SALES_REGION_VARIANTS: Readonly<Record<SalesRegion, readonly string[]>> = {
  North: ['North', 'north', 'nort', 'nOrth'],
  South: ['South', 'south', 'sout'],
  East: ['East', 'east', 'eas'],
  West: ['West', 'west', 'wes'],
};

/**
 * Multiplier on the mean quantity by month (January first). Quantities are uniform on
 * 1..round(20 × factor), so 1..20 in a factor-1 month, 1..16 in Jan/Feb and 1..32 in Nov/Dec.
 */
export const SALES_MONTH_QUANTITY_FACTOR: readonly number[] = [0.8, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.05, 1.0, 1.1, 1.6, 1.6];
const BASE_MAX_QUANTITY = 20;
/** Clean discounts are 0.00..MAX_DISCOUNT_CENTS/100, uniform, two decimals. */
const MAX_DISCOUNT_CENTS = 30;

/** Customer e-mails (valid), the same upper/mixed-case, and malformed ones. */
export const SALES_EMAILS: readonly string[] = ['user1@example.com', 'user2@example.com', 'buyer@email.com', 'shopper@domain.com', 'customer@test.com'];
export const SALES_EMAILS_UPPER: readonly string[] = ['User1@Example.COM', 'USER2@EXAMPLE.COM', 'Buyer@Email.com', 'SHOPPER@DOMAIN.COM', 'Customer@Test.Com'];
export const SALES_EMAILS_INVALID: readonly string[] = ['not-an-email', 'bob@localhost', 'user1@', '@example.com', 'buyer at email.com'];
const EMAIL_EMPTY_RATE = 0.28;
const EMAIL_UPPER_RATE = 0.03;
const EMAIL_INVALID_RATE = 0.02;

/** Share of rows (overall) that repeat the order_id of an earlier kept row. */
export const SALES_DUPLICATE_ID_RATE = 0.005;

export const SALES_FAULT_TYPES = [
  'quantity_units', // "5 units" (kept)
  'price_currency', // "$1,299.50", "$85.00" (kept)
  'negative_quantity', // "-3" (dropped)
  'zero_or_fractional_quantity', // "0", "2.5" (dropped)
  'discount_over_one', // "1.5", "15" (dropped)
  'missing_date', // "" (dropped)
  'invalid_date', // "2024-13-45", "someday" (dropped)
  'unparsable_price', // "N/A", "abc" (dropped)
  'extreme_value', // quantity 150..500 of a high-price product, price ×20, or discount 0.75..0.95 (kept)
  'unknown_label', // "unknown product", "unknown_region" (kept)
] as const;
export type SalesFaultType = (typeof SALES_FAULT_TYPES)[number];

export type SalesDropReason = 'INVALID_QUANTITY' | 'INVALID_DISCOUNT' | 'MISSING_DATE' | 'INVALID_DATE' | 'INVALID_PRICE';

/** What the cleaner does with a row carrying each fault: the reject reason, or null when it keeps it. */
export const SALES_FAULT_DROP_REASON: Readonly<Record<SalesFaultType, SalesDropReason | null>> = {
  quantity_units: null,
  price_currency: null,
  negative_quantity: 'INVALID_QUANTITY',
  zero_or_fractional_quantity: 'INVALID_QUANTITY',
  discount_over_one: 'INVALID_DISCOUNT',
  missing_date: 'MISSING_DATE',
  invalid_date: 'INVALID_DATE',
  unparsable_price: 'INVALID_PRICE',
  extreme_value: null,
  unknown_label: null,
};

/** Relative frequency of each fault (SALES_FAULT_TYPES order): kept and dropped types each sum to 50. */
export const SALES_FAULT_WEIGHTS: readonly number[] = SALES_FAULT_TYPES.map((t) => (SALES_FAULT_DROP_REASON[t] === null ? 12.5 : 50 / 6));

/** Values written for the invalid-date fault (`{Y}` is the year). */
export const SALES_BAD_DATES: readonly string[] = ['{Y}-13-45', 'someday', '{Y}-12-32', '{Y}/00/15', '13/45/{Y}', '45-Foo-{Y}', 'not a date', 'TBD'];
/** Values written for the unparsable-price fault. */
export const SALES_BAD_PRICES: readonly string[] = ['N/A', 'abc', 'n/a', '#VALUE!', 'free', '12..5', 'TBD'];
/** Values written for the unknown-product and unknown-region faults (title-cased by the cleaner). */
export const SALES_UNKNOWN_PRODUCTS: readonly string[] = ['unknown product', 'unknown_product', 'Unknown Item', 'misc item', 'gift card', 'desk lamp'];
export const SALES_UNKNOWN_REGIONS: readonly string[] = ['unknown_region', 'unknown region', 'UNKNOWN', 'central', 'online', 'overseas'];

export interface SalesGenOptions {
  rows: number;
  /** Any integer; default DEFAULT_SALES_SEED (42). */
  seed?: number;
  /** Probability that a row is faulty, in [0, 1]; default 0.15. */
  errorRate?: number;
  /** Calendar year of sale_date (1000..9999); default 2024. */
  year?: number;
  /** Sale dates over this many calendar years from `year` (year + years - 1 ≤ 9999); default 1. */
  years?: number;
  /** Preset of the options below ('adversarial': see salesShapeOptions); explicit options win. */
  shape?: SalesShape;
  /**
   * Distinct product names after cleaning, 1..1,000,000: SALES_PRODUCTS (with their typos) first,
   * then generated 'Gaming Mouse #1'-style names (price and category of SALES_PRODUCTS[j % 10]).
   * Half of the rows pick by popularity, half cycle through all. Default: the 10 products.
   * Extreme-quantity faults still use a high-price named product (SALES_PRODUCTS 0, 1 or 4).
   */
  products?: number;
  /** Every row a product name of its own ('<stem> #<row number>'); overrides products. */
  distinctProducts?: boolean;
  /**
   * Distinct categories, 1..1,000,000: SALES_CATEGORIES first, then 'Category 1', …; drawn per
   * row (half by popularity, half cycling), no longer tied to the product. Default: the product's.
   */
  categories?: number;
  /** Distinct regions, 1..1,000,000: SALES_REGIONS first, then 'Region 1', …; default the 4. */
  regions?: number;
}

export interface SalesGenResult {
  rows: number;
  bytes: number;
  faultyRows: number;
  /** Faulty rows by type (sums to faultyRows). */
  faultsByType: Record<SalesFaultType, number>;
  /** Rows the cleaner is expected to reject (faults with a SALES_FAULT_DROP_REASON). */
  expectedDropped: number;
  /** Rows whose order_id repeats an earlier row's (each id appears at most twice). */
  duplicateOrderIdRows: number;
}

/**
 * Rows per chunk (~90 KB of text). Measured (node 20): 1,000-row chunks run at ~1.4M rows/s; chunks
 * of ~1 MB run 2-5x slower, whether built as one rope (its ~11K nodes survive young-generation GCs
 * and get promoted) or flattened per 1,000 rows and joined (the 1 MB strings go to large-object
 * space). A file stream coalesces these chunks up to its highWaterMark (writev) anyway.
 */
const SALES_BATCH_ROWS = 1_000;
const RECENT_IDS = 64;

// ---------------------------------------------------------------- lookup tables

const MONTH_ABBR = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const FRACTIONS: readonly string[] = ['5', '25', '75'];
const F_QUANTITY_UNITS = 0;
const F_PRICE_CURRENCY = 1;
const F_NEGATIVE_QUANTITY = 2;
const F_ZERO_FRACTIONAL_QUANTITY = 3;
const F_DISCOUNT_OVER_ONE = 4;
const F_MISSING_DATE = 5;
const F_INVALID_DATE = 6;
const F_UNPARSABLE_PRICE = 7;
const F_EXTREME = 8;
const F_UNKNOWN_LABEL = 9;
const FAULT_DROPS: readonly boolean[] = SALES_FAULT_TYPES.map((t) => SALES_FAULT_DROP_REASON[t] !== null);
const faultSampler = weightedSampler(SALES_FAULT_WEIGHTS);
/** Share of faulty rows that are dropped (for scaling the duplicate rate over kept rows). */
const DROPPED_FAULT_SHARE = SALES_FAULT_WEIGHTS.reduce((s, w, i) => s + (FAULT_DROPS[i] ? w : 0), 0) / SALES_FAULT_WEIGHTS.reduce((s, w) => s + w, 0);

const productSampler = weightedSampler(SALES_PRODUCTS.map((p) => p.weight));
const PRODUCT_VARIANTS: readonly (readonly string[])[] = SALES_PRODUCTS.map((p) => p.variants);
const PRODUCT_CATEGORY: readonly string[] = SALES_PRODUCTS.map((p) => p.category);
const PRODUCT_CATEGORY_VARIANTS: readonly (readonly string[])[] = SALES_PRODUCTS.map((p) => SALES_CATEGORY_VARIANTS[p.category]);
const PRODUCT_BASE_CENTS: readonly number[] = SALES_PRODUCTS.map((p) => p.basePrice * 100);
/** Products used for the extreme-quantity fault (base price ≥ 800). */
const HIGH_PRICE_PRODUCTS: readonly number[] = SALES_PRODUCTS.flatMap((p, i) => (p.basePrice >= 800 ? [i] : []));
const regionSampler = weightedSampler(SALES_REGION_WEIGHTS);
const REGION_VARIANTS: readonly (readonly string[])[] = SALES_REGIONS.map((r) => SALES_REGION_VARIANTS[r]);

// Date formats and their relative frequency. MDY is only used when the day is > 12 (unambiguous);
// otherwise the row falls back to YYYY-MM-DD.
const D_DASH_TIME = 0; // YYYY-MM-DD HH:MM:SS
const D_SLASH = 1; // YYYY/MM/DD
const D_DASH = 2; // YYYY-MM-DD
const D_DMON = 3; // DD-Mon-YYYY
const dateFormatSampler = weightedSampler([24, 24, 24, 24, 4]); // + 4: MM/DD/YYYY

/** "$1,234.50", quoted for CSV when it has a thousands separator. */
function dollarPrice(cents: number): string {
  const s = dollarAmount(cents);
  return s.includes(',') ? '"' + s + '"' : s;
}

/** The row index as (at least) 8 zero-padded digits. */
function pad8(x: number): string {
  if (x < 100_000_000) {
    const hi = (x / 10_000) | 0;
    return PAD4[hi] + PAD4[x - hi * 10_000];
  }
  return String(x);
}

interface DayInfo {
  month: number; // 0..11
  dash: string; // YYYY-MM-DD
  slash: string; // YYYY/MM/DD
  dmon: string; // DD-Mon-YYYY
  mdy: string | null; // MM/DD/YYYY, only when the day is > 12
}

function checkOptions(input: SalesGenOptions): SalesGenOptions & { errorRate: number; year: number; years: number } {
  if (!Number.isSafeInteger(input.rows) || input.rows < 0) throw new RangeError(`rows must be an integer ≥ 0, got ${input.rows}`);
  const opts = applySalesShape(input);
  const errorRate = opts.errorRate ?? DEFAULT_SALES_ERROR_RATE;
  if (!(errorRate >= 0 && errorRate <= 1)) throw new RangeError(`errorRate must be in [0, 1], got ${errorRate}`);
  const year = opts.year ?? DEFAULT_SALES_YEAR;
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`year must be an integer in [1000, 9999], got ${year}`);
  const years = opts.years ?? 1;
  if (!Number.isInteger(years) || years < 1 || year + years - 1 > 9999) throw new RangeError(`years must be an integer ≥ 1 with year + years - 1 ≤ 9999, got ${years}`);
  return { ...opts, errorRate, year, years };
}

function emptyFaultCounts(): Record<SalesFaultType, number> {
  const counts = {} as Record<SalesFaultType, number>;
  for (const t of SALES_FAULT_TYPES) counts[t] = 0;
  return counts;
}

/**
 * Stateful sales CSV builder. `nextChunk()` returns the header, then batches of up to
 * SALES_BATCH_ROWS rows, then null. Counters are final once it returns null.
 */
export class SalesCsvGenerator {
  readonly rows: number;
  rowsWritten = 0;
  bytes = 0;
  faultyRows = 0;
  expectedDropped = 0;
  duplicateOrderIdRows = 0;
  readonly faultsByType: Record<SalesFaultType, number> = emptyFaultCounts();

  private readonly rng: Prng;
  private readonly errorRate: number;
  /** Per kept row, so that duplicates are ~SALES_DUPLICATE_ID_RATE of all rows. */
  private readonly duplicateRate: number;
  private readonly days: DayInfo[] = [];
  private readonly maxQuantity: number[];
  private readonly badDates: string[];
  // High-cardinality draws (null: today's behaviour).
  private readonly isDistinctProducts: boolean;
  private readonly productDraw: SpreadDraw | null;
  private readonly categoryDraw: SpreadDraw | null;
  private readonly regionDraw: SpreadDraw | null;
  /** Order ids of recent kept, non-duplicate rows; '' once reused, so an id appears at most twice. */
  private readonly recentIds: string[] = new Array<string>(RECENT_IDS).fill('');
  private recentPos = 0;
  private counter = 0;
  private headerDone = false;

  constructor(input: SalesGenOptions) {
    const opts = checkOptions(input);
    const { errorRate, year } = opts;
    this.rows = opts.rows;
    this.errorRate = errorRate;
    this.duplicateRate = Math.min(1, SALES_DUPLICATE_ID_RATE / (1 - errorRate * DROPPED_FAULT_SHARE));
    const seedHash = hashSeed(opts.seed ?? DEFAULT_SALES_SEED);
    this.rng = new Prng(mixPair(seedHash, 0x73616c65 /* "sale" */));

    const start = Date.UTC(year, 0, 1);
    const end = Date.UTC(year + opts.years, 0, 1);
    for (let t = start; t < end; t += 86_400_000) {
      const d = new Date(t); // once per day of the span, not per row
      const month = d.getUTCMonth();
      const day = d.getUTCDate();
      const y = String(d.getUTCFullYear());
      const mm = PAD2[month + 1];
      const dd = PAD2[day];
      this.days.push({
        month,
        dash: y + '-' + mm + '-' + dd,
        slash: y + '/' + mm + '/' + dd,
        dmon: dd + '-' + MONTH_ABBR[month] + '-' + y,
        mdy: day > 12 ? mm + '/' + dd + '/' + y : null,
      });
    }
    this.maxQuantity = SALES_MONTH_QUANTITY_FACTOR.map((f) => Math.round(BASE_MAX_QUANTITY * f));
    this.badDates = SALES_BAD_DATES.map((s) => s.replace('{Y}', String(year)));

    this.isDistinctProducts = opts.distinctProducts === true;
    this.productDraw =
      opts.products === undefined || this.isDistinctProducts
        ? null
        : new SpreadDraw(
            'products',
            opts.products,
            SALES_PRODUCTS.map((p) => p.weight),
            15,
            mixPair(seedHash, 0x70726f64 /* "prod" */),
          );
    this.categoryDraw =
      opts.categories === undefined
        ? null
        : new SpreadDraw(
            'categories',
            opts.categories,
            SALES_CATEGORIES.map(() => 1),
            1,
            mixPair(seedHash, 0x63617473 /* "cats" */),
          );
    this.regionDraw = opts.regions === undefined ? null : new SpreadDraw('regions', opts.regions, SALES_REGION_WEIGHTS, 35, mixPair(seedHash, 0x7265676e /* "regn" */));
  }

  get done(): boolean {
    return this.headerDone && this.rowsWritten >= this.rows;
  }

  /** Counters so far (final once nextChunk() has returned null). */
  result(): SalesGenResult {
    return {
      rows: this.rowsWritten,
      bytes: this.bytes,
      faultyRows: this.faultyRows,
      faultsByType: { ...this.faultsByType },
      expectedDropped: this.expectedDropped,
      duplicateOrderIdRows: this.duplicateOrderIdRows,
    };
  }

  /** Header line, then batches of rows, then null. */
  nextChunk(): string | null {
    let chunk: string;
    if (!this.headerDone) {
      this.headerDone = true;
      chunk = SALES_HEADER + '\n';
    } else {
      const remaining = this.rows - this.rowsWritten;
      if (remaining <= 0) return null;
      const n = remaining < SALES_BATCH_ROWS ? remaining : SALES_BATCH_ROWS;
      chunk = '';
      for (let i = 0; i < n; i++) chunk += this.nextRow();
      this.rowsWritten += n;
    }
    this.bytes += chunk.length; // ASCII only
    return chunk;
  }

  /** A product index: SALES_PRODUCTS by weight, or (products option) one of `products`. */
  private drawProduct(): number {
    return this.productDraw === null ? productSampler(this.rng) : this.productDraw.next(this.rng);
  }

  /** A generated name, lower-cased on CATEGORY_VARIANT_RATE of the rows (the cleaner title-cases it back). */
  private caseVariant(name: string): string {
    return this.rng.float() < CATEGORY_VARIANT_RATE ? name.toLowerCase() : name;
  }

  /** Category k of the `categories` option, as written. */
  private categoryText(k: number): string {
    if (k >= SALES_CATEGORIES.length) {
      return this.caseVariant(generatedSalesName(GENERATED_SALES_CATEGORY_PREFIX, k, SALES_CATEGORIES.length));
    }
    const name = SALES_CATEGORIES[k];
    return this.rng.float() < CATEGORY_VARIANT_RATE ? this.rng.pick(SALES_CATEGORY_VARIANTS[name]) : name;
  }

  private nextRow(): string {
    const rng = this.rng;
    const c = this.counter++;

    // The fault (if any) is decided first: the extreme-quantity fault picks the product.
    let fault = -1;
    if (rng.float() < this.errorRate) fault = faultSampler(rng);
    let extreme = -1;
    let p: number;
    // Product name index: p itself, or a generated product j ≥ 10 with p = j % 10.
    let j = -1;
    if (fault === F_EXTREME) {
      extreme = rng.below(3);
      p = extreme === 0 ? HIGH_PRICE_PRODUCTS[rng.below(HIGH_PRICE_PRODUCTS.length)] : this.drawProduct();
    } else {
      p = this.drawProduct();
    }
    if (this.productDraw !== null && p >= SALES_PRODUCTS.length) {
      j = p;
      p = j % SALES_PRODUCTS.length;
    }

    // Clean values.
    const day = this.days[rng.below(this.days.length)];
    let quantity = 1 + rng.below(this.maxQuantity[day.month]);
    let cents = Math.round(PRODUCT_BASE_CENTS[p] * (0.85 + 0.3 * rng.float()));
    let discount = rng.below(MAX_DISCOUNT_CENTS + 1);

    let orderId = 'ORD-' + pad8(c) + '-' + PAD4[rng.below(10_000)];
    let product: string;
    if (this.isDistinctProducts) product = SALES_PRODUCT_STEMS[p] + ' #' + (c + 1);
    else if (j >= 0) product = this.caseVariant(SALES_PRODUCT_STEMS[p] + ' #' + (j - 9));
    else product = rng.pick(PRODUCT_VARIANTS[p]);
    let category: string;
    if (this.categoryDraw === null) {
      category = rng.float() < CATEGORY_VARIANT_RATE ? rng.pick(PRODUCT_CATEGORY_VARIANTS[p]) : PRODUCT_CATEGORY[p];
    } else {
      category = this.categoryText(this.categoryDraw.next(rng));
    }
    let region: string;
    if (this.regionDraw === null) {
      region = rng.pick(REGION_VARIANTS[regionSampler(rng)]);
    } else {
      const r = this.regionDraw.next(rng);
      region = r < SALES_REGIONS.length ? rng.pick(REGION_VARIANTS[r]) : this.caseVariant(generatedSalesName(GENERATED_SALES_REGION_PREFIX, r, SALES_REGIONS.length));
    }

    let date: string;
    const fmt = dateFormatSampler(rng);
    if (fmt === D_DASH_TIME) date = day.dash + ' ' + PAD2[rng.below(24)] + ':' + PAD2[rng.below(60)] + ':00';
    else if (fmt === D_SLASH) date = day.slash;
    else if (fmt === D_DASH) date = day.dash;
    else if (fmt === D_DMON) date = day.dmon;
    else date = day.mdy ?? day.dash;

    let email: string;
    const eu = rng.float();
    if (eu < EMAIL_EMPTY_RATE) email = '';
    else if (eu < EMAIL_EMPTY_RATE + EMAIL_UPPER_RATE) email = rng.pick(SALES_EMAILS_UPPER);
    else if (eu < EMAIL_EMPTY_RATE + EMAIL_UPPER_RATE + EMAIL_INVALID_RATE) email = rng.pick(SALES_EMAILS_INVALID);
    else email = SALES_EMAILS[rng.below(SALES_EMAILS.length)];

    let quantityText: string | null = null;
    let priceText: string | null = null;
    let discountText: string | null = null;
    let dropped = false;
    if (fault >= 0) {
      this.faultyRows++;
      this.faultsByType[SALES_FAULT_TYPES[fault]]++;
      dropped = FAULT_DROPS[fault];
      if (dropped) this.expectedDropped++;
      switch (fault) {
        case F_QUANTITY_UNITS:
          quantityText = quantity + ' units';
          break;
        case F_PRICE_CURRENCY:
          priceText = dollarPrice(cents);
          break;
        case F_NEGATIVE_QUANTITY:
          quantityText = '-' + quantity;
          break;
        case F_ZERO_FRACTIONAL_QUANTITY:
          quantityText = rng.below(3) === 0 ? '0' : quantity + '.' + rng.pick(FRACTIONS);
          break;
        case F_DISCOUNT_OVER_ONE:
          // A percentage written instead of a fraction ("15"), or a fraction above 1 ("1.50").
          discountText = rng.float() < 0.5 ? String(2 + rng.below(29)) : '1.' + PAD2[1 + rng.below(99)];
          break;
        case F_MISSING_DATE:
          date = '';
          break;
        case F_INVALID_DATE:
          date = rng.pick(this.badDates);
          break;
        case F_UNPARSABLE_PRICE:
          priceText = rng.pick(SALES_BAD_PRICES);
          break;
        case F_EXTREME:
          if (extreme === 0) quantity = 150 + rng.below(351);
          else if (extreme === 1) cents *= 20;
          else discount = 75 + rng.below(21);
          break;
        case F_UNKNOWN_LABEL:
          if (rng.float() < 0.5) {
            product = rng.pick(SALES_UNKNOWN_PRODUCTS);
            if (this.isDistinctProducts) product += ' #' + (c + 1); // still one name per row
          } else {
            region = rng.pick(SALES_UNKNOWN_REGIONS);
          }
          break;
      }
    }

    // Duplicate order ids, only between kept rows (both copies are valid rows).
    const dupDraw = rng.float();
    if (!dropped) {
      let reused = false;
      if (dupDraw < this.duplicateRate) {
        const k = rng.below(RECENT_IDS);
        const prev = this.recentIds[k];
        if (prev !== '') {
          orderId = prev;
          this.recentIds[k] = '';
          this.duplicateOrderIdRows++;
          reused = true;
        }
      }
      if (!reused) {
        this.recentIds[this.recentPos] = orderId;
        this.recentPos = this.recentPos === RECENT_IDS - 1 ? 0 : this.recentPos + 1;
      }
    }

    return (
      orderId +
      ',' +
      product +
      ',' +
      category +
      ',' +
      (quantityText ?? String(quantity)) +
      ',' +
      (priceText ?? plainAmount(cents)) +
      ',' +
      (discountText ?? (discount < 100 ? '0.' + PAD2[discount] : '1.00')) +
      ',' +
      region +
      ',' +
      date +
      ',' +
      email +
      '\n'
    );
  }
}

/** Chunk producer over a fresh generator: `next()` gives the header, row batches, then null. */
export function salesCsvChunks(opts: SalesGenOptions): {
  next: () => string | null;
  result: () => SalesGenResult;
} {
  const gen = new SalesCsvGenerator(opts);
  return { next: () => gen.nextChunk(), result: () => gen.result() };
}

// ---------------------------------------------------------------- stream writing

/** Writes the sales CSV (header + rows) to `out` honouring backpressure. Does not end `out`. */
export async function writeSalesCsv(out: NodeJS.WritableStream, opts: SalesGenOptions): Promise<SalesGenResult> {
  const gen = new SalesCsvGenerator(opts);
  await pump(out, () => gen.nextChunk());
  return gen.result();
}

/** Whole sales CSV as one string (small row counts only: tests, fixtures, demos). */
export function salesCsvString(opts: SalesGenOptions): { csv: string } & SalesGenResult {
  const gen = new SalesCsvGenerator(opts);
  let csv = '';
  for (let chunk = gen.nextChunk(); chunk !== null; chunk = gen.nextChunk()) csv += chunk;
  return { csv, ...gen.result() };
}
