import { BusinessHoursRow, Poll, REPORT_CSV_HEADER, REPORT_WINDOWS_US, StoreUptime, businessIntervals, formatReportRow, reportRowValues, storeUptime } from './store-uptime';
import { ZoneClock } from './zone-clock';
import { seededRandom } from '../datagen/prng';

const us = (iso: string): number => Date.parse(iso) * 1000;
const MIN_US = 60e6;
const HOUR_US = 3_600e6;
const DAY_US = 86_400e6;
const WEEK_US = REPORT_WINDOWS_US[2];
const H = 3600;
const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];

const hm = (text: string): number => {
  const [h, m] = text.split(':').map(Number);
  return h * H + m * 60;
};
const row = (dayOfWeek: number, start: string, end: string): BusinessHoursRow => ({ dayOfWeek, startSec: hm(start), endSec: hm(end) });
const daily = (start: string, end: string): BusinessHoursRow[] => EVERY_DAY.map((d) => row(d, start, end));
const poll = (atUs: number, isActive: boolean): Poll => ({ atUs, isActive });
const clockFor = (zone: string, nowUs: number): ZoneClock => new ZoneClock(zone, nowUs - WEEK_US, nowUs);
const measure = (list: number[]): number => list.reduce((sum, x, i) => sum + (i % 2 === 0 ? -x : x), 0);
const report = (u: StoreUptime): string => formatReportRow('s', u).slice(2);

function uptime(zone: string, nowUs: number, hours: BusinessHoursRow[], polls: Poll[], prior: Poll | null = null): StoreUptime {
  return storeUptime({ hours, clock: clockFor(zone, nowUs), nowUs, prior, polls });
}

const WED = us('2023-01-25T18:00:00Z'); // Wednesday 2023-01-25 18:00 UTC

describe('storeUptime: product issue examples', () => {
  it('should report all business time as downtime when a 24×7 store has no polls', () => {
    expect(report(uptime('UTC', WED, [], []))).toBe('0.00,0.00,0.00,60.00,24.00,168.00');
  });

  it('should back-fill an active poll a day ago to the whole week when it is the only poll', () => {
    expect(report(uptime('UTC', WED, [], [poll(WED - DAY_US, true)]))).toBe('60.00,24.00,168.00,0.00,0.00,0.00');
  });

  it('should split the last hour 30/30 when polls are active an hour ago and inactive 30 minutes ago', () => {
    const u = uptime('UTC', WED, [], [poll(WED - 60 * MIN_US, true), poll(WED - 30 * MIN_US, false)]);
    expect(u.upUs[0]).toBe(30 * MIN_US);
    expect(u.businessUs[0]).toBe(60 * MIN_US);
    // The first poll is back-filled to the start of the day and the week.
    expect(report(u)).toBe('30.00,23.50,167.50,30.00,0.50,0.50');
  });

  it('should count 10 business hours in the last day when a New York store opens Tue and Wed 10:00–20:00', () => {
    // now = Wed 13:00 EST; last day = Tue 13:00–20:00 EST + Wed 10:00–13:00 EST.
    const hours = [row(1, '10:00', '20:00'), row(2, '10:00', '20:00')];
    const u = uptime('America/New_York', WED, hours, [poll(WED - DAY_US, true)]);
    expect(u.upUs[1]).toBe(10 * HOUR_US);
    expect(u.businessUs[1]).toBe(10 * HOUR_US);
    // The week adds Wed 2023-01-18 13:00–20:00 EST.
    expect(report(u)).toBe('60.00,10.00,20.00,0.00,0.00,0.00');
  });

  it('should give 45 up and 15 down in the last hour when polls are active 45 and inactive 15 minutes ago', () => {
    const now = us('2023-01-25T12:00:00Z');
    const u = uptime('UTC', now, [row(2, '00:00', '23:59')], [poll(now - 45 * MIN_US, true), poll(now - 15 * MIN_US, false)]);
    expect([u.upUs[0], u.businessUs[0]]).toEqual([45 * MIN_US, 60 * MIN_US]);
    // Day: Wed 00:00–12:00; week adds Wed 2023-01-18 12:00–23:59 (11 h 59 min = 11.98 h).
    expect(report(u)).toBe('45.00,11.75,23.73,15.00,0.25,0.25');
  });

  it('should count 4 hours a day and 28 a week when the store opens 22:00–02:00 every day', () => {
    for (const now of [WED, us('2023-01-25T23:00:00Z'), us('2023-01-25T01:00:00Z')]) {
      const u = uptime('UTC', now, daily('22:00', '02:00'), []);
      expect(u.businessUs[1]).toBe(4 * HOUR_US);
      expect(u.businessUs[2]).toBe(28 * HOUR_US);
      expect(u.upUs).toEqual([0, 0, 0]);
    }
  });
});

