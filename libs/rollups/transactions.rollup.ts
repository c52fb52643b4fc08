import * as os from 'os';
import * as path from 'path';
import type { CleanValues } from '../cleaners';
import { copyTextChunks, encodeCopyRow } from '../csv/copy-encoder';
import { canonicalCents, canonicalEpochSeconds, phoneKey, phoneOfKey } from './canonical';
import { Dictionary } from './cell-table';
import { Cells, Grid } from './grid';
import { SpillingKeyCounter } from './spilling-key-counter';

/**
 * The compact structures the transaction analytics read, computed while an import's rows stream
 * through the load threads (the rows are parsed there anyway; measured on 10M rows, the same
 * GROUP BYs in PostgreSQL after the COPY took 8–20 s each).
 *
 * Each load thread folds its rows into cells keyed by (hour, zone), (hour, category), quarter
 * hour, (day, merchant) and (merchant, zone), and hands them over once at the end; customer
 * phones go to the importing thread piece by piece, where a SpillingKeyCounter counts
 * transactions per customer. Rows removed after the COPY (duplicate ids) are subtracted exactly.
 *
 * Memory is bounded whatever the data: each structure has a share of a byte budget and each
 * dictionary a number of distinct values; a structure that would pass its share gives up
 * (`folded()` no longer lists it) and the publish step computes it from the stored rows in SQL
 * instead. Customers never give up: past their share they spill to disk (see SpillingKeyCounter).
 *
 * Amounts are integer cents. A sum of squares of cents can pass 2^53, so each square is split as
 * c = hi·2^13 + lo (c < 2^27) into hi², 2·hi·lo and lo², three sums that stay exact integers for
 * any import (up to 33M rows in one cell).
 */

// Cleaned value positions (the transactions kind's COPY column order).
const MERCHANT = 1;
const ZONE = 2;
const CATEGORY = 3;
const AMOUNT = 4;
const OCCURRED_AT = 5;
const PHONE = 6;

const SPLIT = 8192;

/** The folded structures; whichever a fold gave up on is computed in SQL at publish. */
export const TX_STRUCTURES = ['zoneHours', 'categoryHours', 'quarters', 'merchantDays', 'merchantZones'] as const;
export type TxStructure = (typeof TX_STRUCTURES)[number];

/**
 * Each structure's share of a fold budget (dictionaries take what is left). Merchant days are the
 * largest of a realistic file: 5,000 merchants over 90 days hold a dense band of ~1.1M cells.
 */
const SHARES: Record<TxStructure, number> = { zoneHours: 0.12, categoryHours: 0.18, quarters: 0.05, merchantDays: 0.45, merchantZones: 0.08 };
const DICTIONARY_SHARE = 0.12;
/** Bytes a dictionary entry costs on the JS heap (a Map entry and its string), for its limit. */
const DICTIONARY_ENTRY_BYTES = 128;

/** Memory the folds of one thread (or of the importing thread) may use. */
export interface TxFoldBudget {
  /** Typed arrays (the grids). */
  bytes: number;
  /** The heap the dictionaries live in (their strings and maps). */
  heapBytes: number;
}

/** The importing thread's budget: its merged folds and customer counts, and where those spill. */
export interface TxAccumulatorBudget extends TxFoldBudget {
  /** Path prefix of the customer spill files. */
  spillPath: string;
  /** Customers counted in memory before spilling; by default from `bytes` (see CUSTOMER_SHARE). */
  customerKeys?: number;
}

/** Share of the importing thread's budget for customer counts. */
const CUSTOMER_SHARE = 0.4;

/**
 * Keys a KeyCountMap may count within `bytes`: its table (12 bytes a slot, a power of two of
 * slots, filled to 0.7) and, while it grows, the half-size table it came from.
 */
function customerKeysWithin(bytes: number): number {
  const slots = 2 ** Math.floor(Math.log2(Math.max(bytes / 18, 1024)));
  return Math.floor(slots * 0.7) - 1;
}

