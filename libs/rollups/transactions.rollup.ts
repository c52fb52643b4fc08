import type { CleanValues } from '../cleaners';
import { encodeCopyRow } from '../csv/copy-encoder';
import { canonicalCents, canonicalEpochSeconds, phoneKey, phoneOfKey } from './canonical';
import { Dictionary } from './cell-table';
import { Grid } from './grid';
import { KeyCountMap } from './key-count-map';

/**
 * The compact structures the transaction analytics read, computed while an import's rows stream
 * through the load threads (the rows are parsed there anyway; measured on 10M rows, the same
 * GROUP BYs in PostgreSQL after the COPY took 5–13 s each).
 *
 * Each load thread folds its rows into cells keyed by (hour, zone), (hour, category), quarter
 * hour, (day, merchant) and (merchant, zone), and hands them over once at the end; customer
 * phones go to the importing thread piece by piece, where one KeyCountMap counts transactions per
 * customer. Rows removed after the COPY (duplicate ids) are subtracted exactly.
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

const K16 = 65536;
const K24 = 16777216;
const SPLIT = 8192;

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
  readonly zones = new Dictionary('zones', K16);
  readonly categories = new Dictionary('categories', K16);
  readonly merchants = new Dictionary('merchants', K24);
  /** (hour, zone) → [n, cents]. */
  readonly zoneHours = new Grid(ZONE_WIDTH);
  /** (hour, category) → [n, cents, sqHi, sqMid, sqLo]. */
  readonly categoryHours = new Grid(CATEGORY_WIDTH);
  /** (quarter hour, 0) → [n, cents]. */
  readonly quarters = new Grid(ZONE_WIDTH);
  /** (day, merchant) → [n]: a few months of days times thousands of merchants stay dense. */
  readonly merchantDays = new Grid(1, 1 << 21);
  /** (merchant, zone) → [n]. */
  readonly merchantZones = new Grid(1);

  fold(values: CleanValues, sign: number): void {
    const second = canonicalEpochSeconds(values[OCCURRED_AT]!);
    const cents = canonicalCents(values[AMOUNT]!);
    const hour = Math.floor(second / 3600);
    const zoneId = this.zones.id(values[ZONE]!);
    const merchantId = this.merchants.id(values[MERCHANT]!);
    const hi = Math.floor(cents / SPLIT);
    const lo = cents - hi * SPLIT;
    // slot() before data: it may grow (replace) the array.
    let at = this.zoneHours.slot(hour, zoneId);
    let d = this.zoneHours.data;
    d[at] += sign;
    d[at + 1] += sign * cents;

    at = this.categoryHours.slot(hour, this.categories.id(values[CATEGORY]!));
    d = this.categoryHours.data;
    d[at] += sign;
    d[at + 1] += sign * cents;
    d[at + 2] += sign * hi * hi;
    d[at + 3] += sign * 2 * hi * lo;
    d[at + 4] += sign * lo * lo;

    at = this.quarters.slot(Math.floor(second / 900), 0);
    d = this.quarters.data;
    d[at] += sign;
    d[at + 1] += sign * cents;

    at = this.merchantDays.slot(Math.floor(second / 86400), merchantId);
    this.merchantDays.data[at] += sign;
    at = this.merchantZones.slot(merchantId, zoneId);
    this.merchantZones.data[at] += sign;
  }
}

/** Runs on a load thread: every loaded row goes through add(). */
export class TxRowAggregator {
  private readonly cells = new TxCells();
  private keys = new Float64Array(16384);
  private keyCount = 0;
  private otherPhones: string[] = [];
  private invalidPhones = 0;

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

/** Runs on the importing thread: merges the threads' parts, subtracts removed rows, emits rollups. */
export class TxImportAccumulator {
  private readonly cells = new TxCells();
  private readonly customers = new KeyCountMap(1 << 16);
  private readonly otherPhones = new Map<string, number>();
  private invalidPhones = 0;

  addPiece(part: TxPiecePart): void {
    const keys = part.customerKeys;
    for (let i = 0; i < keys.length; i++) {
      this.customers.add(keys[i]);
    }
    for (const phone of part.otherPhones) {
      this.otherPhones.set(phone, (this.otherPhones.get(phone) ?? 0) + 1);
    }
    this.invalidPhones += part.invalidPhones;
  }

