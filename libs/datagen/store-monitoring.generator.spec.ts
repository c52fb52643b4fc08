import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import {
  generateStoreMonitoringFeeds,
  MENU_HOURS_HEADER,
  STORE_STATUS_HEADER,
  STORE_TIMEZONES,
  STORE_UNKNOWN_TIMEZONES,
  storeId,
  storeMonitoringCsvStrings,
  StoreMonitoringGenOptions,
  TIMEZONES_HEADER,
  writeStoreMonitoringFeed,
} from './index';
import { CollectingWritable } from './collecting-writable.spec-helper';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TS_UTC = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?( UTC)?$/;
const TS_ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;
const HMS = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;

interface Poll {
  line: string;
  store: string;
  active: boolean;
  /** Microseconds since the epoch. */
  us: number;
  form: 'utc' | 'bare' | 'iso';
  digits: number;
}

/** Parses a timestamp_utc the way a loader should (an independent model of the formats). */
function parseTimestamp(s: string): Pick<Poll, 'us' | 'form' | 'digits'> | null {
  const r = TS_UTC.exec(s) ?? TS_ISO.exec(s);
  if (!r) return null;
  const ms = Date.UTC(+r[1], +r[2] - 1, +r[3], +r[4], +r[5], +r[6]);
  const frac = r[7] ?? '';
  const us = ms * 1000 + (frac === '' ? 0 : +frac.padEnd(6, '0'));
  const form = s.endsWith('Z') ? 'iso' : r[8] ? 'utc' : 'bare';
  return { us, form, digits: frac.length };
}

function lines(csv: string, header: string): string[] {
  const all = csv.split('\n');
  expect(all[0]).toBe(header);
  expect(all[all.length - 1]).toBe(''); // ends with a newline
  return all.slice(1, -1);
}

function parsePolls(csv: string): Poll[] {
  const bad: string[] = [];
  const polls = lines(csv, STORE_STATUS_HEADER).map((line) => {
    const f = line.split(',');
    const ts = f.length === 3 ? parseTimestamp(f[2]) : null;
    if (!ts || !UUID.test(f[0]) || (f[1] !== 'active' && f[1] !== 'inactive')) bad.push(line);
    return { line, store: f[0], active: f[1] === 'active', ...ts! };
  });
  expect(bad).toEqual([]);
  return polls;
}

interface HoursRow {
  store: string;
  day: number;
  start: string;
  end: string;
}