/** A budget for unit tests and tools: large enough for any ordinary file. */
export const GENEROUS_TX_BUDGET: TxAccumulatorBudget = { bytes: 256 << 20, heapBytes: 256 << 20, spillPath: path.join(os.tmpdir(), 'tx-customers') };

/** Measures: zone cells [n, cents]; category cells [n, cents, sqHi, sqMid, sqLo]. */
const ZONE_WIDTH = 2;
const CATEGORY_WIDTH = 5;

export interface TxPiecePart {
  /** One phoneKey per loaded row with a usual phone. */
  customerKeys: Float64Array;
  otherPhones: string[];
  invalidPhones: number;
}

export interface TxThreadPart {
  /** The structures this thread kept (the others are empty: it gave up on them). */
  folded: TxStructure[];
  zones: string[];
  categories: string[];
  merchants: string[];
  /** Packed grids (Grid.pack): [hour, zoneId, n, cents]… */
  zoneHours: Float64Array;
  /** [hour, categoryId, n, cents, sqHi, sqMid, sqLo]… */
  categoryHours: Float64Array;
  /** [quarter, 0, n, cents]… */
  quarters: Float64Array;
  /** [day, merchantId, n]… */
  merchantDays: Float64Array;
  /** [merchantId, zoneId, n]… */
  merchantZones: Float64Array;
}

/** Folds rows into cells; shared by the load threads (whole run) and the importer (merge, subtract). */
class TxCells {
  readonly zones: Dictionary;
  readonly categories: Dictionary;
  readonly merchants: Dictionary;
  /** (hour, zone) → [n, cents]. */
  readonly zoneHours: Grid;
  /** (hour, category) → [n, cents, sqHi, sqMid, sqLo]. */
  readonly categoryHours: Grid;
  /** (quarter hour, 0) → [n, cents]. */
  readonly quarters: Grid;
  /** (day, merchant) → [n]: a few months of days times thousands of merchants stay dense. */
  readonly merchantDays: Grid;
  /** (merchant, zone) → [n]. */
  readonly merchantZones: Grid;

  constructor(budget: TxFoldBudget) {
    const share = (s: TxStructure) => budget.bytes * SHARES[s];
    const entries = Math.max(1024, Math.floor((Math.min(budget.bytes, budget.heapBytes) * DICTIONARY_SHARE) / 3 / DICTIONARY_ENTRY_BYTES));
    this.zones = new Dictionary(entries);
    this.categories = new Dictionary(entries);
    this.merchants = new Dictionary(entries);
    this.zoneHours = Grid.withinBytes(ZONE_WIDTH, share('zoneHours'));
    this.categoryHours = Grid.withinBytes(CATEGORY_WIDTH, share('categoryHours'));
    this.quarters = Grid.withinBytes(ZONE_WIDTH, share('quarters'));
    this.merchantDays = Grid.withinBytes(1, share('merchantDays'), true);
    this.merchantZones = Grid.withinBytes(1, share('merchantZones'), true);
  }

  grid(structure: TxStructure): Grid {
    return this[structure];
  }

  /** The structures still held (not given up). */
  folded(): TxStructure[] {
    return TX_STRUCTURES.filter((s) => !this[s].isOverflowed);
  }

  /** Gives up the structures keyed by a full dictionary. */
  dropDictionaryUsers(): void {
    if (this.zones.isFull) {
      this.zoneHours.markOverflowed();
      this.merchantZones.markOverflowed();
    }
    if (this.categories.isFull) {
      this.categoryHours.markOverflowed();
    }
    if (this.merchants.isFull) {
      this.merchantDays.markOverflowed();
      this.merchantZones.markOverflowed();
    }
  }

