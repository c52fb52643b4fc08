import { canonicalCents, canonicalEpochSeconds, daysFromCivil, phoneKey, phoneOfKey } from './canonical';
import { seededRandom } from '../datagen/prng';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The cleaner's canonical text of `utcSecond` seen at `offsetMinutes`, with `fraction` digits after the dot. */
function canonical(utcSecond: number, offsetMinutes: number, fraction: string): string {
  const local = new Date((utcSecond + offsetMinutes * 60) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const abs = Math.abs(offsetMinutes);
  const sign = offsetMinutes < 0 ? '-' : '+';
  return `${local.slice(0, 10)} ${local.slice(11, 19)}${fraction ? '.' + fraction : ''}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

describe('canonicalEpochSeconds', () => {
  it('should read fixed examples when offsets are positive, negative or zero', () => {
    expect(canonicalEpochSeconds('2026-01-01 00:00:00+00:00')).toBe(1767225600);
    expect(canonicalEpochSeconds('2026-01-01 05:30:00.123456+05:30')).toBe(1767225600);
    expect(canonicalEpochSeconds('2025-12-31 21:00:59.9-03:00')).toBe(1767225659);
    expect(canonicalEpochSeconds('1969-12-31 23:59:59+00:00')).toBe(-1);
  });

  it('should agree with Date.parse when instants and offsets are random, including before 1970', () => {
    const rand = seededRandom(21);
    const lo = Date.UTC(1900, 0, 1) / 1000;
    const hi = Date.UTC(2100, 0, 1) / 1000;
    for (let i = 0; i < 5000; i++) {
      const second = lo + Math.floor(rand() * (hi - lo));
      const offset = rand() < 0.5 ? Math.round(rand() * 56 - 28) * 30 : Math.floor(rand() * 1681) - 840; // ±14:00
      const digits = Math.floor(rand() * 7);
      const fraction = Array.from({ length: digits }, () => Math.floor(rand() * 10)).join('');
      const s = canonical(second, offset, fraction);
      const ms3 = fraction.padEnd(3, '0').slice(0, 3);
      const parsed = Date.parse(`${s.slice(0, 10)}T${s.slice(11, 19)}.${ms3}${s.slice(-6)}`);
      expect(Math.floor(parsed / 1000)).toBe(second);
      expect(canonicalEpochSeconds(s)).toBe(second);
    }
  });
});

describe('daysFromCivil', () => {
  it('should count days from 1970-01-01 when dates are fixed', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(1969, 12, 31)).toBe(-1);
    expect(daysFromCivil(2000, 3, 1)).toBe(11017);
    expect(daysFromCivil(2026, 1, 1)).toBe(20454);
  });

  it('should agree with Date.UTC when dates are random between 1600 and 2400', () => {
    const rand = seededRandom(22);
    for (let i = 0; i < 5000; i++) {
      const year = 1600 + Math.floor(rand() * 800);
      const month = 1 + Math.floor(rand() * 12);
      const monthDays = new Date(Date.UTC(year, month, 0)).getUTCDate();
      const day = 1 + Math.floor(rand() * monthDays);
      expect(daysFromCivil(year, month, day)).toBe(Date.UTC(year, month - 1, day) / 86_400_000);
    }
  });
});

describe('canonicalCents', () => {
  it('should round on the third fraction digit half up when amounts are fixed', () => {
    const cases: Array<[string, number]> = [
      ['12', 1200],
      ['12.5', 1250],
      ['0.125', 13],
      ['0.124', 12],
      ['0.135', 14],
      ['1000000', 100000000],
      ['0', 0],
      ['0.005', 1],
      ['0.004', 0],
      ['0.995', 100],
      ['999999.999', 100000000],
      ['0.1249999', 12],
      ['0.1250001', 13],
      ['7.01', 701],
    ];
    for (const [text, cents] of cases) {
      expect([text, canonicalCents(text)]).toEqual([text, cents]);
    }
  });

  it('should match a BigInt reference when amounts are random with up to 3 fraction digits', () => {
    const rand = seededRandom(23);
    for (let i = 0; i < 5000; i++) {
      const whole = String(Math.floor(rand() * 1_000_000));
      const frac = String(Math.floor(rand() * 1000))
        .padStart(3, '0')
        .slice(0, Math.floor(rand() * 4))
        .replace(/0+$/, '');
      const text = frac ? `${whole}.${frac}` : whole;
      const thousandths = BigInt(whole) * 1000n + BigInt(frac.padEnd(3, '0') || '0');
      expect(canonicalCents(text)).toBe(Number((thousandths + 5n) / 10n));
    }
  });
});

describe('phoneKey', () => {
  it('should give distinct non-zero keys when phones differ only by a plus or leading zeros', () => {
    const phones = ['+15551234567', '15551234567', '015551234567', '+015551234567', '0015551234567'];
    phones.push('5551234567', '123456789012345', '+123456789012345', '999999999999999', '000000000000000', '0000000000');
    const keys = phones.map(phoneKey);
    expect(keys.every((k) => k !== 0)).toBe(true);
    expect(new Set(keys).size).toBe(phones.length);
  });

  it('should give distinct keys when random usual phones are distinct', () => {
    const rand = seededRandom(24);
    const keyOf = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const len = 10 + Math.floor(rand() * 6);
      const digits = Array.from({ length: len }, () => (rand() < 0.3 ? '0' : String(Math.floor(rand() * 10)))).join('');
      const phone = rand() < 0.5 ? `+${digits}` : digits;
      keyOf.set(phone, phoneKey(phone));
    }
    const keys = [...keyOf.values()];
    expect(keys.every((k) => k !== 0 && Number.isSafeInteger(k))).toBe(true);
    expect(new Set(keys).size).toBe(keyOf.size);
  });

  it('should return 0 when the phone has another shape', () => {
    for (const phone of ['INVALID', '1+5551234567', '++15551234567', '15551234567+', '555123456', '+555123456', '1234567890123456', '+1234567890123456', '']) {
      expect([phone, phoneKey(phone)]).toEqual([phone, 0]);
    }
  });

  it('should keep keys below 2^53 in absolute value when phones have 15 nines', () => {
    expect(Math.abs(phoneKey('999999999999999'))).toBeLessThan(2 ** 53);
    expect(Math.abs(phoneKey('+999999999999999'))).toBeLessThan(2 ** 53);
    expect(phoneKey('+999999999999999')).toBe(-phoneKey('999999999999999'));
  });
});

describe('phoneOfKey', () => {
  it('should give back the phone a key was made from', () => {
    for (const phone of ['+15551234567', '15551234567', '0015551234567', '+000000000000001', '999999999999999', '0000000000']) {
      expect(phoneOfKey(phoneKey(phone))).toBe(phone);
    }
  });
});
