import { createMarketingCleaner, Reject } from '../cleaners';
import { DEFAULT_MARKETING_ERROR_RATE, MARKETING_FAULT_TYPES, MARKETING_HEADER, marketingCsvString, MarketingGenOptions } from './marketing.generator';
import { parseRecords } from './parsed-csv.spec-helper';

interface Line {
  text: string;
  fields: string[];
}

const DAY_MS = 86_400_000;
const SMALL: MarketingGenOptions = { rows: 1500, seed: 42, campaigns: 6, adGroupsPerCampaign: 3, adsPerAdGroup: 4, days: 20 };
const clean = createMarketingCleaner({ now: new Date('2025-07-01T00:00:00.000Z') });

/** The data lines of a generated file: raw text and parsed fields, one record per line. */
function dataLines(csv: string, eol = '\n'): Line[] {
  expect(csv.endsWith(eol)).toBe(true);
  const texts = csv.slice(0, -eol.length).split(eol);
  const records = parseRecords(csv);
  expect(records).toHaveLength(texts.length);
  expect(texts[0]).toBe(MARKETING_HEADER);
  expect(records[0]).toEqual(MARKETING_HEADER.split(','));
  return texts.slice(1).map((text, i) => ({ text: text + eol, fields: records[i + 1] }));
}

/** An independent model of the row key: platform normalised, campaign, ad group, ad, day. */
function keyOf(f: string[]): string {
  const platform = f[1]
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '_');
  return [platform, f[0].trim(), f[4].trim(), f[6].trim(), f[2].trim()].join('|');
}

const shiftDay = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * What an import sees: rejects per reason (a repeated key is DUPLICATE_KEY, the first wins), and
 * every line that repeats an earlier line byte for byte (how the generator writes DUPLICATE_KEY).
 */
function audit(lines: Line[]) {
  const rejects: Record<string, number> = {};
  const accepted = new Map<string, Line>();
  const acceptedTexts = new Set<string>();
  const seenTexts = new Set<string>();
  const repeats: { line: Line; isEarlierLineClean: boolean }[] = [];
  for (const line of lines) {
    if (seenTexts.has(line.text)) {
      repeats.push({ line, isEarlierLineClean: acceptedTexts.has(line.text) });
    }
    seenTexts.add(line.text);
    const result = clean(line.fields);
    const reason = result instanceof Reject ? result.reason : accepted.has(keyOf(line.fields)) ? 'DUPLICATE_KEY' : null;
    if (reason === null) {
      accepted.set(keyOf(line.fields), line);
      acceptedTexts.add(line.text);
    } else {
      rejects[reason] = (rejects[reason] ?? 0) + 1;
    }
  }
  return { rejects, accepted, repeats };
}

