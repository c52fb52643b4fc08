import { GRAIN_MICROS, Grain, RangeSegment, microsToIso, parseIsoMicros, splitRange } from './time-range';
import { seededRandom } from '../datagen/prng';

const us = (iso: string): number => Date.parse(iso) * 1000;
const seg = (source: RangeSegment['source'], from: string, to: string): RangeSegment => ({ source, fromUs: us(from), toUs: us(to) });
const mod = (x: number, m: number): number => ((x % m) + m) % m;

describe('splitRange', () => {
  it('should give one segment of the coarsest grain with null bounds when the window is unbounded', () => {
    expect(splitRange({ fromUs: null, toUs: null }, ['day', 'hour'])).toEqual([{ source: 'day', fromUs: null, toUs: null }]);
    expect(splitRange({ fromUs: null, toUs: null }, [])).toEqual([{ source: 'raw', fromUs: null, toUs: null }]);
  });

  it('should give only a day segment when the window is aligned on days', () => {
    expect(splitRange({ fromUs: us('2026-01-01T00:00:00Z'), toUs: us('2026-01-04T00:00:00Z') }, ['day', 'hour'])).toEqual([
      seg('day', '2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z'),
    ]);
  });

  it('should give raw, hour, day, hour, raw in order when both ends are unaligned', () => {
    const window = { fromUs: us('2026-01-01T10:30:00Z'), toUs: us('2026-01-03T05:15:00Z') };
    expect(splitRange(window, ['day', 'hour'])).toEqual([
      seg('raw', '2026-01-01T10:30:00Z', '2026-01-01T11:00:00Z'),
      seg('hour', '2026-01-01T11:00:00Z', '2026-01-02T00:00:00Z'),
      seg('day', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'),
      seg('hour', '2026-01-03T00:00:00Z', '2026-01-03T05:00:00Z'),
      seg('raw', '2026-01-03T05:00:00Z', '2026-01-03T05:15:00Z'),
    ]);
  });

  it('should keep the open side null when one bound is missing', () => {
    expect(splitRange({ fromUs: null, toUs: us('2026-01-02T10:30:00Z') }, ['day', 'hour'])).toEqual([
      { source: 'day', fromUs: null, toUs: us('2026-01-02T00:00:00Z') },
      seg('hour', '2026-01-02T00:00:00Z', '2026-01-02T10:00:00Z'),
      seg('raw', '2026-01-02T10:00:00Z', '2026-01-02T10:30:00Z'),
    ]);
  });

  it('should give a single raw segment when the window lies inside one hour', () => {
    const window = { fromUs: us('2026-01-01T10:05:00Z'), toUs: us('2026-01-01T10:50:00Z') };
    expect(splitRange(window, ['day', 'hour'])).toEqual([{ source: 'raw', ...window }]);
  });

  it('should give no segment when from is not before to', () => {
    expect(splitRange({ fromUs: us('2026-01-02T00:00:00Z'), toUs: us('2026-01-01T00:00:00Z') }, ['day'])).toEqual([]);
    expect(splitRange({ fromUs: 5, toUs: 5 }, ['hour'])).toEqual([]);
  });

  it('should cover random windows exactly with disjoint, ordered, aligned and maximal segments', () => {
    const rand = seededRandom(11);
    const grainSets: Grain[][] = [['day', 'hour'], ['day', 'hour', 'quarter'], ['hour', 'quarter'], ['day'], ['quarter'], []];
    const base = us('2025-12-01T00:00:00Z');
    const bound = (): number | null => {
      if (rand() < 0.15) return null;
      const unit = [GRAIN_MICROS.day, GRAIN_MICROS.hour, GRAIN_MICROS.quarter, 1_000_000, 1][Math.floor(rand() * 5)];
      return base + Math.floor((rand() * 20 * GRAIN_MICROS.day) / unit) * unit + (rand() < 0.3 ? Math.floor(rand() * 1000) : 0);
    };
    for (let i = 0; i < 3000; i++) {
      const grains = grainSets[i % grainSets.length];
      const window = { fromUs: bound(), toUs: bound() };
      const segments = splitRange(window, grains);
      const lo = window.fromUs ?? -Infinity;
      const hi = window.toUs ?? Infinity;
      if (lo >= hi) {
        expect(segments).toEqual([]);
        continue;
      }
      expect(segments[0].fromUs).toBe(window.fromUs);
      expect(segments[segments.length - 1].toUs).toBe(window.toUs);
      for (let j = 0; j < segments.length; j++) {
        const s = segments[j];
        expect((s.fromUs ?? -Infinity) < (s.toUs ?? Infinity)).toBe(true);
        if (j > 0) {
          expect(s.fromUs).toBe(segments[j - 1].toUs); // contiguous, hence disjoint and ordered
        }
        const rank = s.source === 'raw' ? grains.length : grains.indexOf(s.source);
        expect(rank).toBeGreaterThanOrEqual(0);
        if (s.source !== 'raw') {
          const size = GRAIN_MICROS[s.source];
          expect(s.fromUs === null || mod(s.fromUs, size) === 0).toBe(true);
          expect(s.toUs === null || mod(s.toUs, size) === 0).toBe(true);
        }
        // Maximal: no whole bucket of a coarser grain fits inside a finer segment.
        for (const coarser of grains.slice(0, rank)) {
          const size = GRAIN_MICROS[coarser];
          if (s.fromUs !== null && s.toUs !== null) {
            expect(Math.ceil(s.fromUs / size) * size + size > s.toUs).toBe(true);
          }
        }
      }
    }
  });
});

describe('parseIsoMicros', () => {
  const NEW_YEAR = 1767225600000000; // 2026-01-01T00:00:00Z

  it('should read offsets when they are Z, ±HH:MM or ±HHMM', () => {
    expect(parseIsoMicros('2026-01-01T00:00:00Z')).toBe(NEW_YEAR);
    expect(parseIsoMicros('2026-01-01T00:00:00z')).toBe(NEW_YEAR);
    expect(parseIsoMicros('2026-01-01T02:00:00+02:00')).toBe(NEW_YEAR);
    expect(parseIsoMicros('2025-12-31T18:30:00-0530')).toBe(NEW_YEAR);
  });

  it('should treat the instant as UTC when there is no offset or no time', () => {
    expect(parseIsoMicros('2026-01-01T00:00:00')).toBe(NEW_YEAR);
    expect(parseIsoMicros('2026-01-01')).toBe(NEW_YEAR);
    expect(parseIsoMicros('2026-01-01T00:00')).toBe(NEW_YEAR);
  });

  it('should accept a space as well as T between date and time', () => {
    expect(parseIsoMicros('2026-01-01 10:30:00Z')).toBe(parseIsoMicros('2026-01-01T10:30:00Z'));
    expect(parseIsoMicros('2026-01-01 10:30:00Z')).toBe(NEW_YEAR + 37_800_000_000);
  });

  it('should keep microseconds exactly when there are 1 to 6 fraction digits', () => {
    expect(parseIsoMicros('2026-01-01T00:00:00.000001Z')).toBe(1767225600000001);
    expect(parseIsoMicros('2026-01-01T00:00:00.1Z')).toBe(NEW_YEAR + 100_000);
    expect(parseIsoMicros('2026-01-01T00:00:00.12Z')).toBe(NEW_YEAR + 120_000);
    expect(parseIsoMicros('2026-01-01T00:00:00.123Z')).toBe(NEW_YEAR + 123_000);
    expect(parseIsoMicros('2026-01-01T00:00:00.1234Z')).toBe(NEW_YEAR + 123_400);
    expect(parseIsoMicros('2026-01-01T00:00:00.12345Z')).toBe(NEW_YEAR + 123_450);
    expect(parseIsoMicros('2026-01-01T00:00:00.999999+00:00')).toBe(NEW_YEAR + 999_999);
  });

  it('should accept 29 February only when the year is a leap year', () => {
    expect(parseIsoMicros('2024-02-29')).toBe(Date.UTC(2024, 1, 29) * 1000);
    expect(parseIsoMicros('2025-02-29')).toBeNull();
  });

  it('should return null when the input is not a valid instant', () => {
    const bad = ['2026-02-30', '2026-13-01', '2026-00-10', 'yesterday', '2026-01-01T25:00:00Z'];
    bad.push('2026-01-01T10:60:00Z', '2026-01-01T00:00:00.1234567Z', '2026-1-1', '');
    for (const text of bad) {
      expect([text, parseIsoMicros(text)]).toEqual([text, null]);
    }
  });
});

describe('microsToIso', () => {
  it('should write 6 fraction digits when microseconds are set', () => {
    expect(microsToIso(1767225600000001)).toBe('2026-01-01T00:00:00.000001Z');
    expect(microsToIso(1767225600123456)).toBe('2026-01-01T00:00:00.123456Z');
  });

  it('should round-trip with parseIsoMicros when instants are random, including before 1970', () => {
    const rand = seededRandom(12);
    const lo = Date.UTC(1900, 0, 1) * 1000;
    const hi = Date.UTC(2200, 0, 1) * 1000;
    for (let i = 0; i < 5000; i++) {
      const t = lo + Math.floor(rand() * (hi - lo));
      const iso = microsToIso(t);
      expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      expect(parseIsoMicros(iso)).toBe(t);
      expect(microsToIso(parseIsoMicros(iso)!)).toBe(iso);
    }
  });
});