describe('storeUptime: window boundaries and prior status', () => {
  it('should use the poll status for the whole window when it is exactly at the window start', () => {
    const up = uptime('UTC', WED, [], [poll(WED - 2 * HOUR_US, false), poll(WED - HOUR_US, true)]);
    expect([up.upUs[0], up.upUs[1]]).toEqual([HOUR_US, HOUR_US]);
    const down = uptime('UTC', WED, [], [poll(WED - 2 * HOUR_US, true), poll(WED - HOUR_US, false)]);
    expect([down.upUs[0], down.upUs[1]]).toEqual([0, 23 * HOUR_US]);
  });

  it('should back-fill a poll exactly at now when it is the only one', () => {
    expect(uptime('UTC', WED, [], [poll(WED, true)]).upUs).toEqual([HOUR_US, DAY_US, WEEK_US]);
    expect(uptime('UTC', WED, [], [poll(WED, false)]).upUs).toEqual([0, 0, 0]);
  });

  it('should change nothing when a poll exactly at now follows others', () => {
    const u = uptime('UTC', WED, [], [poll(WED - 2 * HOUR_US, true), poll(WED, false)]);
    expect(u.upUs).toEqual([HOUR_US, DAY_US, WEEK_US]);
  });

  it('should take the start-of-week status from the prior poll when there is one', () => {
    const polls = [poll(WED - DAY_US, true)];
    expect(uptime('UTC', WED, [], polls, poll(WED - WEEK_US - HOUR_US, false)).upUs).toEqual([HOUR_US, DAY_US, DAY_US]);
    expect(uptime('UTC', WED, [], [poll(WED - DAY_US, false)], poll(WED - WEEK_US - HOUR_US, true)).upUs).toEqual([0, 0, 6 * DAY_US]);
    expect(uptime('UTC', WED, [], [], poll(WED - WEEK_US - HOUR_US, true)).upUs).toEqual([HOUR_US, DAY_US, WEEK_US]);
  });

  it('should count only business time as up when the store is active outside its hours', () => {
    const u = uptime('UTC', WED, daily('09:00', '17:00'), [poll(WED - WEEK_US, true)]);
    expect(u.upUs).toEqual([0, 8 * HOUR_US, 56 * HOUR_US]);
    expect(u.businessUs).toEqual(u.upUs);
  });
});

