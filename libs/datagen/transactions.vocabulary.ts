/**
 * The named zones and categories of the transactions generator (today's default shape), their
 * popularity, amounts and spellings. Generated dimensions (`zones` / `categories` options) start
 * with these, in this order.
 */

export const ZONES = ['Downtown', 'North', 'South', 'East', 'West', 'Suburb', 'Airport', 'Harbor'] as const;
/** Relative popularity of ZONES (merchant placement, hence transaction share). */
export const ZONE_WEIGHTS: readonly number[] = [24, 13, 12, 12, 13, 14, 6, 6];

export const CATEGORIES = ['Grocery', 'Food', 'Electronics', 'Fashion', 'Transport', 'Utilities', 'Healthcare', 'Education', 'Home', 'Entertainment'] as const;
export const CATEGORY_WEIGHTS: readonly number[] = [18, 20, 6, 10, 12, 6, 6, 3, 8, 11];

/**
 * Category amounts are log-normal: median (in currency units) and sigma of the underlying normal.
 * The generator clamps them to [1.00, 50,000.00] so clean rows are always valid.
 */
export const CATEGORY_AMOUNTS: Readonly<Record<(typeof CATEGORIES)[number], { median: number; sigma: number }>> = {
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
