import { BinaryCopyEncoder, numericParts, pgTimestampMicros } from './copy-binary';

describe('numericParts', () => {
  it.each([
    ['0', { digits: [], weight: 0, sign: 0, dscale: 0 }],
    ['0.00', { digits: [], weight: 0, sign: 0, dscale: 2 }],
    ['1234.5', { digits: [1234, 5000], weight: 0, sign: 0, dscale: 1 }],
    ['12345.67', { digits: [1, 2345, 6700], weight: 1, sign: 0, dscale: 2 }],
    ['1000000', { digits: [100], weight: 1, sign: 0, dscale: 0 }],
    ['0.05', { digits: [500], weight: -1, sign: 0, dscale: 2 }],
    ['0.00001', { digits: [1000], weight: -2, sign: 0, dscale: 5 }],
    ['-7.25', { digits: [7, 2500], weight: 0, sign: 0x4000, dscale: 2 }],
    ['00012.10', { digits: [12, 1000], weight: 0, sign: 0, dscale: 2 }],
  ])('should encode %s as base-10000 digits', (input, expected) => {
    expect(numericParts(input)).toEqual(expected);
  });
});

describe('pgTimestampMicros', () => {
  const micros = (iso: string) => (Date.parse(iso) - Date.UTC(2000, 0, 1)) * 1000;

  it('should count microseconds from 2000-01-01 UTC', () => {
    expect(pgTimestampMicros('2000-01-01 00:00:00+00:00')).toBe(0);
    expect(pgTimestampMicros('2025-11-15 23:05:31+00:00')).toBe(micros('2025-11-15T23:05:31Z'));
  });

  it('should keep every fraction digit up to microseconds', () => {
    expect(pgTimestampMicros('2025-11-15 23:05:31.874509+00:00')).toBe(micros('2025-11-15T23:05:31Z') + 874509);
    expect(pgTimestampMicros('2025-11-15 23:05:31.5+00:00')).toBe(micros('2025-11-15T23:05:31Z') + 500000);
  });

  it('should apply the offset', () => {
    expect(pgTimestampMicros('2025-01-05 10:00:00+02:00')).toBe(micros('2025-01-05T08:00:00Z'));
    expect(pgTimestampMicros('2025-01-05 10:00:00-05:30')).toBe(micros('2025-01-05T15:30:00Z'));
  });

  it('should handle dates before 2000, leap days and years below 100', () => {
    expect(pgTimestampMicros('1999-12-31 23:59:59+00:00')).toBe(-1e6);
    expect(pgTimestampMicros('2024-02-29 12:00:00+00:00')).toBe(micros('2024-02-29T12:00:00Z'));
    const d = new Date(0);
    d.setUTCFullYear(50, 0, 1);
    expect(pgTimestampMicros('0050-01-01 00:00:00+00:00')).toBe((d.getTime() - Date.UTC(2000, 0, 1)) * 1000);
  });
});

describe('BinaryCopyEncoder', () => {
  it('should write the signature, tuples with typed fields and the trailer', () => {
    const enc = new BinaryCopyEncoder(['text', 'numeric', 'timestamptz', 'text']);
    enc.writeRow(7, ['é', '1.5', '2000-01-01 00:00:01+00:00', null]);
    enc.finish();
    const b = enc.take()!;
    expect(b.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
    let p = 19;
    expect(b.readInt16BE(p)).toBe(5);
    expect([b.readInt32BE(p + 2), b.readInt32BE(p + 6)]).toEqual([4, 7]);
    p += 10;
    expect(b.readInt32BE(p)).toBe(2);
    expect(b.subarray(p + 4, p + 6).toString('utf8')).toBe('é');
    p += 6;
    expect(b.readInt32BE(p)).toBe(12);
    expect([b.readInt16BE(p + 4), b.readInt16BE(p + 6), b.readUInt16BE(p + 8), b.readInt16BE(p + 10), b.readInt16BE(p + 12), b.readInt16BE(p + 14)]).toEqual([2, 0, 0, 1, 1, 5000]);
    p += 16;
    expect(b.readInt32BE(p)).toBe(8);
    expect(b.readBigInt64BE(p + 4)).toBe(1000000n);
    p += 12;
    expect(b.readInt32BE(p)).toBe(-1);
    p += 4;
    expect(b.readInt16BE(p)).toBe(-1);
    expect(b.length).toBe(p + 2);
    expect(enc.take()).toBeNull();
  });

  it('should write int8 as 8 bytes and a date as days since 2000-01-01', () => {
    const enc = new BinaryCopyEncoder(['int8', 'date', 'date'], false);
    enc.writeRow(1, ['9007199254740991', '2000-01-02', '1999-12-31']);
    const b = enc.take()!;
    let p = 10;
    expect(b.readInt32BE(p)).toBe(8);
    expect(b.readBigInt64BE(p + 4)).toBe(9007199254740991n);
    p += 12;
    expect([b.readInt32BE(p), b.readInt32BE(p + 4)]).toEqual([4, 1]);
    p += 8;
    expect([b.readInt32BE(p), b.readInt32BE(p + 4)]).toEqual([4, -1]);
  });

  it('should grow its buffer for long values', () => {
    const enc = new BinaryCopyEncoder(['text']);
    const long = 'x'.repeat(5 << 20);
    enc.writeRow(1, [long]);
    expect(enc.take()!.length).toBe(19 + 10 + 4 + long.length);
  });
});

describe('BinaryCopyEncoder numerics', () => {
  it.each(['0', '0.00', '1234.5', '12345.67', '1000000', '0.05', '0.00001', '-7.25', '00012.10', '123456789012345678901234567890.123456789'])(
    'should write %s exactly as numericParts describes it',
    (v) => {
      const enc = new BinaryCopyEncoder(['numeric'], false);
      enc.writeRow(1, [v]);
      const b = enc.take()!;
      const { digits, weight, sign, dscale } = numericParts(v);
      const at = 10;
      expect(b.readInt32BE(at)).toBe(8 + digits.length * 2);
      expect([b.readInt16BE(at + 4), b.readInt16BE(at + 6), b.readUInt16BE(at + 8), b.readInt16BE(at + 10)]).toEqual([digits.length, weight, sign, dscale]);
      expect(Array.from({ length: digits.length }, (_, i) => b.readInt16BE(at + 12 + i * 2))).toEqual(digits);
    },
  );
});
