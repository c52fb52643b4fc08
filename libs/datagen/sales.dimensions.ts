import { checkDimension, CoverageCycle, headTailWeights } from './cardinality';
import { Prng, weightedSampler, WeightedSampler } from './prng';

/**
 * Shapes and high-cardinality names of the sales generator. Generated names are fixed points of
 * the sales cleaner's salesTitleCase (every letter run starts upper-case, the rest lower; digits
 * and '#' end a run) and miss its vocabulary, so each stays one distinct value after cleaning.
 */

export const SALES_SHAPES = ['default', 'adversarial'] as const;
export type SalesShape = (typeof SALES_SHAPES)[number];

/** The options a shape may set (a subset of SalesGenOptions). */
export interface SalesShapeOptions {
  products?: number;
  distinctProducts?: boolean;
  categories?: number;
  regions?: number;
  year?: number;
  years?: number;
}

/**
 * 'adversarial': every row its own product name, 10,000 categories, 10,000 regions, sale dates
 * over 2015-2024 (all in the past), faults at the usual rate.
 */
export function salesShapeOptions(shape: SalesShape): SalesShapeOptions {
  switch (shape) {
    case 'default':
      return {};
    case 'adversarial':
      return { distinctProducts: true, categories: 10_000, regions: 10_000, year: 2015, years: 10 };
  }
}

/** Merges a shape under explicit options; an explicit `products` cancels the shape's distinctProducts. */
export function applySalesShape<T extends SalesShapeOptions>(opts: T & { shape?: SalesShape }): T {
  const shape = opts.shape ?? 'default';
  if (!(SALES_SHAPES as readonly string[]).includes(shape)) {
    throw new RangeError(`shape must be one of ${SALES_SHAPES.join(', ')}, got ${shape}`);
  }
  const preset = salesShapeOptions(shape);
  if (opts.products !== undefined && opts.distinctProducts === undefined) {
    delete preset.distinctProducts;
  }
  const merged = { ...opts } as T;
  for (const key of Object.keys(preset) as (keyof SalesShapeOptions)[]) {
    if (merged[key] === undefined) (merged as SalesShapeOptions)[key] = preset[key] as never;
  }
  return merged;
}

/**
 * Stems of generated product names, one per SALES_PRODUCTS entry (same order): product j ≥ 10 is
 * `${stem of j % 10} #${j - 9}`, and has that product's category and price.
 */
export const SALES_PRODUCT_STEMS: readonly string[] = [
  'Laptop Pro',
  'Smartphone',
  'Wireless Headphones',
  'Gaming Mouse',
  '4K Tv',
  'Blender',
  'Coffee Maker',
  'Office Chair',
  'T-Shirt',
  'Running Shoes',
];
export const GENERATED_SALES_CATEGORY_PREFIX = 'Category ';
export const GENERATED_SALES_REGION_PREFIX = 'Region ';

/** Generated name k ≥ 0 of a dimension whose first `named` values are named: prefix + (k - named + 1). */
export function generatedSalesName(prefix: string, k: number, named: number): string {
  return prefix + (k - named + 1);
}

/**
 * Draws one of n values: half the time by popularity (the head weights, then a long tail), half
 * the time the next value of a cycle over all n, so every value appears once there have been 2n
 * draws or so.
 */
export class SpreadDraw {
  private readonly byWeight: WeightedSampler;
  private readonly cycle: CoverageCycle;

  constructor(name: string, n: number, head: readonly number[], tailScale: number, key: number) {
    checkDimension(name, n);
    this.byWeight = weightedSampler(headTailWeights(n, head, tailScale));
    this.cycle = new CoverageCycle(n, key);
  }

  next(rng: Prng): number {
    return rng.float() < 0.5 ? this.byWeight(rng) : this.cycle.next();
  }
}
