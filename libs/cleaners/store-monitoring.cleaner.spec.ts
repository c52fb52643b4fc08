import { readFileSync } from 'fs';
import * as path from 'path';
import { Reject, RowCleaner } from './cleaner.types';
import { rowOverrides } from './row-overrides.spec-helper';
import {
  DEFAULT_STORE_TIMEZONE,
  cleanDayOfWeek,
  cleanStoreStatus,
  cleanStoreTimestamp,
  createBusinessHoursCleaner,
  createStoreStatusCleaner,
  createTimezonesCleaner,
  isKnownTimeZone,
  timeOfDaySeconds,
} from './store-monitoring.cleaner';

const CTX = { now: new Date('2025-11-20T12:00:00.000Z') };
const SAMPLES_DIR = path.join(__dirname, '../../../shared/samples/store-monitoring');

/** The reject reason of a rule result, or the value itself. */
function outcome(result: string | Reject): string {
  return result instanceof Reject ? `Reject(${result.reason})` : result;
}

/** The first `count` data rows of a sample CSV (no quoted fields in these samples). */
function sampleRows(file: string, count: number): string[][] {
  const lines = readFileSync(path.join(SAMPLES_DIR, file), 'utf8').split(/\r?\n/);
  return lines
    .slice(1, count + 1)
    .filter((line) => line !== '')
    .map((line) => line.split(','));
}

/** Rows a cleaner rejected, with their reasons (empty when every row is kept). */
function rejectedRows(clean: RowCleaner, rows: string[][]): string[] {
  const rejected: string[] = [];
  for (const fields of rows) {
    const result = clean(fields);
    if (result instanceof Reject) rejected.push(`${fields.join(',')} → ${result.reason}`);
  }
  return rejected;
}