  addThread(part: TxThreadPart): void {
    const c = this.cells;
    const zoneIds = part.zones.map((z) => c.zones.id(z));
    const categoryIds = part.categories.map((x) => c.categories.id(x));
    const merchantIds = part.merchants.map((m) => c.merchants.id(m));
    c.zoneHours.addPacked(part.zoneHours, (z) => zoneIds[z]);
    c.categoryHours.addPacked(part.categoryHours, (x) => categoryIds[x]);
    c.quarters.addPacked(part.quarters, (x) => x);
    c.merchantDays.addPacked(part.merchantDays, (m) => merchantIds[m]);
    c.merchantZones.addPacked(part.merchantZones, (z) => zoneIds[z], (m) => merchantIds[m]);
  }

  /** A row deleted after loading (its id repeated): takes back everything it added. */
  subtract(values: CleanValues): void {
    this.cells.fold(values, -1);
    const phone = values[PHONE]!;
    const key = phoneKey(phone);
    if (key !== 0) {
      this.customers.add(key, -1);
    } else if (phone === INVALID_PHONE) {
      this.invalidPhones--;
    } else {
      const n = (this.otherPhones.get(phone) ?? 0) - 1;
      if (n > 0) {
        this.otherPhones.set(phone, n);
      } else {
        this.otherPhones.delete(phone);
      }
    }
  }

  /** Hour, day and quarter-hour rollups of zones and categories (cells with no rows left are skipped). */
  *rollupRows(): Generator<RollupRow> {
    const c = this.cells;
    for (const [dim, grid, names] of [
      ['zone', c.zoneHours, c.zones.values],
      ['category', c.categoryHours, c.categories.values],
    ] as const) {
      const byDay = new Grid(grid.width);
      for (const [hour, id, m] of grid.entries()) {
        yield toRollupRow('hour', dim, names[id], hour * 3600, m);
        byDay.addFrom(Math.floor(hour / 24), id, m, 0);
      }
      for (const [day, id, m] of byDay.entries()) {
        yield toRollupRow('day', dim, names[id], day * 86400, m);
      }
    }
    for (const [quarter, , m] of c.quarters.entries()) {
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

  /** [merchantId, zone, transactions]. */
  *merchantZoneRows(): Generator<[string, string, number]> {
    for (const [merchant, zone, m] of this.cells.merchantZones.entries()) {
      yield [this.cells.merchants.values[merchant], this.cells.zones.values[zone], m[0]];
    }
  }

  /** [phone, transactions] per customer (INVALID phones are no customer). */
  *customerRows(): Generator<[string, number]> {
    // Streamed: millions of customers must not become millions of arrays at once.
    for (const [key, n] of this.customers.entries()) {
      yield [phoneOfKey(key), n];
    }
    yield* this.otherPhones.entries();
  }

  summary(): TxImportSummary {
    let customerCount = 0;
    const histogram = new Map<number, number>();
    const count = (n: number) => {
      customerCount++;
      histogram.set(n, (histogram.get(n) ?? 0) + 1);
    };
    this.customers.forEach((_key, n) => count(n));
    this.otherPhones.forEach((n) => count(n));
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
      customerCount,
      invalidPhoneTransactions: this.invalidPhones,
      customerHistogram: Object.fromEntries([...histogram.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
      firstSecond: first === null ? null : first * 900,
      lastSecond: last === null ? null : last * 900 + 899,
    };
  }
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

function toRollupRow(grain: RollupRow['grain'], dim: RollupRow['dim'], key: string, startSecond: number, m: Float64Array): RollupRow {
  const sq = dim === 'category' ? BigInt(m[2]) * BigInt(SPLIT * SPLIT) + BigInt(m[3]) * BigInt(SPLIT) + BigInt(m[4]) : null;
  return { grain, dim, key, bucketStart: isoOfSecond(startSecond), count: m[0], cents: m[1], sqCents: sq === null ? null : sq.toString() };
}

/** COPY text line of a rollup row: grain, dim, key, bucket_start, tx_count, amount_cents, amount_sq_cents. */
export function rollupCopyLine(r: RollupRow): string {
  return encodeCopyRow([r.grain, r.dim, r.key, r.bucketStart, String(r.count), String(r.cents), r.sqCents]);
}