describe('businessIntervals', () => {
  const utc = new ZoneClock('UTC', us('2023-01-01T00:00:00Z'), us('2023-02-01T00:00:00Z'));
  const day = [us('2023-01-25T00:00:00Z'), us('2023-01-26T00:00:00Z')] as const; // a Wednesday

  it('should be the whole range when there are no rows', () => {
    expect(businessIntervals([], utc, ...day)).toEqual([...day]);
    expect(businessIntervals([], utc, day[1], day[0])).toEqual([]);
  });

  it('should merge overlapping and touching rows when a day has several', () => {
    expect(businessIntervals([row(2, '09:00', '13:00'), row(2, '12:00', '17:00')], utc, ...day)).toEqual([us('2023-01-25T09:00:00Z'), us('2023-01-25T17:00:00Z')]);
    expect(businessIntervals([row(2, '12:00', '17:00'), row(2, '09:00', '12:00')], utc, ...day)).toEqual([us('2023-01-25T09:00:00Z'), us('2023-01-25T17:00:00Z')]);
    expect(businessIntervals([row(2, '14:00', '15:00'), row(2, '09:00', '10:00')], utc, ...day)).toEqual([
      us('2023-01-25T09:00:00Z'),
      us('2023-01-25T10:00:00Z'),
      us('2023-01-25T14:00:00Z'),
      us('2023-01-25T15:00:00Z'),
    ]);
  });

  it('should cover the whole local day when start equals end', () => {
    for (const at of ['00:00', '10:00']) {
      expect(businessIntervals([row(2, at, at)], utc, us('2023-01-20T00:00:00Z'), us('2023-01-30T00:00:00Z'))).toEqual([...day]);
    }
  });

  it('should take the overnight part from the day before when the range starts at midnight', () => {
    expect(businessIntervals([row(1, '22:00', '02:00')], utc, ...day)).toEqual([day[0], us('2023-01-25T02:00:00Z')]);
  });

  it('should clip to the range when rows of other weekdays are present', () => {
    const from = us('2023-01-25T10:30:00Z');
    expect(businessIntervals([row(2, '09:00', '17:00'), row(3, '09:00', '17:00')], utc, from, day[1])).toEqual([from, us('2023-01-25T17:00:00Z')]);
  });

  it('should give 23 h and 25 h when a 00:00–00:00 Sunday in Chicago has a DST change', () => {
    const chicago = new ZoneClock('America/Chicago', us('2023-01-01T00:00:00Z'), us('2024-01-01T00:00:00Z'));
    const sunday = [row(6, '00:00', '00:00')];
    const spring = businessIntervals(sunday, chicago, us('2023-03-11T00:00:00Z'), us('2023-03-15T00:00:00Z'));
    expect(spring).toEqual([us('2023-03-12T06:00:00Z'), us('2023-03-13T05:00:00Z')]);
    expect(measure(spring)).toBe(23 * HOUR_US);
    const fall = businessIntervals(sunday, chicago, us('2023-11-04T00:00:00Z'), us('2023-11-08T00:00:00Z'));
    expect(fall).toEqual([us('2023-11-05T05:00:00Z'), us('2023-11-06T06:00:00Z')]);
    expect(measure(fall)).toBe(25 * HOUR_US);
  });

  it('should drop a row when it lies entirely in the spring-forward gap', () => {
    // 02:30 reads as 03:30 CDT and 03:00 as 03:00 CDT: nothing is left.
    const chicago = new ZoneClock('America/Chicago', us('2023-03-10T00:00:00Z'), us('2023-03-14T00:00:00Z'));
    expect(businessIntervals([row(6, '02:30', '03:00')], chicago, us('2023-03-11T00:00:00Z'), us('2023-03-14T00:00:00Z'))).toEqual([]);
    expect(businessIntervals([row(6, '02:00', '02:30')], chicago, us('2023-03-11T00:00:00Z'), us('2023-03-14T00:00:00Z'))).toEqual([
      us('2023-03-12T08:00:00Z'),
      us('2023-03-12T08:30:00Z'),
    ]);
  });
});

