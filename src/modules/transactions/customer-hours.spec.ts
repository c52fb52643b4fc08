import { customerNumbers, CustomerTally, microTimes, monthOf, numbersInWindow, POSTGRES_EPOCH_US } from './customer-hours';

const HOUR = 3_600_000_000;
const at = (iso: string) => Date.parse(iso) * 1000;

/** A block as PostgreSQL writes it: int4send / int8send, big-endian, concatenated. */
function block(ids: number[], times: number[] = []): { ids: Buffer; times: Buffer } {
  const idBytes = Buffer.alloc(ids.length * 4);
  ids.forEach((id, i) => idBytes.writeInt32BE(id, i * 4));
  const timeBytes = Buffer.alloc(times.length * 8);
  times.forEach((t, i) => timeBytes.writeBigInt64BE(BigInt(t), i * 8));
  return { ids: idBytes, times: timeBytes };
}

describe('customer hours', () => {
  it('should read big-endian numbers and times, from aligned and unaligned buffers', () => {
    const b = block([1, 70000, 0, 2 ** 31 - 1], [at('2026-01-01T00:00:00Z'), at('2026-01-01T00:59:59.999Z') + 999, -5, 0]);
    expect([...customerNumbers(Buffer.from(b.ids))]).toEqual([1, 70000, 0, 2 ** 31 - 1]);
    const unaligned = Buffer.alloc(b.ids.length + 1).subarray(1);
    b.ids.copy(unaligned);
    expect([...customerNumbers(unaligned)]).toEqual([1, 70000, 0, 2 ** 31 - 1]);
    expect([...microTimes(Buffer.from(b.times))].map(Number)).toEqual([at('2026-01-01T00:00:00Z'), at('2026-01-01T00:59:59.999Z') + 999, -5, 0]);
    expect(() => customerNumbers(Buffer.alloc(6))).toThrow(/not a whole number/);
  });

  it('should keep the transactions of a cut hour that are in the window, to the microsecond', () => {
    const h = at('2026-03-01T10:00:00Z');
    const ids = Uint32Array.from([1, 2, 3, 4]);
    const times = BigInt64Array.from([h, h + 1, h + 1_800_000_000, h + HOUR - 1].map((us) => BigInt(us - POSTGRES_EPOCH_US)));
    expect([...numbersInWindow(ids, times, h + 1, null)]).toEqual([2, 3, 4]);
    expect([...numbersInWindow(ids, times, null, h + 1_800_000_000)]).toEqual([1, 2]);
    expect([...numbersInWindow(ids, times, h + 1, h + HOUR - 1)]).toEqual([2, 3]);
    expect(() => numbersInWindow(ids, times.subarray(1), null, null)).toThrow(/4 customer numbers and 3 times/);
  });

  it('should count customers, repeat customers and unusable phones as a GROUP BY would', () => {
    const tally = new CustomerTally(10, false);
    tally.add(Uint32Array.from([1, 2, 0, 1, 1]), at('2026-01-01T00:00:00Z'));
    tally.add(Uint32Array.from([3, 2, 0]), at('2026-01-01T01:00:00Z'));
    expect(tally).toMatchObject({ customers: 3, repeatCustomers: 2, transactions: 6, unidentified: 2 });
    expect(tally.cohorts()).toEqual([]);
  });

  it('should put each customer in the cohort of its first month and count each later month it bought in once', () => {
    const tally = new CustomerTally(10, true);
    tally.add(Uint32Array.from([1, 2, 1]), at('2025-12-31T23:00:00Z'));
    tally.add(Uint32Array.from([1, 3, 0]), at('2026-01-01T00:00:00Z'));
    tally.add(Uint32Array.from([1, 3]), at('2026-01-20T05:00:00Z'));
    tally.add(Uint32Array.from([2, 3]), at('2026-03-02T00:00:00Z'));
    expect(tally.cohorts()).toEqual([
      { cohort: '2025-12', monthsSince: 0, customers: 2 },
      { cohort: '2025-12', monthsSince: 1, customers: 1 },
      { cohort: '2025-12', monthsSince: 3, customers: 1 },
      { cohort: '2026-01', monthsSince: 0, customers: 1 },
      { cohort: '2026-01', monthsSince: 2, customers: 1 },
    ]);
    expect(() => tally.add(Uint32Array.from([1]), at('2026-01-01T00:00:00Z'))).toThrow(/hour order/);
  });

  it('should name months in UTC', () => {
    expect(monthOf(at('2026-02-28T23:00:00Z'))).toBe(2026 * 12 + 1);
    expect(monthOf(at('1999-12-31T23:00:00Z'))).toBe(1999 * 12 + 11);
  });
});