  fold(values: CleanValues, sign: number): void {
    const second = canonicalEpochSeconds(values[OCCURRED_AT]!);
    const cents = canonicalCents(values[AMOUNT]!);
    const hour = Math.floor(second / 3600);
    const zoneId = this.zones.id(values[ZONE]!);
    const categoryId = this.categories.id(values[CATEGORY]!);
    const merchantId = this.merchants.id(values[MERCHANT]!);
    if (zoneId < 0 || categoryId < 0 || merchantId < 0) {
      this.dropDictionaryUsers();
    }
    const hi = Math.floor(cents / SPLIT);
    const lo = cents - hi * SPLIT;
    // slot() before data: it may grow (replace) the array; -1 when the grid gave up.
    let at = zoneId < 0 ? -1 : this.zoneHours.slot(hour, zoneId);
    let d: Cells;
    if (at >= 0) {
      d = this.zoneHours.data;
      d[at] += sign;
      d[at + 1] += sign * cents;
    }
    at = categoryId < 0 ? -1 : this.categoryHours.slot(hour, categoryId);
    if (at >= 0) {
      d = this.categoryHours.data;
      d[at] += sign;
      d[at + 1] += sign * cents;
      d[at + 2] += sign * hi * hi;
      d[at + 3] += sign * 2 * hi * lo;
      d[at + 4] += sign * lo * lo;
    }
    at = this.quarters.slot(Math.floor(second / 900), 0);
    if (at >= 0) {
      d = this.quarters.data;
      d[at] += sign;
      d[at + 1] += sign * cents;
    }
    at = merchantId < 0 ? -1 : this.merchantDays.slot(Math.floor(second / 86400), merchantId);
    if (at >= 0) {
      this.merchantDays.data[at] += sign;
    }
    at = merchantId < 0 || zoneId < 0 ? -1 : this.merchantZones.slot(merchantId, zoneId);
    if (at >= 0) {
      this.merchantZones.data[at] += sign;
    }
  }
}

/** Runs on a load thread: every loaded row goes through add(). */
export class TxRowAggregator {
  private readonly cells: TxCells;
  private keys = new Float64Array(16384);
  private keyCount = 0;
  private otherPhones: string[] = [];
  private invalidPhones = 0;

  constructor(budget: TxFoldBudget) {
    this.cells = new TxCells(budget);
  }

  add(values: CleanValues): void {
    this.cells.fold(values, 1);
    const phone = values[PHONE]!;
    const key = phoneKey(phone);
    if (key !== 0) {
      if (this.keyCount === this.keys.length) {
        const bigger = new Float64Array(this.keys.length * 2);
        bigger.set(this.keys);
        this.keys = bigger;
      }
      this.keys[this.keyCount++] = key;
    } else if (phone === INVALID_PHONE) {
      this.invalidPhones++;
    } else {
      this.otherPhones.push(phone);
    }
  }

  /** The piece's customers, handed over with its COPY bytes. */
  takePiece(): { part: TxPiecePart; transfer: ArrayBuffer[] } {
    const customerKeys = this.keys.slice(0, this.keyCount);
    const part: TxPiecePart = { customerKeys, otherPhones: this.otherPhones, invalidPhones: this.invalidPhones };
    this.keyCount = 0;
    this.otherPhones = [];
    this.invalidPhones = 0;
    return { part, transfer: [customerKeys.buffer] };
  }

  /** Everything else, once, after the thread's last piece. */
  finish(): { part: TxThreadPart; transfer: ArrayBuffer[] } {
    const c = this.cells;
    const part: TxThreadPart = {
      folded: c.folded(),
      zones: c.zones.values,
      categories: c.categories.values,
      merchants: c.merchants.values,
      zoneHours: c.zoneHours.pack(),
      categoryHours: c.categoryHours.pack(),
      quarters: c.quarters.pack(),
      merchantDays: c.merchantDays.pack(),
      merchantZones: c.merchantZones.pack(),
    };
    const transfer = [part.zoneHours, part.categoryHours, part.quarters, part.merchantDays, part.merchantZones].map((a) => a.buffer as ArrayBuffer);
    return { part, transfer };
  }
}

export const INVALID_PHONE = 'INVALID';

/** One rollup row: grain, dimension, key, bucket start (ISO), count, cents, cents² (exact text). */
export interface RollupRow {
  grain: 'hour' | 'day' | 'quarter';
  dim: 'zone' | 'category' | 'all';
  key: string;
  bucketStart: string;
  count: number;
  cents: number;
  /** Only category rows carry it (null elsewhere). */
  sqCents: string | null;
}

