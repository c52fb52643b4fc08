import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable, Writable } from 'stream';
import { CollectingWritable } from './collecting-writable.spec-helper';
import { convertCsvToJson, CsvToJsonCounts, isPlainNumber, JsonFormat, writeInFormat } from './csv-to-json';
import { generateStoreMonitoringFeeds, merchantsCsvString, salesCsvString, storeMonitoringCsvStrings, transactionsCsvString, writeTransactionsCsv } from './index';
import { parseRecords } from './parsed-csv.spec-helper';

const NOW = new Date('2025-12-01T12:00:00.000Z');
const PLAIN_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const FORMATS: JsonFormat[] = ['ndjson', 'json'];

/** Feeds `csv` in chunks of `chunkBytes` (records and characters cut anywhere). */
async function convert(csv: string, format: JsonFormat, chunkBytes = 7_001): Promise<{ text: string; counts: CsvToJsonCounts }> {
  const bytes = Buffer.from(csv, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
  const out = new CollectingWritable(64 * 1024);
  const counts = await convertCsvToJson(Readable.from(chunks), out, { format });
  return { text: out.text(), counts };
}

/** The object texts of the output: NDJSON lines, or the array's lines without their commas. */
function objectLines(text: string, format: JsonFormat): string[] {
  const lines = text.split('\n').filter((l) => l !== '');
  if (format === 'ndjson') return lines;
  expect(lines[0]).toBe('[');
  expect(lines[lines.length - 1]).toBe(']');
  return lines.slice(1, -1).map((l) => (l.endsWith(',') ? l.slice(0, -1) : l));
}

interface Comparison {
  /** Rows with at least one plain-number field, and those written with JSON numbers. */
  rowsWithPlainNumbers: number;
  rowsWithJsonNumbers: number;
  emptyFields: number;
  omittedEmptyFields: number;
}

/** JSON.parse of the output gives, row by row, the CSV fields (numbers compared as text). */
function expectSameValues(csv: string, text: string, format: JsonFormat): Comparison {
  const [header, ...rows] = parseRecords(csv);
  const lines = objectLines(text, format);
  const objects: Record<string, unknown>[] = format === 'ndjson' ? lines.map((l) => JSON.parse(l)) : JSON.parse(text);
  expect(objects).toHaveLength(rows.length);
  expect(lines).toHaveLength(rows.length);
  const stats: Comparison = {
    rowsWithPlainNumbers: 0,
    rowsWithJsonNumbers: 0,
    emptyFields: 0,
    omittedEmptyFields: 0,
  };
  const wrong: string[] = [];
  rows.forEach((fields, i) => {
    const obj = objects[i];
    const keys = fields.map((_, j) => (j < header.length ? header[j] : `_extra${j - header.length + 1}`));
    const unexpected = Object.keys(obj).filter((k) => !keys.includes(k));
    if (unexpected.length > 0) wrong.push(`row ${i}: keys ${unexpected.join(',')}`);
    let hasNumber = false;
    fields.forEach((field, j) => {
      const value = obj[keys[j]];
      if (field === '') {
        stats.emptyFields++;
        if (value === undefined) stats.omittedEmptyFields++;
        else if (value !== '') wrong.push(`row ${i} ${keys[j]}: ${JSON.stringify(value)} for ''`);
      } else if (typeof value === 'number') {
        hasNumber = true;
        // As typed: the JSON text holds the field's own digits ("49.10" stays 49.10).
        const literal = JSON.stringify(keys[j]) + ':' + field;
        if (!PLAIN_NUMBER.test(field) || Number(field) !== value || !lines[i].includes(literal)) wrong.push(`row ${i} ${keys[j]}: ${value} for ${field}`);
      } else if (value !== field) {
        wrong.push(`row ${i} ${keys[j]}: ${JSON.stringify(value)} for ${JSON.stringify(field)}`);
      }
    });
    if (fields.some((f) => PLAIN_NUMBER.test(f))) stats.rowsWithPlainNumbers++;
    if (hasNumber) stats.rowsWithJsonNumbers++;
  });
  expect(wrong).toEqual([]);
  return stats;
}

describe('csv-to-json', () => {
  const transactions = transactionsCsvString({
    rows: 6_000,
    seed: 4,
    now: NOW,
    shape: 'mixed',
  }).csv;
  const feeds = storeMonitoringCsvStrings({ stores: 200, rows: 3_000, seed: 2 });
  const files: [string, string][] = [
    ['transactions (mixed: quotes, CRLF, faults)', transactions],
    ['merchants', merchantsCsvString({ rows: 3_000, seed: 4 })],
    ['sales', salesCsvString({ rows: 6_000, seed: 4 }).csv],
    ['store_status', feeds.statusCsv],
    ['menu_hours', feeds.hoursCsv],
    ['timezones', feeds.timezonesCsv],
  ];

  for (const format of FORMATS) {
    for (const [name, csv] of files) {
      it(`should give the CSV values when converting ${name} to ${format}`, async () => {
        const { text, counts } = await convert(csv, format);
        const stats = expectSameValues(csv, text, format);
        expect(counts.rows).toBe(parseRecords(csv).length - 1);
        expect(counts.bytes).toBe(Buffer.byteLength(text));
        expect(counts.numberRows).toBe(stats.rowsWithJsonNumbers);
        expect(counts.omittedEmptyFields).toBe(stats.omittedEmptyFields);
        expect(counts.omittedEmptyFields + counts.emptyStringFields).toBe(stats.emptyFields);
        expect(counts.shortRows + counts.longRows).toBe(0);
      });
    }
  }

  it('should write plain numbers as JSON numbers on about half of the rows, and omit about half of the empty fields', async () => {
    const csv = salesCsvString({ rows: 20_000, seed: 9 }).csv; // ~28 % empty e-mails
    const { text } = await convert(csv, 'ndjson', 65_536);
    const stats = expectSameValues(csv, text, 'ndjson');
    expect(stats.rowsWithJsonNumbers / stats.rowsWithPlainNumbers).toBeGreaterThan(0.47);
    expect(stats.rowsWithJsonNumbers / stats.rowsWithPlainNumbers).toBeLessThan(0.53);
    expect(stats.omittedEmptyFields / stats.emptyFields).toBeGreaterThan(0.47);
    expect(stats.omittedEmptyFields / stats.emptyFields).toBeLessThan(0.53);
    // Deterministic: the same input gives the same bytes.
    expect((await convert(csv, 'ndjson', 1_000)).text).toBe(text);
  });

  it('should keep the keys a record has when it has too few or too many fields', async () => {
    const csv = 'a,b,c\n1,x\nq,r,s,t,u\n';
    for (const format of FORMATS) {
      const { text, counts } = await convert(csv, format);
      expectSameValues(csv, text, format);
      const objects = objectLines(text, format).map((l) => JSON.parse(l));
      expect(Object.keys(objects[0])).toEqual(['a', 'b']);
      expect(objects[1]).toEqual({ a: 'q', b: 'r', c: 's', _extra1: 't', _extra2: 'u' });
      expect([counts.shortRows, counts.longRows]).toEqual([1, 1]);
    }
  });

  it('should escape what JSON needs when fields hold quotes, backslashes, newlines and non-ASCII', async () => {
    const csv = '\ufeffid,"na,me",note\r\n' + '1,"say ""hi""","back\\slash"\r\n' + '2,"two\nlines",tab\there\r\n' + '3,café ☕,"\u0001"\r\n' + '007,-0.5,1e5\r\n';
    for (const format of FORMATS) {
      const { text } = await convert(csv, format, 3); // cuts through multi-byte characters
      expectSameValues(csv, text, format);
      expect(text).not.toContain('\ufeff');
      expect(objectLines(text, format)[0]).toMatch(/^\{"id":(1|"1"),"na,me":"say \\"hi\\"","note":"back\\\\slash"\}$/);
    }
    expect(['0', '-0', '12.50', '-3.25', '123456789012345'].every(isPlainNumber)).toBe(true);
    expect(['007', '1e5', '+1', '.5', '5.', '1234567890123456', '-', ''].some(isPlainNumber)).toBe(false);
  });

  it('should write an empty array or nothing when the CSV has only a header', async () => {
    expect((await convert('a,b\n', 'json')).text).toBe('[\n]\n');
    expect(JSON.parse((await convert('a,b\n', 'json')).text)).toEqual([]);
    expect((await convert('a,b\n', 'ndjson')).text).toBe('');
  });

  it('should stream a generator through the converter with backpressure when the output is slow', async () => {
    const opts = {
      rows: 8_000,
      seed: 3,
      now: NOW,
      shape: 'adversarial' as const,
      zones: 500,
      categories: 500,
      merchants: 500,
    };
    const hwm = 16 * 1024;
    const out = new CollectingWritable(hwm, true);
    const { result, json } = await writeInFormat(out, 'json', (sink) => writeTransactionsCsv(sink, opts));
    expect(out.falseReturns).toBeGreaterThan(0);
    expect(out.maxPendingBeforeWrite).toBeLessThan(hwm); // never writes while over the mark
    expect(out.writableEnded).toBe(false); // the caller owns the stream
    const csv = transactionsCsvString(opts).csv;
    expect(result.bytes).toBe(csv.length);
    expect(out.text()).toBe((await convert(csv, 'json')).text);
    expect(json!.rows).toBe(8_000);
  });

  it('should pass the CSV through untouched when the format is csv', async () => {
    const out = new CollectingWritable(1 << 20);
    const opts = { rows: 2_000, seed: 3, now: NOW };
    const { json } = await writeInFormat(out, 'csv', (sink) => writeTransactionsCsv(sink, opts));
    expect(json).toBeNull();
    expect(out.text()).toBe(transactionsCsvString(opts).csv);
  });

  it('should reject when the output stream fails during a conversion', async () => {
    const out = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        cb(new Error('disk full'));
      },
    });
    out.on('error', () => undefined);
    const write = writeInFormat(out, 'ndjson', (sink) => writeTransactionsCsv(sink, { rows: 50_000, seed: 1, now: NOW }));
    await expect(write).rejects.toThrow('disk full');
  });

  it('should write the three store-monitoring feeds as JSON files when format is json', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sm-json-'));
    try {
      const opts = { stores: 150, rows: 2_000, seed: 5 };
      const res = await generateStoreMonitoringFeeds(dir, { ...opts, format: 'json' });
      expect(Object.values(res.files).map((f) => path.basename(f))).toEqual(['store_status.json', 'menu_hours.json', 'timezones.json']);
      const str = storeMonitoringCsvStrings(opts);
      const pairs: [string, string][] = [
        [res.files.status, str.statusCsv],
        [res.files.hours, str.hoursCsv],
        [res.files.timezones, str.timezonesCsv],
      ];
      for (const [file, csv] of pairs) {
        const text = await fs.readFile(file, 'utf8');
        expectSameValues(csv, text, 'json');
      }
      expect(res.json!.hours.rows).toBe(res.hoursRows);
      expect(res.statusRows).toBe(str.statusRows);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
