import { hundredths, millionths, ownString, scaledText, type CleanValues } from '../cleaners';
import type { TransferablePart } from './rollup.types';

/**
 * The sales daily rollup, folded on the load threads: per UTC day × product × category × region,
 * the record count and exact sums of quantity, revenue, discount, revenue × discount and unit
 * price, where revenue = quantity × unit_price × (1 − discount) as PostgreSQL computes it.
 *
 * Exact without BigInt on the hot path: a row whose price and discount have at most 2 decimals
 * (nearly all) is summed as safe integers at fixed scales (cents, hundredths), each sum spilling
 * into a BigInt before it could pass 2^53; any other row is summed as BigInt at scale 10^6.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const CH_0 = 48;

// Input positions (the sales cleaner's COPY order).
const PRODUCT = 1;
const CATEGORY = 2;
const QUANTITY = 3;
const PRICE = 4;
const DISCOUNT = 5;
const REGION = 6;
const SALE_AT = 7;

/**
 * What a fold may hold is counted in cells (~300 bytes each on the JS heap) and nested maps
 * (counted as two cells), out of a byte budget: a year of 10 products × 4 regions is ~15K cells,
 * the generator's messy 10M-row file ~61K. Beyond it the import's rollup is summed from its rows
 * in the publish step instead.
 */
const BYTES_PER_WEIGHT = 320;

/** Bytes of folds, and the heap they live in (cells are JS objects). */
export interface SalesFoldBudget {
  bytes: number;
  heapBytes: number;
}

/** The cells are JS objects on a capped heap that also holds the pieces being parsed: at most 60 % of it. */
function heapShare(budget: SalesFoldBudget): number {
  return Math.min(budget.bytes, budget.heapBytes * 0.6);
}
const CELL_WEIGHT = 1;
const MAP_WEIGHT = 2;

/** Scales of the slow (BigInt) sums: price and discount in millionths. */
const SLOW = 6;
/** Fast sums are at 10^2 (price, discount), 10^4 (revenue) and 10^6 (revenue × discount). */
const FAST_TO_SLOW = { price: 10n ** 4n, discount: 10n ** 4n, revenue: 10n ** 8n, revenueDiscount: 10n ** 12n };

/** A sum of safe integers that stays exact: `small` until it would pass 2^53, then spilled into `big`. */
function addSafe(cell: Cell, field: FastField, value: number): void {
  const total = cell[field] + value;
  if (total <= MAX_SAFE) {
    cell[field] = total;
  } else {
    cell[`${field}Big`] += BigInt(cell[field]);
    cell[field] = value;
  }
}

type FastField = 'quantity' | 'price' | 'discount' | 'revenue' | 'revenueDiscount';

interface Cell {
  count: number;
  quantity: number;
  quantityBig: bigint;
  price: number;
  priceBig: bigint;
  discount: number;
  discountBig: bigint;
  revenue: number;
  revenueBig: bigint;
  revenueDiscount: number;
  revenueDiscountBig: bigint;
  /** Rows with more than 2 decimals, at scale 10^6 (price, discount), 10^12 (revenue), 10^18 (revenue × discount). */
  slowPrice: bigint;
  slowDiscount: bigint;
  slowRevenue: bigint;
  slowRevenueDiscount: bigint;
}

const newCell = (): Cell => ({
  count: 0,
  quantity: 0,
  quantityBig: 0n,
  price: 0,
  priceBig: 0n,
  discount: 0,
  discountBig: 0n,
  revenue: 0,
  revenueBig: 0n,
  revenueDiscount: 0,
  revenueDiscountBig: 0n,
  slowPrice: 0n,
  slowDiscount: 0n,
  slowRevenue: 0n,
  slowRevenueDiscount: 0n,
});

function cellKey(values: CleanValues): string {
  return `${(values[SALE_AT] as string).slice(0, 10)}\t${values[PRODUCT]}\t${values[CATEGORY]}\t${values[REGION]}`;
}

