import { Reject } from './cleaner.types';
import { rowOverrides } from './row-overrides.spec-helper';
import { TRANSACTIONS_CATEGORY_MAP, cleanAmount, cleanPhone, cleanTimestamp, createTransactionsCleaner } from './transactions.cleaner';

const NOW = new Date('2025-11-20T12:00:00.000Z');
const clean = createTransactionsCleaner({ now: NOW });

// Column order: TRANSACTION_ID, MERCHANT_ID, ZONE, CATEGORY, AMOUNT, TIMESTAMP, CUSTOMER_PHONE.
const BASE = ['TX1', 'M1', 'north', 'grocery', '12.50', '2025-11-15 23:05:31', '+1 555 352 2926'];
const COL = { id: 0, merchant: 1, zone: 2, category: 3, amount: 4, timestamp: 5, phone: 6 };
const { row, cleaned, rejectReason } = rowOverrides(clean, BASE, COL);

describe('transactions cleaner', () => {
  describe('output shape', () => {
    it('should return the cleaned values in COPY column order when the row is valid', () => {
      expect(clean(BASE)).toEqual(['TX1', 'M1', 'NORTH', 'Grocery', '12.5', '2025-11-15 23:05:31+00:00', '+15553522926']);
    });

    it('should return the same preallocated Reject instance when the same rule fails twice', () => {
      const a = clean(row({ amount: 'abc' }));
      const b = clean(row({ amount: 'xyz' }));
      expect(a).toBeInstanceOf(Reject);
      expect(a).toBe(b);
    });

    it('should throw when ctx.now is an invalid Date', () => {
      expect(() => createTransactionsCleaner({ now: new Date('nope') })).toThrow(TypeError);
    });
  });

  describe('trimming', () => {
    it('should trim spaces, tabs and NBSP from every field when cleaning', () => {
      expect(clean(['  TX9 ', '\tM9\t', ' south ', ' food ', ' 3.00 ', ' 2025-01-02 03:04:05 ', '\u00a05551234567\u00a0'])).toEqual([
        'TX9',
        'M9',
        'SOUTH',
        'Food',
        '3',
        '2025-01-02 03:04:05+00:00',
        '5551234567',
      ]);
    });

    it('should keep inner spaces of ids when trimming', () => {
      expect(cleaned({ id: ' TX 1 ' })[0]).toBe('TX 1');
    });
  });

  describe('required fields', () => {
    it.each([
      ['id', 'MISSING_TRANSACTION_ID'],
      ['merchant', 'MISSING_MERCHANT_ID'],
      ['zone', 'MISSING_ZONE'],
      ['category', 'MISSING_CATEGORY'],
      ['amount', 'MISSING_AMOUNT'],
      ['timestamp', 'MISSING_TIMESTAMP'],
    ] as const)('should reject when %s is empty (%s)', (column, reason) => {
      expect(rejectReason({ [column]: '' })).toBe(reason);
    });

    it.each([
      ['id', 'MISSING_TRANSACTION_ID'],
      ['amount', 'MISSING_AMOUNT'],
      ['timestamp', 'MISSING_TIMESTAMP'],
    ] as const)('should reject when %s is only whitespace (%s)', (column, reason) => {
      expect(rejectReason({ [column]: ' \t ' })).toBe(reason);
    });

    it('should report the first missing column in column order when several are missing', () => {
      expect(rejectReason({ zone: '', amount: '', timestamp: '' })).toBe('MISSING_ZONE');
      expect(rejectReason({ category: ' ', timestamp: '' })).toBe('MISSING_CATEGORY');
    });

    it('should report a missing column before an invalid earlier one when both occur', () => {
      expect(rejectReason({ amount: 'abc', timestamp: '' })).toBe('MISSING_TIMESTAMP');
    });

    it('should report the amount before the timestamp when both are invalid', () => {
      expect(rejectReason({ amount: 'abc', timestamp: 'garbage' })).toBe('INVALID_AMOUNT');
    });

    it('should not reject when customer phone is empty or the column is absent', () => {
      expect(cleaned({ phone: '' })[6]).toBe('INVALID');
      expect(clean(BASE.slice(0, 6))).toEqual(['TX1', 'M1', 'NORTH', 'Grocery', '12.5', '2025-11-15 23:05:31+00:00', 'INVALID']);
    });
  });

  describe('zone', () => {
    it.each([
      ['north', 'NORTH'],
      ['Lagos-Island', 'LAGOS-ISLAND'],
      ['ZONE 7b', 'ZONE 7B'],
      ['EAST', 'EAST'],
    ])('should upper-case %p to %p when cleaning', (input, expected) => {
      expect(cleaned({ zone: input })[2]).toBe(expected);
    });
  });

  describe('category', () => {
    it.each([
      ['gRoCeRy', 'Grocery'],
      ['GROCERIES', 'Grocery'],
      ['fOOd', 'Food'],
      ['eLeCtRoNiCs', 'Electronics'],
      ['Electronic', 'Electronics'],
      ['FaShIoN', 'Fashion'],
      ['clothing', 'Fashion'],
      ['CLOTHES', 'Fashion'],
      ['tRANSPORT', 'Transport'],
      ['Transportation', 'Transport'],
      ['UTILITIES', 'Utilities'],
      ['uTiLiTy', 'Utilities'],
      ['HealthCare', 'Healthcare'],
      ['hEALTH', 'Healthcare'],
      ['education', 'Education'],
      ['EdU', 'Education'],
    ])('should map synonym %p to %p when it is listed', (input, expected) => {
      expect(cleaned({ category: input })[3]).toBe(expected);
    });

    it('should have a canonical target for every listed synonym when read from the map', () => {
      expect(Object.keys(TRANSACTIONS_CATEGORY_MAP)).toHaveLength(16);
      for (const key of Object.keys(TRANSACTIONS_CATEGORY_MAP)) expect(key).toBe(key.toUpperCase());
    });

    it.each([
      ['home', 'Home'],
      ['home appliances', 'Home Appliances'],
      ['HOME   APPLIANCES', 'Home Appliances'],
      ['sports & OUTDOORS', 'Sports & Outdoors'],
      ['pet-care', 'Pet-care'],
      ['grocery store', 'Grocery Store'],
    ])('should title-case %p to %p when it is not a listed synonym', (input, expected) => {
      expect(cleaned({ category: input })[3]).toBe(expected);
    });

    it('should give the same result when the same raw category repeats (cache)', () => {
      expect(cleaned({ category: 'clothes' })[3]).toBe('Fashion');
      expect(cleaned({ category: 'clothes' })[3]).toBe('Fashion');
      expect(cleaned({ category: 'CLOTHES' })[3]).toBe('Fashion');
    });
  });

  describe('amount', () => {
    it.each([
      ['0', '0'],
      ['1000000', '1000000'],
      ['1000000.00', '1000000'],
      ['999999.99', '999999.99'],
      ['12.50', '12.5'],
      ['$1,234.50', '1234.5'],
      ['USD 12', '12'],
      ['12 EUR', '12'],
      ['-0', '0'],
      ['-0.00', '0'],
      ['007.50', '7.5'],
      ['.5', '0.5'],
      ['0.5', '0.5'],
      ['5.', '5'],
      ['12.345', '12.345'],
      ['0.0000001', '0.0000001'],
      ['123456.789', '123456.789'],
      ['42', '42'],
    ])('should accept %p as %p when it is a valid decimal in range', (input, expected) => {
      expect(cleaned({ amount: input })[4]).toBe(expected);
    });

    it.each(['abc', '$', '1.2.3', '--5', '1-2', '5-', '-', '.', '-.', 'N/A'])('should reject %p with INVALID_AMOUNT when it is not a decimal after stripping', (input) => {
      expect(rejectReason({ amount: input })).toBe('INVALID_AMOUNT');
    });

    it('should reject with MISSING_AMOUNT when the amount is empty', () => {
      expect(rejectReason({ amount: '' })).toBe('MISSING_AMOUNT');
    });

    it.each(['-5', '-0.01', '-$5', '$-5', '-1,000'])('should reject %p with NEGATIVE_AMOUNT when it is below zero', (input) => {
      expect(rejectReason({ amount: input })).toBe('NEGATIVE_AMOUNT');
    });

    it.each(['1000000.01', '1000000.001', '1000001', '2000000', '99999999', '$1,000,000.50'])('should reject %p with AMOUNT_TOO_LARGE when it exceeds 1,000,000', (input) => {
      expect(rejectReason({ amount: input })).toBe('AMOUNT_TOO_LARGE');
    });

    it('should never produce exponent notation when the value is tiny or long', () => {
      expect(cleanAmount('0.000000000000000000001')).toBe('0.000000000000000000001');
      expect(cleanAmount('999999.123456789012345')).toBe('999999.123456789012345');
    });
  });

  describe('timestamp formats', () => {
    it.each([
      ['2025-11-15T23:05:31Z', '2025-11-15 23:05:31+00:00'],
      ['2025-11-15t23:05:31z', '2025-11-15 23:05:31+00:00'],
      ['2025-11-15T23:05:31.874509Z', '2025-11-15 23:05:31.874509+00:00'],
      ['2025-11-15T23:05:31.8Z', '2025-11-15 23:05:31.8+00:00'],
      ['2025-11-15T23:05:31.123Z', '2025-11-15 23:05:31.123+00:00'],
      ['2025-11-15T23:05:31.123456789Z', '2025-11-15 23:05:31.123456+00:00'],
      ['2025-11-15T23:05Z', '2025-11-15 23:05:00+00:00'],
      ['2025-11-15T23:05:31+05:30', '2025-11-15 23:05:31+05:30'],
      ['2025-11-15T23:05:31.25+05:30', '2025-11-15 23:05:31.25+05:30'],
      ['2025-11-15T23:05:31-0800', '2025-11-15 23:05:31-08:00'],
      ['2025-11-15T23:05:31+0545', '2025-11-15 23:05:31+05:45'],
      ['2025-11-15T23:05:31+02', '2025-11-15 23:05:31+02:00'],
      ['2025-11-15T23:05+01:00', '2025-11-15 23:05:00+01:00'],
      ['2025-11-15T10:00:00+14:00', '2025-11-15 10:00:00+14:00'],
      ['2025-11-15T10:00:00-14:00', '2025-11-15 10:00:00-14:00'],
      ['2025-11-15 23:05:31.874509+00:00', '2025-11-15 23:05:31.874509+00:00'],
      ['2025-11-15 23:05:31+05:30', '2025-11-15 23:05:31+05:30'],
      ['2025-11-15 23:05:31Z', '2025-11-15 23:05:31+00:00'],
      ['2025-11-15 23:05:31-03', '2025-11-15 23:05:31-03:00'],
      ['2025-11-15T23:05:31', '2025-11-15 23:05:31+00:00'],
      ['2025-11-15 23:05:31', '2025-11-15 23:05:31+00:00'],
      ['2025-11-15 23:05:31.874509', '2025-11-15 23:05:31.874509+00:00'],
      ['2025-11-15 23:05', '2025-11-15 23:05:00+00:00'],
      ['2025/11/15 23:05:31', '2025-11-15 23:05:31+00:00'],
      ['15/11/2025 23:05:31', '2025-11-15 23:05:31+00:00'],
      ['2025-11-15', '2025-11-15 00:00:00+00:00'],
      ['2025-01-01 00:00:00', '2025-01-01 00:00:00+00:00'],
      ['2025-11-15 23:59:59', '2025-11-15 23:59:59+00:00'],
    ])('should accept %p as %p when the format is supported', (input, expected) => {
      expect(cleaned({ timestamp: input })[5]).toBe(expected);
    });
  });

  describe('timestamp validation', () => {
    it.each([
      ['2024-02-30', 'day 30 in February'],
      ['2023-02-29', 'leap day in a non-leap year'],
      ['1900-02-29', 'leap day in a century non-leap year'],
      ['2025-04-31', 'day 31 in a 30-day month'],
      ['2025-11-00', 'day 0'],
      ['2025-13-01', '13th month'],
      ['2025-00-10', 'month 0'],
      ['2025-11-15 24:00:00', 'hour 24'],
      ['2025-11-15 24:00', 'hour 24 without seconds'],
      ['2025-11-15 23:60:00', 'minute 60'],
      ['2025-11-15 23:05:60', 'second 60'],
      ['2025-11-15T10:00:00+15:00', 'offset +15:00'],
      ['2025-11-15T10:00:00+14:30', 'offset beyond 14h'],
      ['2025-11-15T10:00:00-1500', 'offset -1500'],
      ['2025-11-15T10:00:00+05:60', 'offset minutes 60'],
      ['2025-11-15T10:00:00+5', 'one-digit offset'],
      ['2025-11-15T10:00:00+05:3', 'truncated offset'],
      ['2025-11-15 23:05:31 +05:30', 'space before the offset'],
      ['2025-11-15 23:05:31 UTC', 'zone name'],
      ['2025-11-15T23:05:31.Z', 'empty fraction'],
      ['2025-11-15T23:05:31.1234567890Z', '10-digit fraction'],
      ['2025-11-15T23:05.5', 'fraction without seconds'],
      ['2025-11-15X23:05:31', 'bad date/time separator'],
      ['2025-11-15T', 'dangling separator'],
      ['2025-11-15 23', 'hour only'],
      ['2025/11/15', 'slash date without time'],
      ['2025/11/15 23:05', 'slash date without seconds'],
      ['15/11/2025 23:05:31Z', 'slash date with an offset'],
      ['15/11/2025 23:05:31.5', 'slash date with a fraction'],
      ['2025/11/15T23:05:31', "slash date with 'T'"],
      ['2025-11/15 23:05:31', 'mixed separators'],
      ['15-11-2025 23:05:31', 'DD-MM-YYYY'],
      ['2025-1-5', 'unpadded fields'],
      ['0000-01-01', 'year 0'],
      ['1700000000', 'unix epoch seconds'],
      ['garbage', 'garbage'],
      ['not a timestamp!', 'longer garbage'],
    ])('should reject %p with INVALID_TIMESTAMP when it has a %s', (input) => {
      expect(rejectReason({ timestamp: input })).toBe('INVALID_TIMESTAMP');
    });

    it.each([
      ['2024-02-29', '2024-02-29 00:00:00+00:00'],
      ['2000-02-29 12:00:00', '2000-02-29 12:00:00+00:00'],
      ['29/02/2024 23:59:59', '2024-02-29 23:59:59+00:00'],
    ])('should accept leap day %p when the year is a leap year', (input, expected) => {
      expect(cleaned({ timestamp: input })[5]).toBe(expected);
    });
  });

  describe('future timestamps', () => {
    // NOW = 2025-11-20T12:00:00.000Z
    it.each([
      '2025-11-20T12:00:00Z',
      '2025-11-20 12:00:00',
      '2025-11-20T12:00:00.000Z',
      '2025-11-20T17:30:00+05:30',
      '2025-11-20T07:00:00-05:00',
      '2025-11-20T11:59:59.999999Z',
      '2025-11-20T12:00:00.0000009Z',
      '20/11/2025 12:00:00',
      '2025-11-20',
    ])('should accept %p when it is exactly now or earlier', (input) => {
      expect(rejectReason({ timestamp: input })).toBeUndefined();
    });

    it.each([
      '2025-11-20T12:00:01Z',
      '2025-11-20 12:00:01',
      '2025-11-20T12:00:00.001Z',
      '2025-11-20T12:00:00.000001Z',
      '2025-11-20T17:30:01+05:30',
      '2025-11-20T07:00:01-05:00',
      '2025/11/20 12:00:01',
      '2025-11-21',
      '2099-01-01 00:00:00',
    ])('should reject %p with FUTURE_TIMESTAMP when it is after now', (input) => {
      expect(rejectReason({ timestamp: input })).toBe('FUTURE_TIMESTAMP');
    });

    it('should compute the instant of years below 100 literally when checking the future', () => {
      const nowMs = Date.UTC(1950, 0, 1);
      expect(cleanTimestamp('0099-12-31', nowMs)).toBe('0099-12-31 00:00:00+00:00');
      expect(cleanTimestamp('0001-01-01T00:00:00Z', nowMs)).toBe('0001-01-01 00:00:00+00:00');
    });
  });

  describe('customer phone', () => {
    it.each([
      ['555123456', 'INVALID'],
      ['5551234567', '5551234567'],
      ['123456789012345', '123456789012345'],
      ['1234567890123456', 'INVALID'],
      ['(555) 123-4567 ext', '5551234567'],
      ['+1 555 352 2926', '+15553522926'],
      ['+44 (20) 7946-0958', '+442079460958'],
      ['555.123.4567', '5551234567'],
      ['+', 'INVALID'],
      ['n/a', 'INVALID'],
      ['', 'INVALID'],
      ['   ', 'INVALID'],
    ])('should turn %p into %p when cleaning the phone', (input, expected) => {
      expect(cleaned({ phone: input })[6]).toBe(expected);
    });

    it('should keep a clean number as the same string when nothing is stripped', () => {
      expect(cleanPhone('+15553522926')).toBe('+15553522926');
    });
  });
});