export interface TxImportSummary {
  transactionCount: number;
  customerCount: number;
  /** Transactions whose phone is INVALID: no customer can be told from them. */
  invalidPhoneTransactions: number;
  /** How many customers made exactly k transactions in this import, by k. */
  customerHistogram: Record<string, number>;
  firstSecond: number | null;
  lastSecond: number | null;
}

/** Distinct customers whose phone has no numeric key (a '+' inside it) counted in a Map before giving up. */
const OTHER_PHONES_LIMIT = 50_000;

/**
 * Runs on the importing thread: merges the threads' parts, subtracts removed rows, emits rollups.
 * Structures a thread (or this merge) gave up on are not emitted; `folded()` says which are.
 */
export class TxImportAccumulator {
  private readonly cells: TxCells;
  private readonly customers: SpillingKeyCounter;
  private otherPhones: Map<string, number> | null = new Map();
  private invalidPhones = 0;
  /** Structures the folds gave up on that the publish summed from the stored rows instead. */
  private readonly builtInSql = new Set<TxStructure>();

  constructor(budget: TxAccumulatorBudget) {
    this.cells = new TxCells({ bytes: budget.bytes * (1 - CUSTOMER_SHARE), heapBytes: budget.heapBytes });
    const keys = budget.customerKeys ?? customerKeysWithin(budget.bytes * CUSTOMER_SHARE);
    this.customers = new SpillingKeyCounter(keys, budget.spillPath);
  }

  /** The structures held exactly (the rest must be computed from the stored rows). */
  folded(): TxStructure[] {
    return this.cells.folded();
  }

  /** Whether customers (tx_customers and the summary's histogram) are counted here. */
  get hasCustomers(): boolean {
    return this.otherPhones !== null;
  }

  /** How often the customer counts were written to disk (0: they stayed in memory). */
  get customerSpills(): number {
    return this.customers.spills;
  }

  addPiece(part: TxPiecePart): void {
    this.invalidPhones += part.invalidPhones;
    if (!this.hasCustomers) {
      return;
    }
    const keys = part.customerKeys;
    for (let i = 0; i < keys.length; i++) {
      this.customers.add(keys[i]);
    }
    this.countOtherPhones(part.otherPhones, 1);
  }

  addThread(part: TxThreadPart): void {
    const c = this.cells;
    for (const structure of TX_STRUCTURES) {
      if (!part.folded.includes(structure)) {
        c.grid(structure).markOverflowed();
      }
    }
    const zoneIds = part.zones.map((z) => c.zones.id(z));
    const categoryIds = part.categories.map((x) => c.categories.id(x));
    const merchantIds = part.merchants.map((m) => c.merchants.id(m));
    c.dropDictionaryUsers();
    const add = (structure: TxStructure, packed: Float64Array, mapCol: (col: number) => number, mapRow?: (row: number) => number) => {
      const grid = c.grid(structure);
      if (!grid.isOverflowed) {
        grid.addPacked(packed, mapCol, mapRow);
      }
    };
    add('zoneHours', part.zoneHours, (z) => zoneIds[z]);
    add('categoryHours', part.categoryHours, (x) => categoryIds[x]);
    add('quarters', part.quarters, (x) => x);
    add('merchantDays', part.merchantDays, (m) => merchantIds[m]);
    add(
      'merchantZones',
      part.merchantZones,
      (z) => zoneIds[z],
      (m) => merchantIds[m],
    );
  }

  /** A row deleted after loading (its id repeated): takes back everything it added. */
  subtract(values: CleanValues): void {
    this.cells.fold(values, -1);
    const phone = values[PHONE]!;
    const key = phoneKey(phone);
    if (key !== 0) {
      if (this.hasCustomers) {
        this.customers.add(key, -1);
      }
    } else if (phone === INVALID_PHONE) {
      this.invalidPhones--;
    } else {
      this.countOtherPhones([phone], -1);
    }
  }

  missingRollups(): string[] {
    return TX_STRUCTURES.filter((s) => this.cells.grid(s).isOverflowed && !this.builtInSql.has(s));
  }