/** Adds one row to its cell: the fast path when every product stays a safe integer, else BigInt. */
function addRow(cell: Cell, values: CleanValues): void {
  const quantity = Number(values[QUANTITY]);
  const priceText = values[PRICE] as string;
  const discountText = values[DISCOUNT] as string;
  cell.count++;
  addSafe(cell, 'quantity', quantity);
  const cents = hundredths(priceText);
  const pct = hundredths(discountText);
  if (cents >= 0 && pct >= 0) {
    const gross = quantity * cents;
    const revenue = gross * (100 - pct); // scale 10^4
    const revenueDiscount = revenue * pct; // scale 10^6
    if (gross <= MAX_SAFE && revenue <= MAX_SAFE && revenueDiscount <= MAX_SAFE) {
      addSafe(cell, 'price', cents);
      addSafe(cell, 'discount', pct);
      addSafe(cell, 'revenue', revenue);
      addSafe(cell, 'revenueDiscount', revenueDiscount);
      return;
    }
  }
  const slow = slowContribution(quantity, priceText, discountText);
  cell.slowPrice += slow.price;
  cell.slowDiscount += slow.discount;
  cell.slowRevenue += slow.revenue;
  cell.slowRevenueDiscount += slow.revenueDiscount;
}

function slowContribution(quantity: number, priceText: string, discountText: string) {
  const price = millionths(priceText);
  const discount = millionths(discountText);
  const revenue = BigInt(quantity) * price * (1_000_000n - discount);
  return { price, discount, revenue, revenueDiscount: revenue * discount };
}

function mergeCell(into: Cell, from: Cell): void {
  into.count += from.count;
  for (const field of ['quantity', 'price', 'discount', 'revenue', 'revenueDiscount'] as const) {
    addSafe(into, field, from[field]);
    into[`${field}Big`] += from[`${field}Big`];
  }
  into.slowPrice += from.slowPrice;
  into.slowDiscount += from.slowDiscount;
  into.slowRevenue += from.slowRevenue;
  into.slowRevenueDiscount += from.slowRevenueDiscount;
}

/** One thread's cells, keyed `day\tproduct\tcategory\tregion` (structured-cloned to the importing thread). */
export interface SalesThreadPart {
  /** The thread gave up folding (over its cap): its cells are not all there. */
  isOverflowed: boolean;
  cells: Array<[key: string, cell: Cell]>;
}

/**
 * Folds each loaded row on a load thread; everything goes to the importing thread once, at the
 * end. Cells are found through nested maps keyed by the cleaner's own strings (canonical names are
 * shared string objects whose hashes V8 caches) and the day as a number: no key string per row.
 */
export class SalesRowAggregator {
  private readonly cells = new Map<string, Map<string, Map<string, Map<number, Cell>>>>();
  private weight = 0;
  private isOverflowed = false;

  private readonly maxWeight: number;

  /** Past its budget (a file of countless distinct names) the thread stops folding, bounding its memory. */
  constructor(budget: SalesFoldBudget) {
    this.maxWeight = Math.floor(heapShare(budget) / BYTES_PER_WEIGHT);
  }

  add(values: CleanValues): void {
    if (this.isOverflowed) {
      return;
    }
    const byCategory = this.inner(this.cells, values[PRODUCT] as string);
    const byRegion = byCategory && this.inner(byCategory, values[CATEGORY] as string);
    const byDay = byRegion && this.inner(byRegion, values[REGION] as string);
    if (!byDay) {
      return;
    }
    const day = dayNumber(values[SALE_AT] as string);
    let cell = byDay.get(day);
    if (cell === undefined) {
      if (!this.grow(CELL_WEIGHT)) {
        return;
      }
      cell = newCell();
      byDay.set(day, cell);
    }
    addRow(cell, values);
  }

  /** The map under `key`, made when missing; undefined once the thread is over its cap. */
  private inner<T extends Map<unknown, unknown>>(map: Map<string, T>, key: string): T | undefined {
    let found = map.get(key);
    if (found === undefined) {
      if (!this.grow(MAP_WEIGHT)) {
        return undefined;
      }
      found = new Map() as T;
      map.set(ownString(key), found);
    }
    return found;
  }

  private grow(weight: number): boolean {
    this.weight += weight;
    if (this.weight > this.maxWeight) {
      this.isOverflowed = true;
      this.cells.clear();
      return false;
    }
    return true;
  }

  takePiece(): null {
    return null;
  }

  finish(): TransferablePart<SalesThreadPart> {
    const cells: SalesThreadPart['cells'] = [];
    for (const part of this.finishInParts(Infinity)) {
      cells.push(...part.part.cells);
    }
    return { part: { isOverflowed: this.isOverflowed, cells }, transfer: [] };
  }

