import { ZoneClock, civilToEpochDay, epochDayToCivil, zoneClocks } from './zone-clock';
import { seededRandom } from '../datagen/prng';

const us = (iso: string): number => Date.parse(iso) * 1000;
const iso = (utcUs: number): string => new Date(utcUs / 1000).toISOString();
const YEAR_2023 = [us('2023-01-01T00:00:00Z'), us('2024-01-01T00:00:00Z')] as const;
const H = 3600;

// An independent reference straight from Intl (no transition table).
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const formats = new Map<string, Intl.DateTimeFormat>();
function intlWall(zone: string, utcMs: number): { y: number; m: number; d: number; sec: number; weekday: number } {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  return {
    y: Number(p.year),
    m: Number(p.month),
    d: Number(p.day),
    sec: Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second),
    weekday: WEEKDAYS.indexOf(p.weekday),
  };
}
function intlOffsetSec(zone: string, utcSec: number): number {
  const w = intlWall(zone, utcSec * 1000);
  return Date.UTC(w.y, w.m - 1, w.d) / 1000 + w.sec - utcSec;
}
/** 'compatible' disambiguation the textbook way: try the offsets a day either side. */
function intlLocalToUtcSec(zone: string, y: number, m: number, d: number, sec: number): number {
  const local = Date.UTC(y, m - 1, d) / 1000 + sec;
  const before = intlOffsetSec(zone, local - 86_400);
  const after = intlOffsetSec(zone, local + 86_400);
  const hits = [before, after].map((o) => local - o).filter((u) => u + intlOffsetSec(zone, u) === local);
  return hits.length > 0 ? Math.min(...hits) : local - before;
}

describe('civilToEpochDay / epochDayToCivil', () => {
  it('should agree with Date.UTC and getUTCDay when walking days from 1900 to 2100', () => {
    for (let day = -25_567; day <= 47_482; day += 7) {
      const date = new Date(day * 86_400_000);
      const civil = epochDayToCivil(day);
      expect(civil).toEqual({
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        weekday: (date.getUTCDay() + 6) % 7,
      });
      expect(civilToEpochDay(civil.year, civil.month, civil.day)).toBe(day);
    }
  });

  it('should normalise like Date.UTC when month or day overflow', () => {
    for (const [y, m, d] of [
      [2023, 13, 1],
      [2023, 0, 1],
      [2023, 3, 0],
      [2024, 2, 30],
      [2023, 1, 400],
      [2023, -14, -3],
    ]) {
      expect(civilToEpochDay(y, m, d)).toBe(Date.UTC(y, m - 1, d) / 86_400_000);
    }
  });
});

