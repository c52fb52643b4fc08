import { checkDimension, dimensionNames, headTailWeights, mixedCase } from './cardinality';
import { weightedSampler, WeightedSampler } from './prng';
import { CATEGORIES, CATEGORY_VARIANTS, CATEGORY_WEIGHTS, ZONE_WEIGHTS, ZONES } from './transactions.vocabulary';

/**
 * Zones and categories of the transactions generator: today's named ones, or `zones` / `categories`
 * values (the named ones first, then generated names) that the transactions cleaner keeps distinct:
 * it trims and upper-cases zones ('Zone 1A' ↔ 'zone 1a' ↔ ' ZONE 1A '), and title-cases categories
 * word by word before its synonym map ('Cat 1a' and 'Cat A1' are already title-cased, and no
 * synonym).
 */

/** Prefix of generated zone names: 'Zone 1', …, 'Zone Z', 'Zone 10', … (base 36, upper-case). */
export const GENERATED_ZONE_PREFIX = 'Zone ';
/** Prefix of generated category names: 'Cat 1', …, 'Cat Z', 'Cat 10', … (base 36, first character upper-case). */
export const GENERATED_CATEGORY_PREFIX = 'Cat ';
/** Most spellings per zone (`zoneVariants`): canonical, lower, UPPER, mIxEd, ' Padded ', '  lead', 'trail  '. */
export const MAX_ZONE_VARIANTS = 7;

export interface TransactionDimensions {
  zoneNames: readonly string[];
  categoryNames: readonly string[];
  /** Merchant home zone and main category (popularity-weighted, one draw each). */
  zoneSampler: WeightedSampler;
  categorySampler: WeightedSampler;
  /** False: today's 8 zones with their rare variety and quoted "Zone, Other" values. */
  isCustomZones: boolean;
  /** False: today's 10 categories. */
  isCustomCategories: boolean;
}

const DEFAULT_DIMENSIONS: TransactionDimensions = {
  zoneNames: ZONES,
  categoryNames: CATEGORIES,
  zoneSampler: weightedSampler(ZONE_WEIGHTS),
  categorySampler: weightedSampler(CATEGORY_WEIGHTS),
  isCustomZones: false,
  isCustomCategories: false,
};

// Tail weights: the k-th generated value weighs scale/√(k+1), about the top named value at first.
const ZONE_TAIL_SCALE = 24;
const CATEGORY_TAIL_SCALE = 20;

/** Dimensions for the options; undefined `zones` / `categories` keep today's named values. */
export function transactionDimensions(zones?: number, categories?: number): TransactionDimensions {
  if (zones === undefined && categories === undefined) return DEFAULT_DIMENSIONS;
  const dims = { ...DEFAULT_DIMENSIONS };
  if (zones !== undefined) {
    checkDimension('zones', zones);
    dims.zoneNames = dimensionNames(zones, ZONES, GENERATED_ZONE_PREFIX, 'upper');
    dims.zoneSampler = weightedSampler(headTailWeights(zones, ZONE_WEIGHTS, ZONE_TAIL_SCALE));
    dims.isCustomZones = true;
  }
  if (categories !== undefined) {
    checkDimension('categories', categories);
    dims.categoryNames = dimensionNames(categories, CATEGORIES, GENERATED_CATEGORY_PREFIX, 'title');
    dims.categorySampler = weightedSampler(headTailWeights(categories, CATEGORY_WEIGHTS, CATEGORY_TAIL_SCALE));
    dims.isCustomCategories = true;
  }
  return dims;
}

/**
 * Spelling k (0..MAX_ZONE_VARIANTS-1) of a zone: the name, then lower, UPPER, mIxEd, ' Name ',
 * '  lower' and 'Name  ' (1..6 are today's variety, in its order). All trim + upper-case alike.
 */
export function zoneSpelling(name: string, k: number): string {
  switch (k) {
    case 0:
      return name;
    case 1:
      return name.toLowerCase();
    case 2:
      return name.toUpperCase();
    case 3:
      return mixedCase(name);
    case 4:
      return ' ' + name + ' ';
    case 5:
      return '  ' + name.toLowerCase();
    default:
      return name + '  ';
  }
}

/** Variant spellings of category `name` (named: CATEGORY_VARIANTS; generated: case variants). */
export function categoryVariants(name: string): readonly string[] {
  const named = CATEGORY_VARIANTS[name as (typeof CATEGORIES)[number]];
  if (named) return named;
  const lower = name.toLowerCase();
  return [lower, name.toUpperCase(), mixedCase(lower)];
}

/**
 * The spellings each category is written in when the file must hold exactly `total` raw category
 * spellings: every canonical name, then variants handed out round-robin (the first variant of
 * category 0, 1, 2…, then the second variants…) until `total` is reached.
 */
export function categorySpellingTable(names: readonly string[], total: number): string[][] {
  const variants = names.map(categoryVariants);
  const available = names.length + variants.reduce((s, v) => s + v.length, 0);
  if (!Number.isSafeInteger(total) || total < names.length || total > available) {
    throw new RangeError(`categorySpellings must be an integer in [${names.length}, ${available}] for ` + `${names.length} categories, got ${total}`);
  }
  const table = names.map((n) => [n]);
  let left = total - names.length;
  for (let round = 0; left > 0; round++) {
    for (let c = 0; c < names.length && left > 0; c++) {
      if (round < variants[c].length) {
        table[c].push(variants[c][round]);
        left--;
      }
    }
  }
  return table;
}