describe('storeUptime: DST weeks', () => {
  // now = Wed 2023-03-15 00:00 CDT; the week starts Tue 2023-03-07 23:00 CST and holds Sun 03-12.
  const chicagoNow = us('2023-03-15T05:00:00Z');

  it('should count the real 168 hours when a Chicago store is open 00:00–00:00 every day of the spring-forward week', () => {
    // The local Sunday lasts 23 h, but the window is 168 h of real time and every instant of it
    // belongs to some local day, so the schedule covers it all (the window begins at 23:00 on
    // Tuesday local, an hour earlier on the wall clock than it ends).
    const u = uptime('America/Chicago', chicagoNow, daily('00:00', '00:00'), []);
    expect(u.businessUs).toEqual([HOUR_US, DAY_US, WEEK_US]);
  });

  it('should count 56 hours when a Chicago store is open 09:00–17:00 every day of the spring-forward week', () => {
    const u = uptime('America/Chicago', chicagoNow, daily('09:00', '17:00'), [poll(chicagoNow - WEEK_US, true)]);
    expect(u.businessUs).toEqual([0, 8 * HOUR_US, 56 * HOUR_US]);
    expect(report(u)).toBe('0.00,8.00,56.00,0.00,0.00,0.00');
  });

  it('should count 3 real hours for 00:30–02:30 and 15 in the week when London falls back', () => {
    // 2023-10-29 00:30 BST = 10-28 23:30 UTC; 02:30 comes after the repeated hour: 02:30 GMT.
    const now = us('2023-10-31T12:00:00Z');
    const london = clockFor('Europe/London', now);
    const fallBackDay = businessIntervals(daily('00:30', '02:30'), london, us('2023-10-28T12:00:00Z'), us('2023-10-29T12:00:00Z'));
    expect(fallBackDay).toEqual([us('2023-10-28T23:30:00Z'), us('2023-10-29T02:30:00Z')]);
    // Oct 25–28 (BST) 4 × 2 h, Oct 29 3 h, Oct 30–31 (GMT) 2 × 2 h.
    const u = uptime('Europe/London', now, daily('00:30', '02:30'), []);
    expect(u.businessUs[2]).toBe(15 * HOUR_US);
    expect(report(u)).toBe('0.00,0.00,0.00,0.00,2.00,15.00');
  });
});

describe('formatReportRow', () => {
  const u = (upUs: [number, number, number], businessUs: [number, number, number]): StoreUptime => ({ upUs, businessUs });

  it('should print minutes for the hour and hours for day and week when formatting a row', () => {
    expect(formatReportRow('42', u([HOUR_US, DAY_US, WEEK_US], [HOUR_US, DAY_US, WEEK_US]))).toBe('42,60.00,24.00,168.00,0.00,0.00,0.00');
    expect(formatReportRow('42', u([0, 0, 0], [0, 0, 0]))).toBe('42,0.00,0.00,0.00,0.00,0.00,0.00');
    expect(REPORT_CSV_HEADER.split(',')).toHaveLength(7);
  });

  it('should keep uptime plus downtime equal to printed business time when rounding halves up', () => {
    // 0.3 s = 0.005 min, 18 s = 0.005 h: halves go up to 0.01.
    expect(formatReportRow('x', u([300_000, 18e6, 18e6], [300_000, 18e6, 54e6]))).toBe('x,0.01,0.01,0.01,0.00,0.00,0.01');
    // 0.29 s rounds down; business 0.59 s rounds to 0.01, so downtime shows the whole 0.01.
    expect(formatReportRow('x', u([290_000, 0, 0], [590_000, 0, 0]))).toBe('x,0.00,0.00,0.00,0.01,0.00,0.00');
    // Just under a whole week minus one microsecond of downtime.
    expect(formatReportRow('x', u([0, 0, WEEK_US - 1], [0, 0, WEEK_US]))).toBe('x,0.00,0.00,168.00,0.00,0.00,0.00');
  });

  it('should give the printed figures, uptime then downtime, when asked for the values of a row', () => {
    expect(reportRowValues(u([HOUR_US / 2, DAY_US, 18e6], [HOUR_US, DAY_US, WEEK_US]))).toEqual(['30.00', '24.00', '0.01', '30.00', '0.00', '167.99']);
    expect(reportRowValues(u([HOUR_US / 2, DAY_US, 18e6], [HOUR_US, DAY_US, WEEK_US])).map(Number)).toEqual([30, 24, 0.01, 30, 0, 167.99]);
  });

  it('should quote the store id per RFC 4180 when it holds a comma, quote or newline', () => {
    const zero = u([0, 0, 0], [0, 0, 0]);
    expect(formatReportRow('a,b', zero).split(',0.00')[0]).toBe('"a,b"');
    expect(formatReportRow('say "hi"', zero).split(',0.00')[0]).toBe('"say ""hi"""');
    expect(formatReportRow('a\nb', zero).split(',0.00')[0]).toBe('"a\nb"');
    expect(formatReportRow('plain-id', zero).split(',0.00')[0]).toBe('plain-id');
  });
});

// ---- Random stores against a minute-by-minute reference that uses Intl directly ----