describe('ZoneClock.offsetSecondsAt', () => {
  const clock = zoneClocks(...YEAR_2023);

  it('should be 0 all year when the zone is UTC', () => {
    for (const at of ['2023-01-01T00:00:00Z', '2023-03-26T01:00:00Z', '2023-07-01T12:00:00Z', '2023-12-31T23:59:59Z']) {
      expect(clock('UTC').offsetSecondsAt(us(at))).toBe(0);
    }
  });

  it('should switch EST to EDT at 07:00 UTC exactly when New York springs forward', () => {
    const ny = clock('America/New_York');
    expect(ny.offsetSecondsAt(us('2023-01-15T12:00:00Z'))).toBe(-5 * H);
    expect(ny.offsetSecondsAt(us('2023-03-12T07:00:00Z') - 1)).toBe(-5 * H);
    expect(ny.offsetSecondsAt(us('2023-03-12T07:00:00Z'))).toBe(-4 * H);
    expect(ny.offsetSecondsAt(us('2023-11-05T06:00:00Z') - 1)).toBe(-4 * H);
    expect(ny.offsetSecondsAt(us('2023-11-05T06:00:00Z'))).toBe(-5 * H);
  });

  it('should switch GMT and BST at 01:00 UTC when London changes clocks', () => {
    const london = clock('Europe/London');
    expect(london.offsetSecondsAt(us('2023-03-26T01:00:00Z') - 1)).toBe(0);
    expect(london.offsetSecondsAt(us('2023-03-26T01:00:00Z'))).toBe(H);
    expect(london.offsetSecondsAt(us('2023-10-29T01:00:00Z') - 1)).toBe(H);
    expect(london.offsetSecondsAt(us('2023-10-29T01:00:00Z'))).toBe(0);
  });

  it('should be +05:30 all year when the zone is Asia/Kolkata', () => {
    for (const at of ['2023-01-01T00:00:00Z', '2023-06-30T18:29:59Z', '2023-12-31T23:59:59Z']) {
      expect(clock('Asia/Kolkata').offsetSecondsAt(us(at))).toBe(5.5 * H);
    }
  });

  it('should shift by 30 minutes when Lord Howe changes clocks', () => {
    const lordHowe = clock('Australia/Lord_Howe');
    expect(lordHowe.offsetSecondsAt(us('2023-04-01T15:00:00Z') - 1)).toBe(11 * H);
    expect(lordHowe.offsetSecondsAt(us('2023-04-01T15:00:00Z'))).toBe(10.5 * H);
    expect(lordHowe.offsetSecondsAt(us('2023-09-30T15:30:00Z') - 1)).toBe(10.5 * H);
    expect(lordHowe.offsetSecondsAt(us('2023-09-30T15:30:00Z'))).toBe(11 * H);
  });

  it('should still answer through Intl when the instant is outside the precomputed range', () => {
    const january = new ZoneClock('America/New_York', us('2023-01-10T00:00:00Z'), us('2023-01-17T00:00:00Z'));
    expect(january.offsetSecondsAt(us('2023-07-01T00:00:00Z'))).toBe(-4 * H);
    expect(january.localDayOf(us('2023-07-01T03:00:00Z'))).toEqual({ year: 2023, month: 6, day: 30, weekday: 4 });
    expect(iso(january.localToUtc(2023, 3, 12, 2.5 * H))).toBe('2023-03-12T07:30:00.000Z');
  });
});

describe('ZoneClock.localDayOf', () => {
  it('should turn the date at local midnight when the zone is New York', () => {
    const ny = new ZoneClock('America/New_York', us('2023-01-20T00:00:00Z'), us('2023-01-30T00:00:00Z'));
    expect(ny.localDayOf(us('2023-01-25T05:00:00Z') - 1)).toEqual({ year: 2023, month: 1, day: 24, weekday: 1 });
    expect(ny.localDayOf(us('2023-01-25T05:00:00Z'))).toEqual({ year: 2023, month: 1, day: 25, weekday: 2 });
  });

  it('should turn the date at 18:30 UTC when the zone is Kolkata', () => {
    const kolkata = new ZoneClock('Asia/Kolkata', us('2022-12-25T00:00:00Z'), us('2023-01-05T00:00:00Z'));
    expect(kolkata.localDayOf(us('2023-01-01T18:30:00Z') - 1)).toEqual({ year: 2023, month: 1, day: 1, weekday: 6 });
    expect(kolkata.localDayOf(us('2023-01-01T18:30:00Z'))).toEqual({ year: 2023, month: 1, day: 2, weekday: 0 });
  });
});

