import { pump } from './pump';
import { hashSeed, mixPair, Prng } from './prng';
import { TransactionDimensions, transactionDimensions } from './transactions.dimensions';
import { CATEGORIES } from './transactions.vocabulary';

/**
 * Seeded, streaming generator of the `merchants` CSV file that goes with the transactions file
 * (transactions.generator.ts): a merchant's zone, category, dormancy and volume depend only on
 * (seed, index, zones, categories), so both files made with the same options agree.
 */

export const MERCHANTS_HEADER = 'MERCHANT_ID,NAME,ZONE';

/** Share of the configured merchants that ever appear in transactions (the rest are dormant). */
export const ACTIVE_MERCHANT_SHARE = 0.9;
/** Default seed of the transactions and merchants files. */
export const DEFAULT_SEED = 42;

/** Rows per written chunk (see BATCH_ROWS in transactions.generator.ts). */
const BATCH_ROWS = 1_000;

export interface MerchantsGenOptions {
  rows: number;
  seed?: number;
  /** Same as TransactionsGenOptions.zones / categories: pass the same values to both files. */
  zones?: number;
  categories?: number;
}

export interface MerchantsGenResult {
  rows: number;
  bytes: number;
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
const SURNAMES = ['Smith', 'Garcia', 'Nguyen', 'Okafor', 'Kowalski', 'Patel', 'Rossi', 'Silva', 'Cohen', 'Tanaka'];

/** Merchant name endings for generated categories (beyond CATEGORIES). */
const GENERIC_SUFFIX: readonly string[] = ['Store', 'Shop', 'Traders', 'Supply', 'Outlet'];

export interface MerchantProfile {
  index: number;
  zoneIndex: number;
  categoryIndex: number;
  /** Whether the merchant appears in transactions (ACTIVE_MERCHANT_SHARE of them do). */
  active: boolean;
  /** Relative transaction volume (log-normal, so some merchants are much busier). */
  volume: number;
}

/**
 * A merchant's attributes depend only on (seed, index), so the merchants file and the transactions
 * file made with the same seed agree on every merchant's zone and dormancy, whatever `rows` says.
 * Zones and categories only change which zone / category the same draws land on.
 */
export function merchantRng(seedHash: number, index: number): Prng {
  return new Prng(mixPair(mixPair(seedHash, 0x6d657263 /* "merc" */), index));
}

export function merchantProfile(seed: number, index: number, dimensions: { zones?: number; categories?: number } = {}): MerchantProfile {
  const dims = transactionDimensions(dimensions.zones, dimensions.categories);
  return profileFromRng(merchantRng(hashSeed(seed), index), index, dims);
}

export function profileFromRng(rng: Prng, index: number, dims: TransactionDimensions): MerchantProfile {
  const zoneIndex = dims.zoneSampler(rng);
  const categoryIndex = dims.categorySampler(rng);
  const active = rng.float() < ACTIVE_MERCHANT_SHARE;
  const volume = rng.lognormal(0, 1);
  return { index, zoneIndex, categoryIndex, active, volume };
}

/** Draws the merchant's display name; must be called right after profileFromRng on the same rng. */
function merchantName(rng: Prng, categoryIndex: number): string {
  const suffixes = NAME_SUFFIX[CATEGORIES[categoryIndex]] ?? GENERIC_SUFFIX;
  const suffix = rng.pick(suffixes);
  const r = rng.float();
  if (r < 0.01) return rng.pick(SURNAMES) + ', ' + rng.pick(SURNAMES) + ' & Co'; // needs quoting
  if (r < 0.015) return 'The "' + rng.pick(NAME_FIRST) + '" ' + suffix; // embedded quotes
  if (r < 0.1) return rng.pick(SURNAMES) + "'s " + suffix;
  return rng.pick(NAME_FIRST) + ' ' + rng.pick(NAME_SECOND) + ' ' + suffix;
}

/** Throws unless `value` is a safe integer in [min, max]. */
export function checkCount(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new RangeError(`${name} must be an integer ${range}, got ${value}`);
  }
}

// ---------------------------------------------------------------- merchants file

/** Builds the merchants CSV in chunks of BATCH_ROWS rows: header first, null when done. */
export function merchantsCsvChunks(opts: MerchantsGenOptions): () => string | null {
  checkCount('rows', opts.rows, 0);
  const total = opts.rows;
  const seedHash = hashSeed(opts.seed ?? DEFAULT_SEED);
  const dims = transactionDimensions(opts.zones, opts.categories);
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
      const p = profileFromRng(rng, index, dims);
      const name = merchantName(rng, p.categoryIndex);
      batch += merchantId(index, total) + ',' + csvField(name) + ',' + dims.zoneNames[p.zoneIndex] + '\n';
    }
    return batch;
  };
}

/** Writes the merchants CSV (header + rows) to `out` honouring backpressure. Does not end `out`. */
export async function writeMerchantsCsv(out: NodeJS.WritableStream, opts: MerchantsGenOptions): Promise<MerchantsGenResult> {
  const bytes = await pump(out, merchantsCsvChunks(opts));
  return { rows: opts.rows, bytes };
}

/** Whole merchants CSV as one string (small row counts only). */
export function merchantsCsvString(opts: MerchantsGenOptions): string {
  const next = merchantsCsvChunks(opts);
  let csv = '';
  for (let chunk = next(); chunk !== null; chunk = next()) csv += chunk;
  return csv;
}
