/**
 * Named shapes (option presets) of the transactions generator. A shape only fills options the
 * caller left undefined: explicit options always win.
 */

export const TRANSACTIONS_SHAPES = ['default', 'mixed', 'adversarial'] as const;
export type TransactionsShape = (typeof TRANSACTIONS_SHAPES)[number];

export type TimestampFormats = 'default' | 'all';

/** The options a shape may set (a subset of TransactionsGenOptions). */
export interface TransactionsShapeOptions {
  errorRate?: number;
  merchants?: number;
  days?: number;
  customers?: number;
  distinctCustomers?: boolean;
  zones?: number;
  zoneVariants?: number;
  categories?: number;
  categorySpellings?: number;
  quoteRate?: number;
  crlf?: boolean;
  timestampFormats?: TimestampFormats;
}

/**
 * Customer pool per row of the 'mixed' shape. Customers are drawn with a u³ skew, so a pool of
 * 0.47·rows yields about rows/3 distinct phone numbers (0.25·rows, the default, yields ~0.22·rows).
 */
export const MIXED_CUSTOMERS_PER_ROW = 0.47;

/**
 * The options of a shape for `rows` rows.
 * - 'mixed': the shape of a real upload: ~rows/3 distinct customers, 3,000 merchants, 41 zones each
 *   written in 4 case variants, 17 raw category spellings (the 10 categories + 7 variants), 120
 *   days, every timestamp format, 5 % of rows fully quoted, CRLF, 1 % faulty rows.
 * - 'adversarial': every limit at once: every row its own customer, 100,000 merchants, 3,650 days,
 *   100,000 zones, 100,000 categories, every timestamp format, 5 % quoted, CRLF, 1 % faulty.
 */
export function transactionsShapeOptions(shape: TransactionsShape, rows: number): TransactionsShapeOptions {
  switch (shape) {
    case 'default':
      return {};
    case 'mixed':
      return {
        customers: Math.max(1, Math.ceil(rows * MIXED_CUSTOMERS_PER_ROW)),
        merchants: 3_000,
        zones: 41,
        zoneVariants: 4,
        categories: 10,
        categorySpellings: 17,
        days: 120,
        timestampFormats: 'all',
        quoteRate: 0.05,
        crlf: true,
        errorRate: 0.01,
      };
    case 'adversarial':
      return {
        distinctCustomers: true,
        merchants: 100_000,
        days: 3_650,
        zones: 100_000,
        categories: 100_000,
        timestampFormats: 'all',
        quoteRate: 0.05,
        crlf: true,
        errorRate: 0.01,
      };
  }
}

/**
 * Merges a shape's options under the explicit ones. An explicit `customers` also cancels the
 * shape's `distinctCustomers` (a pool size and "everyone distinct" contradict each other).
 */
export function applyTransactionsShape<T extends TransactionsShapeOptions & { rows: number }>(opts: T & { shape?: TransactionsShape }): T {
  const shape = opts.shape ?? 'default';
  if (!(TRANSACTIONS_SHAPES as readonly string[]).includes(shape)) {
    throw new RangeError(`shape must be one of ${TRANSACTIONS_SHAPES.join(', ')}, got ${shape}`);
  }
  const preset = transactionsShapeOptions(shape, opts.rows);
  if (opts.customers !== undefined && opts.distinctCustomers === undefined) {
    delete preset.distinctCustomers;
  }
  const merged = { ...opts } as T;
  for (const key of Object.keys(preset) as (keyof TransactionsShapeOptions)[]) {
    if (merged[key] === undefined) (merged as TransactionsShapeOptions)[key] = preset[key] as never;
  }
  return merged;
}