describe('ZoneClock.localToUtc', () => {
  const clock = zoneClocks(...YEAR_2023);
  const at = (zone: string, y: number, m: number, d: number, sec: number): string => iso(clock(zone).localToUtc(y, m, d, sec));

  it('should read a skipped time with the offset before the gap when Chicago springs forward', () => {
    expect(at('America/Chicago', 2023, 3, 12, 1.5 * H)).toBe('2023-03-12T07:30:00.000Z'); // 01:30 CST
    expect(at('America/Chicago', 2023, 3, 12, 2 * H)).toBe('2023-03-12T08:00:00.000Z'); // = 03:00 CDT
    expect(at('America/Chicago', 2023, 3, 12, 2.5 * H)).toBe('2023-03-12T08:30:00.000Z'); // = 03:30 CDT
    expect(at('America/Chicago', 2023, 3, 12, 3 * H)).toBe('2023-03-12T08:00:00.000Z'); // 03:00 CDT
  });

  it('should take the first occurrence of a repeated time when Chicago falls back', () => {
    expect(at('America/Chicago', 2023, 11, 5, 1 * H)).toBe('2023-11-05T06:00:00.000Z'); // 01:00 CDT
    expect(at('America/Chicago', 2023, 11, 5, 1.5 * H)).toBe('2023-11-05T06:30:00.000Z'); // 01:30 CDT
    expect(at('America/Chicago', 2023, 11, 5, 2 * H)).toBe('2023-11-05T08:00:00.000Z'); // 02:00 CST
  });

  it('should apply the same policy when London changes clocks', () => {
    expect(at('Europe/London', 2023, 3, 26, 1.5 * H)).toBe('2023-03-26T01:30:00.000Z'); // skipped: 02:30 BST
    expect(at('Europe/London', 2023, 3, 26, 2 * H)).toBe('2023-03-26T01:00:00.000Z'); // 02:00 BST
    expect(at('Europe/London', 2023, 10, 29, 1.5 * H)).toBe('2023-10-29T00:30:00.000Z'); // first: 01:30 BST
    expect(at('Europe/London', 2023, 10, 29, 2 * H)).toBe('2023-10-29T02:00:00.000Z'); // 02:00 GMT
  });

  it('should move local midnight an hour later when Santiago springs forward at midnight', () => {
    // Intl: 2023-09-02 23:59:59 −04 is followed by 2023-09-03 01:00:00 −03.
    expect(intlWall('America/Santiago', Date.parse('2023-09-03T04:00:00Z'))).toMatchObject({ d: 3, sec: H });
    expect(at('America/Santiago', 2023, 9, 3, 0)).toBe('2023-09-03T04:00:00.000Z'); // = 01:00 −03
    expect(at('America/Santiago', 2023, 9, 2, 86_400)).toBe('2023-09-03T04:00:00.000Z');
    expect(at('America/Santiago', 2023, 9, 3, H)).toBe('2023-09-03T04:00:00.000Z');
    expect(at('America/Santiago', 2023, 9, 2, 23 * H)).toBe('2023-09-03T03:00:00.000Z');
    // Fall back: 2023-04-01 23:00..24:00 happens twice, midnight once.
    expect(at('America/Santiago', 2023, 4, 1, 23.5 * H)).toBe('2023-04-02T02:30:00.000Z'); // first, −03
    expect(at('America/Santiago', 2023, 4, 2, 0)).toBe('2023-04-02T04:00:00.000Z');
  });

  it('should handle 30-minute gaps and overlaps when the zone is Lord Howe', () => {
    expect(at('Australia/Lord_Howe', 2023, 10, 1, 2.25 * H)).toBe('2023-09-30T15:45:00.000Z'); // skipped: 02:45 +11
    expect(at('Australia/Lord_Howe', 2023, 4, 2, 1.75 * H)).toBe('2023-04-01T14:45:00.000Z'); // first: +11
    expect(at('Australia/Lord_Howe', 2023, 4, 2, 2 * H)).toBe('2023-04-01T15:30:00.000Z'); // +10:30
  });

  it('should normalise day, month and seconds overflow when they are out of range', () => {
    const c = clock('America/New_York');
    expect(c.localToUtc(2023, 13, 1, 0)).toBe(us('2024-01-01T05:00:00Z'));
    expect(c.localToUtc(2023, 3, 0, 0)).toBe(c.localToUtc(2023, 2, 28, 0));
    expect(c.localToUtc(2023, 1, 31, 86_400)).toBe(c.localToUtc(2023, 2, 1, 0));
    expect(c.localToUtc(2023, 1, 32, 10 * H)).toBe(c.localToUtc(2023, 2, 1, 10 * H));
    expect(c.localToUtc(2023, 5, 1, 86_400 * 3 + H)).toBe(c.localToUtc(2023, 5, 4, H));
  });

  it('should make no Intl call when converting inside the precomputed range', () => {
    const c = new ZoneClock('Europe/London', us('2023-03-20T00:00:00Z'), us('2023-03-30T00:00:00Z'));
    const spy = jest.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    try {
      for (let day = 18; day <= 31; day++) {
        c.localToUtc(2023, 3, day, 1.5 * H);
        c.localDayOf(us('2023-03-20T00:00:00Z') + day * 3_600_000_000);
        c.offsetSecondsAt(us('2023-03-16T00:00:00Z') + day * 3_600_000_000);
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('ZoneClock against Intl', () => {
  // [zone, number of offset changes in 2023]
  const zones: [string, number][] = [
    ['America/New_York', 2],
    ['Europe/London', 2],
    ['Australia/Lord_Howe', 2],
    ['America/Santiago', 2],
    ['Asia/Kathmandu', 0],
  ];
  const clock = zoneClocks(...YEAR_2023);
  const rand = seededRandom(2023);

  it.each(zones)('should match a brute-force Intl conversion on random instants when the zone is %s', (zone, changes) => {
    const c = clock(zone);
    const yearSec = (YEAR_2023[1] - YEAR_2023[0]) / 1e6;
    // Local dates around each offset change, found by a daily Intl scan, get extra samples.
    const changeDays: number[] = [];
    for (let s = YEAR_2023[0] / 1e6; s < YEAR_2023[1] / 1e6; s += 86_400) {
      if (intlOffsetSec(zone, s) !== intlOffsetSec(zone, s + 86_400)) {
        changeDays.push(s);
      }
    }
    expect(changeDays).toHaveLength(changes);
    for (let i = 0; i < 800; i++) {
      const utcUs = YEAR_2023[0] + Math.floor(rand() * yearSec) * 1e6 + Math.floor(rand() * 1e6);
      const utcSec = Math.floor(utcUs / 1e6);
      const wall = intlWall(zone, utcSec * 1000);
      expect(c.offsetSecondsAt(utcUs)).toBe(intlOffsetSec(zone, utcSec));
      expect(c.localDayOf(utcUs)).toEqual({ year: wall.y, month: wall.m, day: wall.d, weekday: wall.weekday });

      const base = i % 2 === 0 || changes === 0 ? utcSec : changeDays[i % changeDays.length] + Math.floor(rand() * 2 * 86_400);
      const day = intlWall(zone, base * 1000);
      const sec = rand() < 0.5 ? Math.floor(rand() * 96) * 900 : Math.floor(rand() * 86_401);
      expect(c.localToUtc(day.y, day.m, day.d, sec)).toBe(intlLocalToUtcSec(zone, day.y, day.m, day.d, sec) * 1e6);
    }
  });
});

describe('ZoneClock.isValidZone and zoneClocks', () => {
  it('should reject a zone name when Intl does not know it', () => {
    expect(ZoneClock.isValidZone('Europe/London')).toBe(true);
    expect(ZoneClock.isValidZone('UTC')).toBe(true);
    expect(ZoneClock.isValidZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => new ZoneClock('Mars/Olympus_Mons', 0, 1)).toThrow(RangeError);
  });

  it('should give the same clock when the same zone is asked twice', () => {
    const clock = zoneClocks(...YEAR_2023);
    expect(clock('Asia/Kolkata')).toBe(clock('Asia/Kolkata'));
    expect(clock('Asia/Kolkata')).not.toBe(clock('Europe/London'));
    expect(clock('Asia/Kolkata').zone).toBe('Asia/Kolkata');
  });
});