describe('marketing generator', () => {
  describe('rows', () => {
    it.each([
      { rows: 0, days: 5 },
      { rows: 1, days: 10 },
      { rows: 7, days: 30 },
      { rows: 1000, days: 7, campaigns: 1 },
      { rows: 2345, days: 31, errorRate: 0.2 },
    ])('should write exactly `rows` data lines when the options are %j', (opts) => {
      const out = marketingCsvString({ seed: 3, adGroupsPerCampaign: 2, adsPerAdGroup: 2, ...opts });
      expect(dataLines(out.csv)).toHaveLength(opts.rows);
      expect(out.rows).toBe(opts.rows);
      expect(out.bytes).toBe(Buffer.byteLength(out.csv));
    });

    it('should give the same file when the seed is the same', () => {
      const opts = { ...SMALL, errorRate: 0.1 };
      expect(marketingCsvString(opts)).toEqual(marketingCsvString(opts));
    });

    it('should give a different file when the seed differs', () => {
      expect(marketingCsvString(SMALL).csv).not.toBe(marketingCsvString({ ...SMALL, seed: 43 }).csv);
    });

    it('should span `days` days ending on endDay when it is given', () => {
      const out = marketingCsvString({ ...SMALL, endDay: '2024-03-05', days: 10, errorRate: 0 });
      expect([out.firstDay, out.lastDay, out.days]).toEqual(['2024-02-25', '2024-03-05', 10]);
      const days = dataLines(out.csv).map((l) => l.fields[2]);
      expect(days[0]).toBe('2024-02-25');
      expect(days[days.length - 1]).toBe('2024-03-05');
      expect([...days].sort()).toEqual(days);
    });
  });

  describe('clean files', () => {
    it('should give rows the cleaner accepts with unique keys when errorRate is 0', () => {
      const out = marketingCsvString({ ...SMALL, errorRate: 0 });
      const { rejects, accepted } = audit(dataLines(out.csv));
      expect(rejects).toEqual({});
      expect(accepted.size).toBe(SMALL.rows);
      expect(out.faultyRows).toBe(0);
    });

    it('should spell platforms both ways and keep one platform per campaign when rows are generated', () => {
      const lines = dataLines(marketingCsvString({ ...SMALL, errorRate: 0 }).csv);
      const spellings = [...new Set(lines.map((l) => l.fields[1]))];
      expect(spellings.some((p) => p !== p.toLowerCase())).toBe(true);
      expect(spellings.some((p) => p === p.toLowerCase())).toBe(true);
      const platformOf = new Map<string, Set<string>>();
      for (const { fields } of lines) {
        platformOf.set(fields[0], (platformOf.get(fields[0]) ?? new Set()).add(keyOf(fields).split('|')[0]));
      }
      expect([...platformOf.values()].every((s) => s.size === 1)).toBe(true);
    });
  });

  describe('faults', () => {
    const opts = { ...SMALL, rows: 3000, errorRate: 0.3 };
    const out = marketingCsvString(opts);
    const lines = dataLines(out.csv);
    const { rejects, accepted, repeats } = audit(lines);

    it('should count faults by type that sum to faultyRows when errorRate is set', () => {
      const total = Object.values(out.faultsByType).reduce((a, b) => a + b, 0);
      expect(total).toBe(out.faultyRows);
      expect(Object.keys(out.faultsByType).sort()).toEqual([...MARKETING_FAULT_TYPES].sort());
      expect(MARKETING_FAULT_TYPES.every((t) => out.faultsByType[t] > 0)).toBe(true);
    });

    it('should give an import exactly the rejects faultsByType reports when the file is cleaned', () => {
      expect(rejects).toEqual(out.faultsByType);
      expect(accepted.size + out.faultyRows).toBe(opts.rows);
    });

    it('should keep keys unique among clean rows except the DUPLICATE_KEY faults', () => {
      expect(rejects.DUPLICATE_KEY).toBe(out.faultsByType.DUPLICATE_KEY);
    });

    it('should repeat an earlier clean line, byte for byte, when a DUPLICATE_KEY fault is written', () => {
      expect(repeats).toHaveLength(out.faultsByType.DUPLICATE_KEY);
      expect(repeats.filter((r) => !r.isEarlierLineClean)).toEqual([]);
    });

    it('should fault about errorRate of the rows when errorRate is the default', () => {
      const d = marketingCsvString({ ...SMALL, rows: 10_000, campaigns: 30 });
      expect(d.faultyRows / d.rows).toBeGreaterThan(DEFAULT_MARKETING_ERROR_RATE * 0.6);
      expect(d.faultyRows / d.rows).toBeLessThan(DEFAULT_MARKETING_ERROR_RATE * 1.4);
      expect(audit(dataLines(d.csv)).rejects).toEqual(d.faultsByType);
    });
  });

  describe('restatement', () => {
    const main = marketingCsvString({ ...SMALL, errorRate: 0 });
    const mainLines = dataLines(main.csv);
    const mainByKey = new Map(mainLines.map((l) => [keyOf(l.fields), l.fields]));
    const restated = marketingCsvString({ ...SMALL, restateDays: 7 });
    const restatedLines = dataLines(restated.csv);
    const firstRestatedDay = shiftDay(main.lastDay, -6);

    it('should hold only days within the last 7 days of the main span when restateDays is 7', () => {
      const days = new Set(restatedLines.map((l) => l.fields[2]));
      expect([...days].sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => shiftDay(firstRestatedDay, i)));
      expect([restated.firstDay, restated.lastDay]).toEqual([main.firstDay, main.lastDay]);
    });

    it("should re-send exactly the main file's rows of those days when restated", () => {
      const mainTail = mainLines.filter((l) => l.fields[2] >= firstRestatedDay).map((l) => keyOf(l.fields));
      expect(restatedLines.map((l) => keyOf(l.fields))).toEqual(mainTail);
      expect(restatedLines.every((l) => mainByKey.has(keyOf(l.fields)))).toBe(true);
    });

    it('should only add conversions and revenue when a row is restated', () => {
      let later = 0;
      for (const { fields } of restatedLines) {
        const before = mainByKey.get(keyOf(fields))!;
        const cents = (f: string[]): number => Math.round(Number(f[13]) * 100);
        expect(Number(fields[11])).toBeGreaterThanOrEqual(Number(before[11]));
        expect(cents(fields)).toBeGreaterThanOrEqual(cents(before));
        expect(fields.filter((_, i) => i !== 11 && i !== 13)).toEqual(before.filter((_, i) => i !== 11 && i !== 13));
        if (Number(fields[11]) > Number(before[11])) later++;
      }
      expect(later).toBeGreaterThan(0);
    });

    it('should write no faults when a restatement is asked for with an errorRate', () => {
      const out = marketingCsvString({ ...SMALL, restateDays: 7, errorRate: 0.5 });
      expect(out.faultyRows).toBe(0);
      expect(audit(dataLines(out.csv)).rejects).toEqual({});
    });

    it('should restate the whole span when restateDays exceeds days', () => {
      const out = marketingCsvString({ ...SMALL, errorRate: 0, restateDays: 100 });
      expect(out.rows).toBe(SMALL.rows);
      expect(new Set(dataLines(out.csv).map((l) => keyOf(l.fields)))).toEqual(new Set(mainByKey.keys()));
    });
  });

  describe('adversarial shape', () => {
    const out = marketingCsvString({ rows: 400, seed: 5, shape: 'adversarial', days: 30, errorRate: 0 });
    const THEME = /^Campaign \d+ - (Été "Soldes", 50 % off|Brand, awareness|Retargeting — 再营销|Prospecting\tEU)$/;

    it('should end every line with CRLF when the shape is adversarial', () => {
      expect(out.csv.endsWith('\r\n')).toBe(true);
      expect(out.csv.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    });

    it('should parse as CSV with quoted fields and doubled quotes when the shape is adversarial', () => {
      const lines = dataLines(out.csv, '\r\n');
      expect(lines).toHaveLength(400);
      expect(lines.every((l) => l.fields.length === 15)).toBe(true);
      expect(out.csv).toContain('"Campaign ');
      expect(out.csv).toContain('""Soldes""');
      expect(lines.filter((l) => !THEME.test(l.fields[3]))).toEqual([]);
      expect(lines.every((l) => /^Ad \d «variant», [A-Z]$/.test(l.fields[7]))).toBe(true);
      expect(new Set(lines.map((l) => THEME.exec(l.fields[3])![1])).size).toBe(4);
    });

    it('should give rows the cleaner accepts with unique keys when errorRate is 0', () => {
      const { rejects, accepted } = audit(dataLines(out.csv, '\r\n'));
      expect(rejects).toEqual({});
      expect(accepted.size).toBe(400);
      const currencies = new Set([...accepted.values()].map((l) => l.fields[14].toUpperCase()));
      expect([...currencies].every((c) => ['USD', 'EUR', 'GBP'].includes(c))).toBe(true);
    });

    it('should count bytes as UTF-8 when fields are not ASCII', () => {
      expect(out.bytes).toBe(Buffer.byteLength(out.csv, 'utf8'));
      expect(out.bytes).toBeGreaterThan(out.csv.length);
    });
  });
});