const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const intlFormats = new Map<string, Intl.DateTimeFormat>();
function intlWall(zone: string, utcSec: number): { y: number; m: number; d: number; weekday: number; local: number } {
  let format = intlFormats.get(zone);
  if (!format) {
    const n = 'numeric';
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      ...{ year: n, month: n, day: n, hour: n, minute: n, second: n },
    });
    intlFormats.set(zone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(utcSec * 1000)).map((x) => [x.type, x.value]));
  const [y, m, d] = [Number(p.year), Number(p.month), Number(p.day)];
  const local = Date.UTC(y, m - 1, d) / 1000 + Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second);
  return { y, m, d, weekday: WEEKDAY_NAMES.indexOf(p.weekday), local };
}
const intlOffset = (zone: string, utcSec: number): number => intlWall(zone, utcSec).local - utcSec;
/** Skipped wall times use the offset before the gap; repeated ones their first occurrence. */
function intlLocalToUtcSec(zone: string, localSec: number): number {
  const before = intlOffset(zone, localSec - 86_400);
  const hits = [before, intlOffset(zone, localSec + 86_400)].map((o) => localSec - o).filter((u) => u + intlOffset(zone, u) === localSec);
  return hits.length > 0 ? Math.min(...hits) : localSec - before;
}

/** Minutes up and in business per window, sampling each minute of the week at its start. */
function referenceMinutes(zone: string, nowUs: number, hours: BusinessHoursRow[], prior: Poll | null, polls: Poll[]): { up: number[]; biz: number[] } {
  const minutes = WEEK_US / MIN_US;
  const startSec = (nowUs - WEEK_US) / 1e6;
  const business = new Uint8Array(minutes);
  if (hours.length === 0) {
    business.fill(1);
  } else {
    const first = intlWall(zone, startSec);
    const last = intlWall(zone, nowUs / 1e6);
    const lastDate = Date.UTC(last.y, last.m - 1, last.d) / 1000;
    for (let date = Date.UTC(first.y, first.m - 1, first.d) / 1000 - 86_400; date <= lastDate; date += 86_400) {
      const weekday = (new Date(date * 1000).getUTCDay() + 6) % 7;
      for (const r of hours.filter((x) => x.dayOfWeek === weekday)) {
        const endDate = r.endSec < r.startSec ? date + 86_400 : date;
        const s = intlLocalToUtcSec(zone, date + (r.startSec === r.endSec ? 0 : r.startSec));
        const e = intlLocalToUtcSec(zone, r.startSec === r.endSec ? date + 86_400 : endDate + r.endSec);
        for (let i = Math.max(0, Math.ceil((s - startSec) / 60)); i < Math.min(minutes, Math.ceil((e - startSec) / 60)); i++) {
          business[i] = 1;
        }
      }
    }
  }
  const events = prior ? [prior, ...polls] : polls;
  let next = 0;
  let status = polls.length > 0 ? polls[0].isActive : false;
  const up = [0, 0, 0];
  const biz = [0, 0, 0];
  for (let i = 0; i < minutes; i++) {
    const t = nowUs - WEEK_US + i * MIN_US;
    while (next < events.length && events[next].atUs <= t) {
      status = events[next++].isActive;
    }
    REPORT_WINDOWS_US.forEach((len, w) => {
      if (i >= minutes - len / MIN_US && business[i] === 1) {
        biz[w]++;
        up[w] += status ? 1 : 0;
      }
    });
  }
  return { up, biz };
}

const hundredths = (text: string): number => Number(text.replace('.', ''));