function parseHours(csv: string): HoursRow[] {
  const bad: string[] = [];
  const rows = lines(csv, MENU_HOURS_HEADER).map((line) => {
    const f = line.split(',');
    const ok = f.length === 4 && UUID.test(f[0]) && /^[0-6]$/.test(f[1]);
    if (!ok || !HMS.test(f[2]) || !HMS.test(f[3])) bad.push(line);
    return { store: f[0], day: +f[1], start: f[2], end: f[3] };
  });
  expect(bad).toEqual([]);
  return rows;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

const between = (v: number, lo: number, hi: number): void => {
  expect(v).toBeGreaterThanOrEqual(lo);
  expect(v).toBeLessThanOrEqual(hi);
};

const MINUTE_US = 60_000_000;

describe('store-monitoring generator', () => {
  // Hourly polls: 300 stores × 3 weeks ≈ 150K polls, enough for per-store statistics.
  const hourly = storeMonitoringCsvStrings({ stores: 300, days: 21, intervalMinutes: 60, seed: 5 });
  const hourlyPolls = parsePolls(hourly.statusCsv);
  // The default interval rule (from a row target), more stores.
  const target = storeMonitoringCsvStrings({ stores: 3_000, rows: 60_000, seed: 9 });
  const targetPolls = parsePolls(target.statusCsv);
  const hours = parseHours(target.hoursCsv);

  it('should produce byte-identical feeds when given the same seed', () => {
    const a = storeMonitoringCsvStrings({ stores: 500, rows: 20_000, seed: 3 });
    const b = storeMonitoringCsvStrings({ stores: 500, rows: 20_000, seed: 3 });
    expect(a.statusCsv).toBe(b.statusCsv);
    expect(a.hoursCsv).toBe(b.hoursCsv);
    expect(a.timezonesCsv).toBe(b.timezonesCsv);
    expect(a).toEqual(b);
  });

  it('should produce other store ids and polls when given another seed', () => {
    const a = storeMonitoringCsvStrings({ stores: 500, rows: 5_000, seed: 1 });
    const b = storeMonitoringCsvStrings({ stores: 500, rows: 5_000, seed: 2 });
    const idsA = new Set(lines(a.timezonesCsv, TIMEZONES_HEADER).map((l) => l.split(',')[0]));
    const idsB = lines(b.timezonesCsv, TIMEZONES_HEADER).map((l) => l.split(',')[0]);
    expect(idsB.filter((id) => idsA.has(id))).toEqual([]);
    expect(a.statusCsv).not.toBe(b.statusCsv);
  });

  it('should write the headers and report exactly the rows, bytes and unknown zones in the files', () => {
    for (const res of [hourly, target]) {
      expect(lines(res.statusCsv, STORE_STATUS_HEADER)).toHaveLength(res.statusRows);
      expect(lines(res.hoursCsv, MENU_HOURS_HEADER)).toHaveLength(res.hoursRows);
      const zones = lines(res.timezonesCsv, TIMEZONES_HEADER);
      expect(zones).toHaveLength(res.timezoneRows);
      const unknown = zones.filter((l) => STORE_UNKNOWN_TIMEZONES.includes(l.split(',')[1]));
      expect(unknown).toHaveLength(res.unknownZones);
      expect(res.statusBytes).toBe(res.statusCsv.length);
      expect(res.hoursBytes).toBe(res.hoursCsv.length);
      expect(res.timezoneBytes).toBe(res.timezonesCsv.length);
      const all = res.statusCsv + res.hoursCsv + res.timezonesCsv;
      expect(/^[\x20-\x7e\n]*$/.test(all)).toBe(true); // printable ASCII, LF line ends
    }
  });

  it('should share unique UUID-looking store ids across the files, every store in at least one', () => {
    const res = target;
    const zones = lines(res.timezonesCsv, TIMEZONES_HEADER).map((l) => l.split(','));
    const expected = Array.from({ length: res.stores }, (_, i) => storeId(9, i));
    const known = new Set(expected);
    expect(known.size).toBe(res.stores);
    expect(expected.filter((id) => !UUID.test(id))).toEqual([]);
    const polled = new Set(targetPolls.map((p) => p.store));
    const inHours = new Set(hours.map((h) => h.store));
    const inZones = new Set(zones.map((z) => z[0]));
    expect(inZones.size).toBe(zones.length); // one row per store
    for (const s of [polled, inHours, inZones]) expect([...s].filter((id) => !known.has(id))).toEqual([]);
    expect(new Set([...polled, ...inHours, ...inZones]).size).toBe(res.stores);
    expect(res.storesWithoutPolls).toBe(res.stores - polled.size);
    between(res.storesWithoutPolls / res.stores, 0.004, 0.02); // ~1 % never poll
  });

  it('should order polls by instant, inside [endAt - days, endAt), with the first and last reported', () => {
    for (const [res, polls, days] of [
      [hourly, hourlyPolls, 21],
      [target, targetPolls, 63],
    ] as const) {
      const endUs = res.endAt.getTime() * 1000;
      const startUs = endUs - days * 86_400 * 1e6;
      let unordered = 0;
      for (let i = 1; i < polls.length; i++) if (polls[i].us < polls[i - 1].us) unordered++;
      expect(unordered).toBe(0);
      expect(polls[0].us).toBeGreaterThanOrEqual(startUs);
      expect(polls[polls.length - 1].us).toBeLessThan(endUs);
      expect(res.firstPollAt!.getTime()).toBe(Math.floor(polls[0].us / 1000));
      expect(res.lastPollAt!.getTime()).toBe(Math.floor(polls[polls.length - 1].us / 1000));
      // The last poll is just before endAt (many stores, each polled every interval ± 20 %).
      const lastGap = endUs - polls[polls.length - 1].us;
      expect(lastGap).toBeLessThan(res.intervalMinutes * MINUTE_US * 0.05);
    }
    expect(hourly.endAt.toISOString()).toBe('2024-10-14T00:00:00.000Z');
  });

  it('should keep every poll before a non-round endAt', () => {
    const endAt = new Date('2024-03-10T12:34:56.789Z');
    const opts = { stores: 200, days: 2, intervalMinutes: 30, endAt, seed: 4 };
    const res = storeMonitoringCsvStrings(opts);
    const polls = parsePolls(res.statusCsv);
    expect(polls.length).toBeGreaterThan(15_000);
    expect(polls.filter((p) => p.us >= endAt.getTime() * 1000)).toEqual([]);
    expect(res.lastPollAt!.getTime()).toBeLessThan(endAt.getTime());
  });

  it('should land near the row target and use the interval days·1440·(polling stores)/rows', () => {
    between(target.statusRows / 60_000, 0.97, 1.03);
    const polling = target.stores - target.storesWithoutPolls;
    expect(target.intervalMinutes).toBeCloseTo((63 * 1440 * polling) / 60_000, 6);
    const dflt = storeMonitoringCsvStrings({ stores: 140, rows: 20_000 });
    between(dflt.intervalMinutes / 60, 10.3, 10.7); // the default ratio: ≈ 10.5 h
  });

  it('should poll each store every interval ± 20 % when intervalMinutes is given', () => {
    expect(hourly.intervalMinutes).toBe(60);
    let gaps = 0;
    let sum = 0;
    const outside: number[] = [];
    for (const list of groupBy(hourlyPolls, (p) => p.store).values()) {
      for (let i = 1; i < list.length; i++) {
        if (list[i].line === list[i - 1].line) continue; // a re-sent poll
        const minutes = (list[i].us - list[i - 1].us) / MINUTE_US;
        if (minutes < 48 - 1 / 60 || minutes > 72) outside.push(minutes);
        gaps++;
        sum += minutes;
      }
    }
    expect(outside).toEqual([]);
    between(sum / gaps, 59.5, 60.5);
    const perStore = hourly.statusRows / (hourly.stores - hourly.storesWithoutPolls);
    between(perStore, 21 * 24 - 2, 21 * 24 + 2);
  });

  it('should re-send ~0.05 % of polls as exact duplicate lines, reported, and repeat no other (store, instant)', () => {
    for (const [res, polls] of [
      [hourly, hourlyPolls],
      [target, targetPolls],
    ] as const) {
      let adjacent = 0;
      for (let i = 1; i < polls.length; i++) if (polls[i].line === polls[i - 1].line) adjacent++;
      expect(adjacent).toBe(res.duplicates);
      const keys = new Set(polls.map((p) => p.store + '@' + p.us));
      expect(keys.size).toBe(polls.length - res.duplicates);
    }
    // ~0.05 %: 75 expected over ~150K polls.
    between(hourly.duplicates, 40, 115);
  });

  it('should write timestamps mostly as "… UTC" with 0-6 fraction digits, ~5 % ISO and ~1 % without UTC', () => {
    const all = [...hourlyPolls, ...targetPolls];
    const count = (form: Poll['form']): number => all.filter((p) => p.form === form).length;
    between(count('iso') / all.length, 0.04, 0.06);
    between(count('bare') / all.length, 0.006, 0.014);
    const digits = new Set(all.filter((p) => p.form === 'utc').map((p) => p.digits));
    expect([...digits].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const six = all.filter((p) => p.form === 'utc' && p.digits === 6).length;
    between(six / all.length, 0.6, 0.85);
    // No trailing zero in a fraction (trimmed), and the "… UTC" forms without a fraction have no dot.
    expect(all.filter((p) => /\.\d*0( UTC)?$/.test(p.line))).toEqual([]);
  });

  it('should make most stores up ~97 % with short outages and ~5 % flaky stores up ~60 %', () => {
    const shares: number[] = [];
    let runs = 0;
    let runPolls = 0;
    let longest = 0;
    for (const list of groupBy(hourlyPolls, (p) => p.store).values()) {
      const distinct = list.filter((p, i) => i === 0 || p.line !== list[i - 1].line);
      const share = distinct.filter((p) => p.active).length / distinct.length;
      shares.push(share);
      if (share < 0.8) continue;
      let run = 0;
      for (const p of [...distinct, { active: true }]) {
        if (!p.active) run++;
        else if (run > 0) {
          runs++;
          runPolls += run;
          longest = Math.max(longest, run);
          run = 0;
        }
      }
    }
    const flaky = shares.filter((s) => s < 0.8);
    between(flaky.length / shares.length, 0.02, 0.09);
    between(flaky.reduce((a, b) => a + b, 0) / flaky.length, 0.52, 0.68);
    const steady = shares.filter((s) => s >= 0.8).sort((a, b) => a - b);
    between(steady[steady.length >> 1], 0.955, 0.985);
    between(runPolls / runs, 1.5, 3.2); // outages of one to several polls
    expect(longest).toBeGreaterThanOrEqual(6);
  });

  it('should give hours with the specified shares: none, regular, split, overnight, whole-day', () => {
    const byStore = groupBy(hours, (h) => h.store);
    const n = target.stores;
    between(target.hoursRows / n, 5.7, 6.6); // ≈ 6.1 per store
    between((n - byStore.size) / n, 0.08, 0.12); // no rows: open 24×7
    let whole = 0;
    let overnight = 0;
    let split = 0;
    let overlapping = 0;
    let closedSomeDay = 0;
    for (const rows of byStore.values()) {
      const perDay = groupBy(rows, (r) => String(r.day));
      expect(Math.max(...[...perDay.values()].map((l) => l.length))).toBeLessThanOrEqual(2);
      if (perDay.size < 7) closedSomeDay++;
      if (rows.some((r) => r.start === r.end)) {
        whole++;
        expect(rows.every((r) => r.start === '00:00:00' && r.end === '00:00:00')).toBe(true);
      } else if (rows.some((r) => r.end < r.start)) {
        overnight++;
      } else if ([...perDay.values()].some((l) => l.length === 2)) {
        split++;
        const overlaps = (l: HoursRow[]): boolean => l.length === 2 && l[1].start < l[0].end;
        if ([...perDay.values()].some(overlaps)) overlapping++;
      }
    }
    between(whole / n, 0.01, 0.03);
    between(overnight / n, 0.06, 0.1);
    between(split / n, 0.125, 0.175);
    between(overlapping / split, 0.1, 0.3);
    between(closedSomeDay / byStore.size, 0.6, 0.85); // ~0.72
  });

  it('should give ~95 % of stores a zone, mostly America/*, and count the unknown names', () => {
    const res = storeMonitoringCsvStrings({ stores: 30_000, rows: 0, seed: 12 });
    expect(res.statusRows).toBe(0);
    expect(res.statusCsv).toBe(STORE_STATUS_HEADER + '\n');
    expect(res.firstPollAt).toBeNull();
    expect(res.storesWithoutPolls).toBe(30_000);
    const zones = lines(res.timezonesCsv, TIMEZONES_HEADER).map((l) => l.split(',')[1]);
    between(zones.length / res.stores, 0.94, 0.96);
    const unknown = zones.filter((z) => STORE_UNKNOWN_TIMEZONES.includes(z));
    expect(unknown).toHaveLength(res.unknownZones);
    between(res.unknownZones, 10, 55); // ~0.1 %: 28 expected
    expect(zones.filter((z) => !STORE_TIMEZONES.includes(z) && !unknown.includes(z))).toEqual([]);
    expect(new Set(zones).size).toBeGreaterThanOrEqual(STORE_TIMEZONES.length + 2);
    between(zones.filter((z) => z.startsWith('America/')).length / zones.length, 0.8, 0.95);
    for (const z of STORE_TIMEZONES) expect(() => new Intl.DateTimeFormat('en', { timeZone: z })).not.toThrow();
  });

  it("should keep each store's hours and zone when rows, days or the interval change", () => {
    const a = storeMonitoringCsvStrings({ stores: 400, rows: 10_000, seed: 6 });
    const b = storeMonitoringCsvStrings({ stores: 400, days: 7, intervalMinutes: 90, seed: 6 });
    expect(b.hoursCsv).toBe(a.hoursCsv);
    expect(b.timezonesCsv).toBe(a.timezonesCsv);
    expect(b.statusCsv).not.toBe(a.statusCsv);
  });

  it('should reject bad options when they are out of range', () => {
    const gen = (opts: StoreMonitoringGenOptions) => () => storeMonitoringCsvStrings(opts);
    expect(gen({ stores: -1 })).toThrow(RangeError);
    expect(gen({ stores: 1.5 })).toThrow(RangeError);
    expect(gen({ stores: 10, days: 0 })).toThrow(RangeError);
    expect(gen({ stores: 10, rows: -5 })).toThrow(RangeError);
    expect(gen({ stores: 10, intervalMinutes: 0.5 })).toThrow(RangeError);
    expect(gen({ stores: 10, intervalMinutes: NaN })).toThrow(RangeError);
    expect(gen({ stores: 10, endAt: new Date('nope') })).toThrow(RangeError);
    // 100 stores, 1 day, 1M rows → a poll every ~8.6 s: too often.
    expect(gen({ stores: 100, days: 1, rows: 1_000_000 })).toThrow(/min/);
  });

  it('should write the same bytes and counts into a directory as the string form', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sm-gen-'));
    try {
      const opts = { stores: 700, rows: 30_000, seed: 21 };
      const { files, ...res } = await generateStoreMonitoringFeeds(path.join(dir, 'feeds'), opts);
      const str = storeMonitoringCsvStrings(opts);
      expect(await fs.readFile(files.status, 'utf8')).toBe(str.statusCsv);
      expect(await fs.readFile(files.hours, 'utf8')).toBe(str.hoursCsv);
      expect(await fs.readFile(files.timezones, 'utf8')).toBe(str.timezonesCsv);
      const { statusCsv: _s, hoursCsv: _h, timezonesCsv: _t, ...counts } = str;
      expect(res).toEqual(counts);
      expect(path.basename(files.status)).toBe('store_status.csv');
      expect(path.basename(files.hours)).toBe('menu_hours.csv');
      expect(path.basename(files.timezones)).toBe('timezones.csv');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('should honour backpressure when the stream is slow', async () => {
    const hwm = 16 * 1024;
    const out = new CollectingWritable(hwm, true);
    const opts = { stores: 300, rows: 12_000, seed: 2 };
    const res = await writeStoreMonitoringFeed(out, 'status', opts);
    expect(out.falseReturns).toBeGreaterThan(0);
    expect(out.maxPendingBeforeWrite).toBeLessThan(hwm); // never writes while over the mark
    expect(out.text()).toBe(storeMonitoringCsvStrings(opts).statusCsv);
    expect(res.statusBytes).toBe(out.text().length);
    const hoursOut = new CollectingWritable(1 << 20);
    await writeStoreMonitoringFeed(hoursOut, 'hours', opts);
    expect(hoursOut.text()).toBe(storeMonitoringCsvStrings(opts).hoursCsv);
  });

  it('should reject when the stream fails', async () => {
    const out = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        cb(new Error('disk full'));
      },
    });
    out.on('error', () => undefined);
    const write = writeStoreMonitoringFeed(out, 'status', { stores: 100, rows: 50_000 });
    await expect(write).rejects.toThrow('disk full');
  });

  it('should stream 14,000 stores with byte and row counts that match what it wrote', async () => {
    let bytes = 0;
    const sink = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb();
      },
    });
    // Speed is measured by npm run generate / bench:store-monitoring, not here.
    const res = await writeStoreMonitoringFeed(sink, 'status', { stores: 14_000, rows: 200_000 });
    expect(bytes).toBe(res.statusBytes);
    between(res.statusRows, 194_000, 206_000);
  });
});