describe('store status cleaner', () => {
  const clean = createStoreStatusCleaner(CTX);
  // Column order: store_id, status, timestamp_utc.
  const BASE = ['b5d0a65d-6d54-47aa-95e9-9312f0353326', 'active', '2024-10-03 23:33:20.412748 UTC'];
  const { row, cleaned, rejectReason } = rowOverrides(clean, BASE, {
    id: 0,
    status: 1,
    timestamp: 2,
  });

  describe('output shape', () => {
    it('should return store_id, status, timestamp_utc in COPY order when the row is valid', () => {
      expect(clean(BASE)).toEqual(['b5d0a65d-6d54-47aa-95e9-9312f0353326', 'active', '2024-10-03 23:33:20.412748+00:00']);
    });

    it('should return the same preallocated Reject instance when the same rule fails twice', () => {
      const a = clean(row({ status: 'on' }));
      expect(a).toBeInstanceOf(Reject);
      expect(clean(row({ status: 'off' }))).toBe(a);
    });

    it('should clean every row when reading the first rows of the store_status sample', () => {
      const rows = sampleRows('store_status.csv', 1000);
      expect(rows.length).toBeGreaterThan(100);
      expect(rejectedRows(clean, rows)).toEqual([]);
    });
  });

  describe('store id', () => {
    it('should trim the store id when it has surrounding whitespace', () => {
      expect(cleaned({ id: ' \tS1\u00a0' })[0]).toBe('S1');
    });

    it.each(['', '  ', '\t'])('should reject with MISSING_STORE_ID when the id is %p', (id) => {
      expect(rejectReason({ id })).toBe('MISSING_STORE_ID');
    });

    it('should report the missing store id before an invalid status when both occur', () => {
      expect(rejectReason({ id: '', status: 'bogus', timestamp: 'x' })).toBe('MISSING_STORE_ID');
    });
  });

  describe('status', () => {
    it.each([
      ['active', 'active'],
      ['inactive', 'inactive'],
      ['ACTIVE', 'active'],
      ['InActive', 'inactive'],
      ['  active\t', 'active'],
    ])('should give %p → %p when the status is active or inactive in any case', (input, want) => {
      expect(cleaned({ status: input })[1]).toBe(want);
    });

    it.each(['', '   '])('should reject with MISSING_STATUS when the status is %p', (status) => {
      expect(rejectReason({ status })).toBe('MISSING_STATUS');
    });

    it.each(['on', 'actives', 'act ive', 'in-active', '1', 'true', 'ACTİVE', 'Ａctive'])('should reject with INVALID_STATUS when the status is %p', (status) => {
      expect(rejectReason({ status })).toBe('INVALID_STATUS');
    });

    it('should report an invalid status before an invalid timestamp when both occur', () => {
      expect(rejectReason({ status: 'on', timestamp: 'x' })).toBe('INVALID_STATUS');
    });

    it('should return the rule result directly when called on its own', () => {
      expect(outcome(cleanStoreStatus('Inactive'))).toBe('inactive');
      expect(outcome(cleanStoreStatus('down'))).toBe('Reject(INVALID_STATUS)');
    });
  });

  describe('timestamp formats', () => {
    it.each([
      // The feed's own form, fractions of any length.
      ['2024-10-03 23:33:20.412748 UTC', '2024-10-03 23:33:20.412748+00:00'],
      ['2024-10-03 23:33:20.4 UTC', '2024-10-03 23:33:20.4+00:00'],
      ['2024-10-03 23:33:20.41 UTC', '2024-10-03 23:33:20.41+00:00'],
      ['2024-10-03 23:33:20.412748123 UTC', '2024-10-03 23:33:20.412748+00:00'],
      ['2024-10-03 23:33:20.4127489 UTC', '2024-10-03 23:33:20.412748+00:00'],
      ['2024-10-03 23:33:20.412700 UTC', '2024-10-03 23:33:20.4127+00:00'],
      ['2024-10-03 23:33:20.000000 UTC', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03 23:33:20.0000009 UTC', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03 23:33:20.0 UTC', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03 23:33:20 UTC', '2024-10-03 23:33:20+00:00'],
      // Suffix variants, and none.
      ['2024-10-03 23:33:20', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03 23:33:20.412748', '2024-10-03 23:33:20.412748+00:00'],
      ['2024-10-03 23:33:20.50', '2024-10-03 23:33:20.5+00:00'],
      ['2024-10-03 23:33:20UTC', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03 23:33:20.4127UTC', '2024-10-03 23:33:20.4127+00:00'],
      ['2024-10-03 23:33:20Z', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03 23:33:20 utc', '2024-10-03 23:33:20+00:00'],
      // Without seconds.
      ['2024-10-03 23:33', '2024-10-03 23:33:00+00:00'],
      ['2024-10-03 23:33 UTC', '2024-10-03 23:33:00+00:00'],
      ['2024-10-03T23:33Z', '2024-10-03 23:33:00+00:00'],
      // ISO 8601.
      ['2024-10-03T23:33:20Z', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03T23:33:20.412748Z', '2024-10-03 23:33:20.412748+00:00'],
      ['2024-10-03t23:33:20.1z', '2024-10-03 23:33:20.1+00:00'],
      ['2024-10-03T23:33:20', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03T23:33:20+00:00', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03T23:33:20-00:00', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03T23:33:20+0000', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03 23:33:20.25+00', '2024-10-03 23:33:20.25+00:00'],
    ])('should give %p → %p when no offset is given', (input, want) => {
      expect(outcome(cleanStoreTimestamp(input))).toBe(want);
    });

    it.each([
      ['2024-10-04T01:33:20.4127+02:00', '2024-10-03 23:33:20.4127+00:00'],
      ['2024-10-03T18:33:20-0500', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03T20:03:20.5-03:30', '2024-10-03 23:33:20.5+00:00'],
      ['2024-10-04T05:03:20+05:30', '2024-10-03 23:33:20+00:00'],
      ['2024-10-04T01:33:20+02', '2024-10-03 23:33:20+00:00'],
      ['2024-10-04 01:33:20.412748123+02:00', '2024-10-03 23:33:20.412748+00:00'],
      ['2024-10-04T01:33+02:00', '2024-10-03 23:33:00+00:00'],
      ['2024-10-04T13:33:20+14:00', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03T11:33:20-12:00', '2024-10-03 23:33:20+00:00'],
      ['2024-10-03T12:00:00.000+01:00', '2024-10-03 11:00:00+00:00'],
    ])('should give %p → %p when converting an offset to UTC', (input, want) => {
      expect(outcome(cleanStoreTimestamp(input))).toBe(want);
    });

    it.each([
      ['2024-12-31T22:00:00-05:00', '2025-01-01 03:00:00+00:00'],
      ['2025-01-01T01:00:00+02:00', '2024-12-31 23:00:00+00:00'],
      ['2024-03-01T00:30:00+01:00', '2024-02-29 23:30:00+00:00'],
      ['2023-03-01T00:30:00+01:00', '2023-02-28 23:30:00+00:00'],
      ['2024-02-28T23:30:00-01:00', '2024-02-29 00:30:00+00:00'],
      ['2023-02-28T23:30:00-01:00', '2023-03-01 00:30:00+00:00'],
      ['2024-04-30T23:00:00-02:00', '2024-05-01 01:00:00+00:00'],
      ['2024-05-01T01:00:00+02:00', '2024-04-30 23:00:00+00:00'],
      ['0999-12-31T23:30:00-01:00', '1000-01-01 00:30:00+00:00'],
    ])('should give %p → %p when the offset moves the date', (input, want) => {
      expect(outcome(cleanStoreTimestamp(input))).toBe(want);
    });

    it('should give one canonical text when equal instants are written differently', () => {
      const forms = [
        '2024-10-03 23:33:20.4127 UTC',
        '2024-10-03T23:33:20.412700Z',
        '2024-10-04T01:33:20.4127+02:00',
        '2024-10-03 23:33:20.41270000',
        '2024-10-03T19:33:20.4127-0400',
      ];
      expect(new Set(forms.map((f) => outcome(cleanStoreTimestamp(f))))).toEqual(new Set(['2024-10-03 23:33:20.4127+00:00']));
    });

    it('should give the instant Date.parse gives when converting many offsets', () => {
      let seed = 12345;
      const next = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const p2 = (n: number): string => String(n).padStart(2, '0');
      for (let i = 0; i < 2000; i++) {
        const local = new Date(Date.UTC(1970 + next(100), 0, 1) + next(366 * 86_400) * 1000);
        const offset = next(14 * 60 * 2 + 1) - 14 * 60;
        const sign = offset < 0 ? '-' : '+';
        const abs = Math.abs(offset);
        const input = local.toISOString().slice(0, 19) + `.${p2(next(100))}` + sign + p2((abs / 60) | 0) + ':' + p2(abs % 60);
        const out = outcome(cleanStoreTimestamp(input));
        expect(out).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$/);
        expect(Date.parse(out.replace(' ', 'T'))).toBe(Date.parse(input));
      }
    });
  });

  describe('timestamp validation', () => {
    it.each(['', '  ', '\t'])('should reject with MISSING_TIMESTAMP when the timestamp is %p', (timestamp) => {
      expect(rejectReason({ timestamp })).toBe('MISSING_TIMESTAMP');
    });

    it('should reject with MISSING_TIMESTAMP when the column is absent', () => {
      const result = clean(['S1', 'active']);
      expect((result as Reject).reason).toBe('MISSING_TIMESTAMP');
    });

    it.each([
      // Not a timestamp, or not one of the accepted shapes.
      'not a date',
      '2024-10-03',
      '2024-10-03 23',
      '2024/10/03 23:33:20',
      '03/10/2024 23:33:20',
      '24-10-03 23:33:20',
      '2024-1O-03 23:33:20',
      '+2024-10-03 23:33:20',
      '2024-10-03X23:33:20',
      '2024-10-03  23:33:20',
      '2024-10-03 3:33:20',
      '2024-10-03 23:3:20',
      '2024-10-03 23:33:2',
      '2024-10-03 23.33.20',
      '1727998400',
      // Fraction.
      '2024-10-03 23:33:20.',
      '2024-10-03 23:33:20.4x',
      '2024-10-03 23:33.5',
      '2024-10-03 23:33:20,412',
      // Suffix.
      '2024-10-03 23:33:20 UT',
      '2024-10-03 23:33:20 UTCZ',
      '2024-10-03 23:33:20 UTC+1',
      '2024-10-03 23:33:20  UTC',
      '2024-10-03 23:33:20 Z',
      '2024-10-03 23:33:20 GMT',
      '2024-10-03 23:33:20 +02:00',
      '2024-10-03T23:33:20ZZ',
      '2024-10-03T23:33:20+2:00',
      '2024-10-03T23:33:20+02:0',
      '2024-10-03T23:33:20+020',
      '2024-10-03T23:33:20+02:00:00',
      '2024-10-03T23:33:20+02:60',
      '2024-10-03T23:33:20+14:01',
      '2024-10-03T23:33:20+15:00',
      '2024-10-03T23:33:20+',
    ])('should reject with INVALID_TIMESTAMP when the shape is wrong: %p', (timestamp) => {
      expect(rejectReason({ timestamp })).toBe('INVALID_TIMESTAMP');
    });

    it.each([
      '2024-13-01 00:00:00',
      '2024-00-01 00:00:00',
      '2024-01-00 00:00:00',
      '2024-01-32 00:00:00',
      '2024-04-31 00:00:00',
      '2024-02-30 00:00:00',
      '2023-02-29 00:00:00',
      '1900-02-29 00:00:00',
      '2024-10-03 24:00:00',
      '2024-10-03 23:60:00',
      '2024-10-03 23:59:60',
      '0999-12-31 23:59:59',
      '0000-01-01 00:00:00',
      '1000-01-01T00:30:00+01:00',
      '9999-12-31T23:00:00-02:00',
    ])('should reject with INVALID_TIMESTAMP when a value is out of range: %p', (timestamp) => {
      expect(rejectReason({ timestamp })).toBe('INVALID_TIMESTAMP');
    });

    it.each([
      ['2024-02-29 12:00:00', '2024-02-29 12:00:00+00:00'],
      ['2000-02-29 12:00:00', '2000-02-29 12:00:00+00:00'],
      ['1000-01-01 00:00:00', '1000-01-01 00:00:00+00:00'],
      ['9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00:00'],
      ['2024-10-03 00:00:00', '2024-10-03 00:00:00+00:00'],
    ])('should keep %p when it is at the edge of a range', (input, want) => {
      expect(cleaned({ timestamp: input })[2]).toBe(want);
    });
  });
});

describe('business hours cleaner', () => {
  const clean = createBusinessHoursCleaner(CTX);
  // Column order: store_id, dayOfWeek, start_time_local, end_time_local.
  const BASE = ['d84a4552-3668-4075-ad1d-16840294f818', '1', '09:00:00', '17:30:00'];
  const { row, cleaned, rejectReason } = rowOverrides(clean, BASE, {
    id: 0,
    day: 1,
    start: 2,
    end: 3,
  });

  describe('output shape', () => {
    it('should return store_id, day_of_week, start_sec, end_sec as text when the row is valid', () => {
      expect(clean(BASE)).toEqual(['d84a4552-3668-4075-ad1d-16840294f818', '1', '32400', '63000']);
    });

    it('should return the same preallocated Reject instance when the same rule fails twice', () => {
      const a = clean(row({ day: '9' }));
      expect(a).toBeInstanceOf(Reject);
      expect(clean(row({ day: 'Mon' }))).toBe(a);
    });

    it('should clean every row when reading the first rows of the menu_hours sample', () => {
      const rows = sampleRows('menu_hours.csv', 200);
      expect(rows.length).toBeGreaterThan(100);
      expect(rejectedRows(clean, rows)).toEqual([]);
      expect(clean(rows[0])).toEqual(['d84a4552-3668-4075-ad1d-16840294f818', '1', '0', '60']);
    });

    it('should trim every field when cleaning', () => {
      expect(clean([' S1 ', ' 6 ', ' 9:00 ', '\t10:00\t'])).toEqual(['S1', '6', '32400', '36000']);
    });
  });

  describe('store id', () => {
    it.each(['', ' '])('should reject with MISSING_STORE_ID when the id is %p', (id) => {
      expect(rejectReason({ id })).toBe('MISSING_STORE_ID');
    });
  });

  describe('day of week', () => {
    it.each(['0', '1', '2', '3', '4', '5', '6'])('should keep %p when it is a day 0..6', (day) => {
      expect(cleaned({ day })[1]).toBe(day);
    });

    it('should drop leading zeros when the day is written with them', () => {
      expect(cleaned({ day: '06' })[1]).toBe('6');
    });

    it.each(['', '  '])('should reject with MISSING_DAY_OF_WEEK when the day is %p', (day) => {
      expect(rejectReason({ day })).toBe('MISSING_DAY_OF_WEEK');
    });

    it.each(['7', '10', '-1', '+1', '1.0', '1 2', 'Mon', 'monday', '٣', '0x1'])('should reject with INVALID_DAY_OF_WEEK when the day is %p', (day) => {
      expect(rejectReason({ day })).toBe('INVALID_DAY_OF_WEEK');
    });

    it('should return the rule result directly when called on its own', () => {
      expect(outcome(cleanDayOfWeek('4'))).toBe('4');
      expect(outcome(cleanDayOfWeek('8'))).toBe('Reject(INVALID_DAY_OF_WEEK)');
    });
  });

  describe('times', () => {
    it.each([
      ['0:00', 0],
      ['00:00', 0],
      ['0:00:01', 1],
      ['9:05', 32700],
      ['09:05', 32700],
      ['9:05:07', 32707],
      ['09:05:07', 32707],
      ['12:00:00', 43200],
      ['23:59', 86340],
      ['23:59:59', 86399],
    ])('should give %p → %p seconds when the time is valid', (time, seconds) => {
      expect(timeOfDaySeconds(time, false)).toBe(seconds);
      expect(timeOfDaySeconds(time, true)).toBe(seconds);
      expect(cleaned({ start: time, end: time }).slice(2)).toEqual([String(seconds), String(seconds)]);
    });

    it.each(['24:00', '24:00:00'])('should give 86400 when the end time is %p', (end) => {
      expect(cleaned({ end })[3]).toBe('86400');
    });

    it.each(['24:00', '24:00:00'])('should reject with INVALID_START_TIME when the start time is %p', (start) => {
      expect(rejectReason({ start })).toBe('INVALID_START_TIME');
    });

    it.each([
      '9',
      '9:0',
      '9:000',
      '09:00:0',
      '09:00:000',
      '09:00:00.5',
      '09:00:00.000',
      '09:00:00:00',
      '25:00',
      '24:01',
      '24:00:01',
      '23:60',
      '23:59:60',
      '-1:00',
      '123:00',
      '9h00',
      '09-00',
      '09:00 AM',
      '9 :00',
      '٠٩:٠٠',
    ])('should reject the start and the end time when it is %p', (time) => {
      expect(rejectReason({ start: time })).toBe('INVALID_START_TIME');
      expect(rejectReason({ end: time })).toBe('INVALID_END_TIME');
    });

    it('should reject with MISSING_START_TIME / MISSING_END_TIME when a time is empty', () => {
      expect(rejectReason({ start: ' ' })).toBe('MISSING_START_TIME');
      expect(rejectReason({ end: '' })).toBe('MISSING_END_TIME');
      expect((clean(['S1', '0', '09:00']) as Reject).reason).toBe('MISSING_END_TIME');
    });

    it('should report the start time before the end time when both are invalid', () => {
      expect(rejectReason({ start: 'x', end: 'y' })).toBe('INVALID_START_TIME');
    });

    it('should keep the row when start equals end or end is before start', () => {
      expect(cleaned({ start: '00:00:00', end: '00:00:00' }).slice(2)).toEqual(['0', '0']);
      expect(cleaned({ start: '22:00', end: '02:00' }).slice(2)).toEqual(['79200', '7200']);
    });
  });
});

describe('timezones cleaner', () => {
  const clean = createTimezonesCleaner(CTX);

  describe('output shape', () => {
    it('should return store_id, timezone_str, timezone when the zone is known', () => {
      expect(clean(['S1', 'America/Boise'])).toEqual(['S1', 'America/Boise', 'America/Boise']);
    });

    it('should clean every row when reading the first rows of the timezones sample', () => {
      const rows = sampleRows('timezones.csv', 200);
      expect(rows.length).toBeGreaterThan(100);
      expect(rejectedRows(clean, rows)).toEqual([]);
      for (const fields of rows) {
        expect(clean(fields)).toEqual([fields[0], fields[1], fields[1]]);
      }
    });

    it('should trim the store id and the zone when they have surrounding whitespace', () => {
      expect(clean([' S1 ', ' America/Denver\t'])).toEqual(['S1', 'America/Denver', 'America/Denver']);
    });
  });

  describe('store id', () => {
    it.each(['', '  '])('should reject with MISSING_STORE_ID when the id is %p', (id) => {
      const result = clean([id, 'America/Denver']);
      expect((result as Reject).reason).toBe('MISSING_STORE_ID');
    });
  });

  describe('timezone', () => {
    it.each(['UTC', 'Europe/London', 'Asia/Kolkata', 'Asia/Calcutta', 'Etc/GMT+5', 'US/Central'])('should keep %p when Intl knows the zone', (zone) => {
      expect(clean(['S1', zone])).toEqual(['S1', zone, zone]);
    });

    it('should keep the name as given when Intl accepts it in another case', () => {
      expect(clean(['S1', 'america/chicago'])).toEqual(['S1', 'america/chicago', 'america/chicago']);
    });

    it.each(['Mars/Olympus', 'America/Chicag', 'not a zone', '+05:00', '-0500', 'Z', '5'])(
      'should fall back to America/Chicago and keep the given name when the zone is %p',
      (zone) => {
        expect(clean(['S1', zone])).toEqual(['S1', zone, DEFAULT_STORE_TIMEZONE]);
      },
    );

    it.each([[['S1', '']], [['S1', '   ']], [['S1']]])('should give a null timezone_str and America/Chicago when the zone is empty or absent: %p', (fields) => {
      expect(clean(fields)).toEqual(['S1', null, 'America/Chicago']);
    });

    it('should export America/Chicago as a known default zone', () => {
      expect(DEFAULT_STORE_TIMEZONE).toBe('America/Chicago');
      expect(isKnownTimeZone(DEFAULT_STORE_TIMEZONE)).toBe(true);
    });

    it('should ask Intl once per distinct name when names repeat', () => {
      const spy = jest.spyOn(Intl, 'DateTimeFormat');
      try {
        const fresh = createTimezonesCleaner(CTX);
        for (let i = 0; i < 5; i++) {
          fresh(['S1', 'Europe/Paris']);
          fresh(['S2', 'Nowhere/Land']);
        }
        expect(spy).toHaveBeenCalledTimes(2);
        expect(fresh(['S3', 'Nowhere/Land'])).toEqual(['S3', 'Nowhere/Land', DEFAULT_STORE_TIMEZONE]);
      } finally {
        spy.mockRestore();
      }
    });

    it('should stop memoising but keep answering when more than 10,000 distinct names arrive', () => {
      const fresh = createTimezonesCleaner(CTX);
      for (let i = 0; i < 10_000; i++) fresh(['S', `Zone/N${i}`]);
      const spy = jest.spyOn(Intl, 'DateTimeFormat');
      try {
        expect(fresh(['S1', 'Europe/Paris'])).toEqual(['S1', 'Europe/Paris', 'Europe/Paris']);
        expect(fresh(['S1', 'Europe/Paris'])).toEqual(['S1', 'Europe/Paris', 'Europe/Paris']);
        expect(spy).toHaveBeenCalledTimes(2);
      } finally {
        spy.mockRestore();
      }
    });
  });
});