  /**
   * Whether the import has more distinct values of a dimension than the folds' dictionary holds
   * (thousands): a rollup keyed by it would then be about as large as the rows, not worth summing.
   */
  hasManyDistinct(dim: 'zone' | 'category' | 'merchant'): boolean {
    return { zone: this.cells.zones, category: this.cells.categories, merchant: this.cells.merchants }[dim].isFull;
  }

  /** The publish summed a structure the folds gave up on from the stored rows (it is not missing). */
  markBuiltInSql(structure: TxStructure): void {
    this.builtInSql.add(structure);
  }

  describe(): Record<string, unknown> {
    return { missingRollups: this.missingRollups(), rollupsInSql: [...this.builtInSql], customersInSql: !this.hasCustomers, customerSpills: this.customers.spills };
  }

  giveUp(): void {
    TX_STRUCTURES.forEach((s) => this.cells.grid(s).markOverflowed());
    this.otherPhones = null;
    this.customers.dispose();
  }

  /** Removes the customer spill files (always call it, also when the import stops early). */
  dispose(): void {
    this.customers.dispose();
  }

  private countOtherPhones(phones: string[], delta: number): void {
    const other = this.otherPhones;
    if (other === null) {
      return;
    }
    for (const phone of phones) {
      const n = (other.get(phone) ?? 0) + delta;
      if (n > 0) {
        other.set(phone, n);
      } else {
        other.delete(phone);
      }
    }
    if (other.size > OTHER_PHONES_LIMIT) {
      // Customers are counted in SQL now: the counter and its spill files go at once.
      this.otherPhones = null;
      this.customers.dispose();
    }
  }

  /** Hour and day rollups of zones or categories (cells with no rows left are skipped); folded grids only. */
  *dimensionRows(dim: 'zone' | 'category'): Generator<RollupRow> {
    const c = this.cells;
    const [grid, names] = dim === 'zone' ? [c.zoneHours, c.zones.values] : [c.categoryHours, c.categories.values];
    const byDay = new Grid(grid.width);
    for (const [hour, id, m] of grid.entries()) {
      yield toRollupRow('hour', dim, names[id], hour * 3600, m);
      byDay.addFrom(Math.floor(hour / 24), id, m, 0);
    }
    for (const [day, id, m] of byDay.entries()) {
      yield toRollupRow('day', dim, names[id], day * 86400, m);
    }
  }

  /** Quarter-hour rollup rows (all transactions). */
  *quarterRows(): Generator<RollupRow> {
    for (const [quarter, , m] of this.cells.quarters.entries()) {
      yield toRollupRow('quarter', 'all', '', quarter * 900, m);
    }
  }

  /** [day (YYYY-MM-DD), merchantId, transactions]. */
  *merchantDayRows(): Generator<[string, string, number]> {
    const dates = new Map<number, string>();
    for (const [day, merchant, m] of this.cells.merchantDays.entries()) {
      let date = dates.get(day);
      if (date === undefined) {
        date = new Date(day * 86400000).toISOString().slice(0, 10);
        dates.set(day, date);
      }
      yield [date, this.cells.merchants.values[merchant], m[0]];
    }
  }

  /** merchantDayRows() as COPY text (day, merchant_id, tx_count), in chunks: no string per row. */
  merchantDayChunks(): Generator<Buffer> {
    return copyTextChunks(this.merchantDayRows(), (w, [day, merchant, n]) => {
      w.text(day).text(merchant).digits(n);
      w.endRow();
    });
  }

  /** [merchantId, zone, transactions]. */
  *merchantZoneRows(): Generator<[string, string, number]> {
    for (const [merchant, zone, m] of this.cells.merchantZones.entries()) {
      yield [this.cells.merchants.values[merchant], this.cells.zones.values[zone], m[0]];
    }
  }