  /** The cells in parts of at most `cellsPerPart` (the first says whether the thread gave up), emptying the folds as it goes. */
  *finishInParts(cellsPerPart = CELLS_PER_PART): Generator<TransferablePart<SalesThreadPart>> {
    let cells: SalesThreadPart['cells'] = [];
    let isFirst = true;
    const part = (): TransferablePart<SalesThreadPart> => {
      const taken = { part: { isOverflowed: isFirst && this.isOverflowed, cells }, transfer: [] };
      isFirst = false;
      cells = [];
      return taken;
    };
    for (const [product, byCategory] of this.cells) {
      for (const [category, byRegion] of byCategory) {
        for (const [region, byDay] of byRegion) {
          for (const [day, cell] of byDay) {
            cells.push([`${dayText(day)}\t${product}\t${category}\t${region}`, cell]);
            if (cells.length >= cellsPerPart) {
              yield part();
            }
          }
        }
      }
      this.cells.delete(product);
    }
    if (cells.length > 0 || isFirst) {
      yield part();
    }
  }
}

/** ~2 MB of cells a message. */
const CELLS_PER_PART = 8192;

/** YYYYMMDD of the canonical `YYYY-MM-DD …` as a number (no string per row). */
function dayNumber(s: string): number {
  let v = 0;
  for (let i = 0; i < 10; i++) {
    const c = s.charCodeAt(i);
    if (c !== 45) v = v * 10 + (c - CH_0);
  }
  return v;
}

function dayText(day: number): string {
  const t = String(day).padStart(8, '0');
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}`;
}

/** A sales_daily row: day, product, category, region, then the exact sums as decimal text. */
export type SalesDailyRow = [
  day: string,
  product: string,
  category: string,
  region: string,
  rowCount: string,
  quantity: string,
  revenue: string,
  discountSum: string,
  revenueDiscount: string,
  priceSum: string,
];

/** The import's cells, merged from every load thread. */
export class SalesImportAccumulator {
  private readonly cells = new Map<string, Cell>();
  private readonly maxCells: number;
  /** False when a load thread or this merge gave up (too many cells): the rollup must then come from the rows. */
  isComplete = true;

  constructor(budget: SalesFoldBudget) {
    this.maxCells = Math.floor(heapShare(budget) / BYTES_PER_WEIGHT);
  }

  addPiece(): void {
    // No per-piece facts: each thread sends its cells once (finish).
  }

  addThread(part: unknown): void {
    const { isOverflowed, cells } = part as SalesThreadPart;
    if (isOverflowed) {
      this.isComplete = false;
      this.cells.clear();
    }
    if (!this.isComplete) {
      return;
    }
    for (const [key, cell] of cells) {
      const mine = this.cells.get(key);
      if (mine) {
        mergeCell(mine, cell);
      } else if (this.cells.size < this.maxCells) {
        this.cells.set(key, cell);
      } else {
        this.isComplete = false;
        this.cells.clear();
        return;
      }
    }
  }

  missingRollups(): string[] {
    return this.isComplete ? [] : ['daily'];
  }

  describe(): Record<string, unknown> {
    return { missingRollups: this.missingRollups() };
  }

  giveUp(): void {
    this.isComplete = false;
    this.cells.clear();
  }

  /** Takes back a row removed after the COPY (exact: through the BigInt sums). */
  subtract(values: CleanValues): void {
    const cell = this.cells.get(cellKey(values));
    if (!cell) {
      return;
    }
    const quantity = Number(values[QUANTITY]);
    const slow = slowContribution(quantity, values[PRICE] as string, values[DISCOUNT] as string);
    cell.count--;
    cell.quantityBig -= BigInt(quantity);
    cell.slowPrice -= slow.price;
    cell.slowDiscount -= slow.discount;
    cell.slowRevenue -= slow.revenue;
    cell.slowRevenueDiscount -= slow.revenueDiscount;
  }

  *dailyRows(): Generator<SalesDailyRow> {
    const total = (cell: Cell, field: FastField): bigint => BigInt(cell[field]) + cell[`${field}Big`];
    for (const [key, c] of this.cells) {
      if (c.count === 0) {
        continue;
      }
      const [day, product, category, region] = key.split('\t');
      yield [
        day,
        product,
        category,
        region,
        String(c.count),
        total(c, 'quantity').toString(),
        scaledText(total(c, 'revenue') * FAST_TO_SLOW.revenue + c.slowRevenue, 2 * SLOW),
        scaledText(total(c, 'discount') * FAST_TO_SLOW.discount + c.slowDiscount, SLOW),
        scaledText(total(c, 'revenueDiscount') * FAST_TO_SLOW.revenueDiscount + c.slowRevenueDiscount, 3 * SLOW),
        scaledText(total(c, 'price') * FAST_TO_SLOW.price + c.slowPrice, SLOW),
      ];
    }
  }
}