describe('storeUptime against a brute-force reference', () => {
  it('should agree minute for minute and print consistent rows when stores are random', () => {
    const rand = seededRandom('store-uptime');
    const int = (n: number): number => Math.floor(rand() * n);
    const zones = ['UTC', 'America/Chicago', 'Europe/London', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata'];
    zones.push('Asia/Kathmandu', 'America/St_Johns');
    // Offset changes in 2023 per zone; most stores get a week around one, with rows whose ends
    // fall in or near the skipped or repeated wall-clock hour.
    const transitions: [string, string][] = [
      ['America/Chicago', '2023-03-12T08:00:00Z'],
      ['America/Chicago', '2023-11-05T07:00:00Z'],
      ['Europe/London', '2023-03-26T01:00:00Z'],
      ['Europe/London', '2023-10-29T01:00:00Z'],
      ['Australia/Lord_Howe', '2023-04-01T15:00:00Z'],
      ['Australia/Lord_Howe', '2023-09-30T15:30:00Z'],
      ['America/Santiago', '2023-04-02T03:00:00Z'],
      ['America/Santiago', '2023-09-03T04:00:00Z'],
      ['America/St_Johns', '2023-03-12T05:30:00Z'],
      ['America/St_Johns', '2023-11-05T04:30:00Z'],
    ];
    const yearStart = us('2023-01-01T00:00:00Z');
    const minuteOf = (sec: number): number => Math.min(86_400, Math.max(0, sec));
    for (let store = 0; store < 300; store++) {
      const nearChange = rand() < 0.7;
      const [changeZone, changeAt] = transitions[int(transitions.length)];
      const zone = nearChange ? changeZone : zones[store % zones.length];
      const nowUs = nearChange ? us(changeAt) + (int(9 * 1440) - 1440) * MIN_US : yearStart + int(365 * 1440) * MIN_US;
      const weekStart = nowUs - WEEK_US;
      // Wall clock just after the change (the skipped or repeated hour ends there).
      const after = intlWall(changeZone, us(changeAt) / 1e6);
      const changeSec = after.local - Date.UTC(after.y, after.m - 1, after.d) / 1000;
      const hours: BusinessHoursRow[] = [];
      const rows = rand() < 0.15 ? 0 : 1 + int(5);
      for (let r = 0; r < rows; r++) {
        if (nearChange && rand() < 0.6) {
          const near = (): number => minuteOf(changeSec + (int(41) - 28) * 5 * 60); // −140..+60 min
          const startSec = rand() < 0.3 ? int(1440) * 60 : near();
          const endSec = rand() < 0.3 ? int(1440) * 60 : near();
          hours.push({ dayOfWeek: rand() < 0.8 ? after.weekday : (after.weekday + 6) % 7, startSec, endSec });
          continue;
        }
        const startSec = rand() < 0.1 ? 86_400 : int(1440) * 60;
        const endSec = rand() < 0.1 ? startSec : rand() < 0.1 ? 86_400 : int(1440) * 60;
        hours.push({ dayOfWeek: rand() < 0.3 ? store % 7 : int(7), startSec, endSec });
      }
      const polls: Poll[] = [];
      const pollCount = rand() < 0.1 ? 0 : int(40);
      for (let p = 0; p < pollCount; p++) {
        const at = rand() < 0.05 ? nowUs : rand() < 0.05 ? weekStart : weekStart + int(WEEK_US / MIN_US + 1) * MIN_US;
        polls.push(poll(at, rand() < 0.6));
      }
      polls.sort((a, b) => a.atUs - b.atUs);
      const prior = rand() < 0.4 ? poll(weekStart - (1 + int(5000)) * MIN_US, rand() < 0.5) : null;

      const u = storeUptime({ hours, clock: clockFor(zone, nowUs), nowUs, prior, polls });
      const ref = referenceMinutes(zone, nowUs, hours, prior, polls);
      const context = { store, zone, now: new Date(nowUs / 1000).toISOString(), hours, prior, polls };
      expect({ context, up: u.upUs, business: u.businessUs }).toEqual({
        context,
        up: ref.up.map((m) => m * MIN_US),
        business: ref.biz.map((m) => m * MIN_US),
      });

      const [, ...fields] = formatReportRow(`store-${store}`, u).split(',');
      for (let w = 0; w < 3; w++) {
        expect(u.upUs[w]).toBeLessThanOrEqual(u.businessUs[w]);
        const unit = BigInt(w === 0 ? MIN_US : HOUR_US);
        const businessC = Number((BigInt(u.businessUs[w]) * 200n + unit) / (2n * unit));
        expect(hundredths(fields[w]) + hundredths(fields[w + 3])).toBe(businessC);
        expect(hundredths(fields[w + 3])).toBeGreaterThanOrEqual(0);
      }
    }
  });
});