  /**
   * [phone, transactions] per customer (INVALID phones are no customer), each once; also tallies
   * the histogram customerSummary() answers. Call this or customerChunks() once, and only when
   * hasCustomers.
   */
  *customerRows(): Generator<[string, number]> {
    for (const [key, n] of this.customerCounts()) {
      yield [typeof key === 'number' ? phoneOfKey(key) : key, n];
    }
  }

  /** customerRows() as COPY text (phone, tx_count), in chunks: no string per customer. */
  customerChunks(): Generator<Buffer> {
    return copyTextChunks(this.customerCounts(), (w, [key, n]) => {
      if (typeof key === 'number') {
        const k = (key < 0 ? -key : key) - 1;
        w.digits((k - (k % 8)) / 8, (k % 8) + 10, key < 0 ? '+' : '');
      } else {
        w.text(key);
      }
      w.digits(n);
      w.endRow();
    });
  }

  /** Each customer once, by phone key (or phone, for the few without one), counting the histogram. */
  private *customerCounts(): Generator<[number | string, number]> {
    const histogram = new Map<number, number>();
    const count = (n: number) => histogram.set(n, (histogram.get(n) ?? 0) + 1);
    // Streamed: millions of customers must not become millions of arrays at once.
    for (const entry of this.customers.entries()) {
      count(entry[1]);
      yield entry;
    }
    for (const entry of this.otherPhones ?? []) {
      count(entry[1]);
      yield entry;
    }
    this.histogram = histogram;
  }

  private histogram: Map<number, number> | null = null;

  /** Customers by number of transactions, after customerRows() or customerChunks() ran. */
  customerSummary(): Pick<TxImportSummary, 'customerCount' | 'customerHistogram'> {
    if (!this.histogram) {
      throw new Error('customerSummary() needs customerRows() or customerChunks() to have run');
    }
    let customerCount = 0;
    this.histogram.forEach((n) => (customerCount += n));
    return { customerCount, customerHistogram: histogramObject(this.histogram) };
  }

  /** Transactions, unidentified transactions and the time span (the quarters must be folded). */
  spanSummary(): Pick<TxImportSummary, 'transactionCount' | 'invalidPhoneTransactions' | 'firstSecond' | 'lastSecond'> {
    let transactionCount = 0;
    let first: number | null = null;
    let last: number | null = null;
    for (const [quarter, , m] of this.cells.quarters.entries()) {
      transactionCount += m[0];
      first = first === null ? quarter : Math.min(first, quarter);
      last = last === null ? quarter : Math.max(last, quarter);
    }
    return {
      transactionCount,
      invalidPhoneTransactions: this.invalidPhones,
      firstSecond: first === null ? null : first * 900,
      lastSecond: last === null ? null : last * 900 + 899,
    };
  }
}

/** {"1": customers with 1 transaction, …} in ascending order of the number of transactions. */
export function histogramObject(histogram: Map<number, number>): Record<string, number> {
  return Object.fromEntries([...histogram.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
}

const isoCache = new Map<number, string>();

/** ISO text of a bucket start (a few thousand distinct per import, so cached). */
function isoOfSecond(second: number): string {
  let iso = isoCache.get(second);
  if (iso === undefined) {
    if (isoCache.size > 100_000) {
      isoCache.clear();
    }
    iso = new Date(second * 1000).toISOString();
    isoCache.set(second, iso);
  }
  return iso;
}

function toRollupRow(grain: RollupRow['grain'], dim: RollupRow['dim'], key: string, startSecond: number, m: Cells): RollupRow {
  const sq = dim === 'category' ? BigInt(m[2]) * BigInt(SPLIT * SPLIT) + BigInt(m[3]) * BigInt(SPLIT) + BigInt(m[4]) : null;
  return { grain, dim, key, bucketStart: isoOfSecond(startSecond), count: m[0], cents: m[1], sqCents: sq === null ? null : sq.toString() };
}

/** COPY text line of a rollup row: grain, dim, key, bucket_start, tx_count, amount_cents, amount_sq_cents. */
export function rollupCopyLine(r: RollupRow): string {
  return encodeCopyRow([r.grain, r.dim, r.key, r.bucketStart, String(r.count), String(r.cents), r.sqCents]);
}
