import { endianness } from 'os';
import type { CohortCell } from './analytics.repository';

/*
 * Counting customers from the customer hours (tx_customer_hours, migration 19): each block is one
 * UTC hour of one import, the customer number of each transaction (0: an unusable phone) and its
 * time in µs. Numbers are dense per organization, so the counting is a typed array indexed by
 * customer number rather than a hash of phone numbers: a month of a 10M-row import (3.3M
 * transactions) is counted in tens of milliseconds.
 */

const HOUR_US = 3_600_000_000;

/** The numbers of a block's `ids` (int4, big-endian, as PostgreSQL's int4send writes them). */
export function customerNumbers(ids: Buffer): Uint32Array {
  return view(
    ids,
    4,
    (b) => b.swap32(),
    (buffer, offset, length) => new Uint32Array(buffer, offset, length),
  ) as Uint32Array;
}

/** 2000-01-01T00:00:00Z in µs since the Unix epoch: PostgreSQL's timestamps count from it. */
export const POSTGRES_EPOCH_US = 946_684_800_000_000;

/** The times of a block's `times` (timestamptz_send: int8 µs since 2000-01-01, big-endian), as sent. */
export function microTimes(times: Buffer): BigInt64Array {
  return view(
    times,
    8,
    (b) => b.swap64(),
    (buffer, offset, length) => new BigInt64Array(buffer, offset, length),
  ) as BigInt64Array;
}

function view(
  bytes: Buffer,
  width: number,
  swap: (b: Buffer) => void,
  make: (buffer: ArrayBufferLike, offset: number, length: number) => Uint32Array | BigInt64Array,
): Uint32Array | BigInt64Array {
  if (bytes.length % width !== 0) {
    throw new Error(`A customer-hours block of ${bytes.length} bytes is not a whole number of ${width}-byte values`);
  }
  // The buffer is this request's own copy of the column: turned to the machine's order in place.
  if (endianness() === 'LE') {
    swap(bytes);
  }
  if (bytes.byteOffset % width === 0) {
    return make(bytes.buffer, bytes.byteOffset, bytes.length / width);
  }
  const aligned = make(new ArrayBuffer(bytes.length), 0, bytes.length / width);
  new Uint8Array(aligned.buffer).set(bytes);
  return aligned;
}

/** The numbers of a block whose transactions are in [fromUs, toUs) (µs since the Unix epoch; either end open). */
export function numbersInWindow(ids: Uint32Array, times: BigInt64Array, fromUs: number | null, toUs: number | null): Uint32Array {
  if (ids.length !== times.length) {
    throw new Error(`A customer-hours block has ${ids.length} customer numbers and ${times.length} times`);
  }
  const from = fromUs === null ? null : BigInt(fromUs - POSTGRES_EPOCH_US);
  const to = toUs === null ? null : BigInt(toUs - POSTGRES_EPOCH_US);
  const out = new Uint32Array(ids.length);
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    const t = times[i];
    if ((from === null || t >= from) && (to === null || t < to)) {
      out[n++] = ids[i];
    }
  }
  return out.subarray(0, n);
}

/** The UTC month of an hour, as year × 12 + month (0-based). */
export function monthOf(hourUs: number): number {
  const d = new Date(hourUs / 1000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/**
 * Customers, repeat customers and their transactions, and (optionally) first-purchase-month
 * cohorts, over blocks given in hour order. `ceiling` is above every customer number.
 */
export class CustomerTally {
  customers = 0;
  repeatCustomers = 0;
  transactions = 0;
  unidentified = 0;
  /** Transactions of each customer so far: 0, 1, or 2 for two or more. */
  private readonly seen: Uint8Array;
  /** First and last month of each customer (months since `firstMonth`, plus 1; 0 = not seen). */
  private readonly first: Uint16Array | null;
  private readonly last: Uint16Array | null;
  private readonly cells = new Map<number, number>();
  private firstMonth: number | null = null;
  private lastHourUs = -Infinity;

  constructor(ceiling: number, withCohorts: boolean) {
    this.seen = new Uint8Array(ceiling);
    this.first = withCohorts ? new Uint16Array(ceiling) : null;
    this.last = withCohorts ? new Uint16Array(ceiling) : null;
  }

  /** One block's numbers (all of them in the window), of the hour starting at `hourUs`. */
  add(ids: Uint32Array, hourUs: number): void {
    if (hourUs < this.lastHourUs) {
      throw new Error('Customer hours must be counted in hour order');
    }
    this.lastHourUs = hourUs;
    const seen = this.seen;
    let customers = 0;
    let repeaters = 0;
    let unidentified = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === 0) {
        unidentified++;
        continue;
      }
      const c = seen[id];
      if (c === 0) {
        customers++;
        seen[id] = 1;
      } else if (c === 1) {
        repeaters++;
        seen[id] = 2;
      }
    }
    this.customers += customers;
    this.repeatCustomers += repeaters;
    this.unidentified += unidentified;
    this.transactions += ids.length - unidentified;
    if (this.first !== null && this.last !== null) {
      this.addMonths(ids, monthOf(hourUs), this.first, this.last);
    }
  }

  private addMonths(ids: Uint32Array, month: number, first: Uint16Array, last: Uint16Array): void {
    this.firstMonth ??= month;
    const m = month - this.firstMonth + 1;
    // New (customer, month) pairs of this block, by first month: the block's month is m for all.
    const byFirst = new Uint32Array(m + 1);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === 0 || last[id] === m) {
        continue;
      }
      // A customer's months come in order: a month not yet counted is the newest it bought in.
      if (first[id] === 0) {
        first[id] = m;
      }
      last[id] = m;
      byFirst[first[id]]++;
    }
    for (let f = 1; f <= m; f++) {
      if (byFirst[f] > 0) {
        const key = f * 65536 + (m - f);
        this.cells.set(key, (this.cells.get(key) ?? 0) + byFirst[f]);
      }
    }
  }

  /** Customers per first month in the window (YYYY-MM, UTC) and months since, by cohort then months. */
  cohorts(): CohortCell[] {
    const out: CohortCell[] = [];
    for (const [key, customers] of this.cells) {
      const f = Math.floor(key / 65536);
      const month = this.firstMonth! + f - 1;
      const cohort = `${String(Math.floor(month / 12)).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
      out.push({ cohort, monthsSince: key % 65536, customers });
    }
    return out.sort((a, b) => (a.cohort === b.cohort ? a.monthsSince - b.monthsSince : a.cohort < b.cohort ? -1 : 1));
  }
}

/** The start of the UTC hour holding `us`. */
export function hourFloor(us: number): number {
  return Math.floor(us / HOUR_US) * HOUR_US;
}
