import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { CleanValues, Reject, RowCleaner } from '@libs/cleaners';
import { CopyFieldType, CsvParser } from '@libs/csv';
import { mapHeader } from './header-mapping';
import type { DatasetKind, KindColumn } from './kind.types';
import type { InputFormat } from './input-format';
import { LoadCounters, streamIntoCopy, StreamIntoCopyOptions } from './load-pipeline';
import { InlineProcessor } from './piece-processors';
import type { PieceSpan } from './rejected-lines';
import { RejectsWriter } from './rejects-writer';
import { createRowPipeline, PipelineSettings } from './row-pipeline';

// A tiny, domain-free kind for the engine's specs: ID (required, the unique key), NAME (required),
// AMOUNT (optional decimal).

export const TEST_COLUMNS: KindColumn[] = [
  { name: 'ID', required: true, description: 'Unique id' },
  { name: 'NAME', required: true, description: 'Any text' },
  { name: 'AMOUNT', required: false, description: 'Decimal; empty is NULL' },
];

export const TEST_COPY_TYPES: CopyFieldType[] = ['text', 'text', 'numeric'];

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Trims every field; rejects an empty ID (MISSING_ID), an empty NAME (MISSING_NAME), a non-decimal AMOUNT (INVALID_AMOUNT). */
export const testCleaner: RowCleaner = (fields: string[]): CleanValues | Reject => {
  const id = fields[0].trim();
  const name = fields[1].trim();
  const amount = fields[2].trim();
  if (id === '') {
    return new Reject('MISSING_ID');
  }
  if (name === '') {
    return new Reject('MISSING_NAME');
  }
  if (amount !== '' && !DECIMAL.test(amount)) {
    return new Reject('INVALID_AMOUNT');
  }
  return [id, name, amount === '' ? null : amount];
};

export function testKind(uniqueKey: string[] | undefined = ['id']): DatasetKind {
  return {
    name: 'test-kind',
    description: 'Engine test kind',
    columns: TEST_COLUMNS,
    table: 'test_rows',
    copyColumns: ['id', 'name', 'amount'],
    copyTypes: TEST_COPY_TYPES,
    uniqueKey,
    createCleaner: () => testCleaner,
  };
}

/** Settings as import-load builds them: CSV columns from the header, JSON in the kind's order. */
export function testSettings(format: InputFormat, header: string[] | null, o: Partial<PipelineSettings> = {}): PipelineSettings {
  const { indexes, headerWidth } = header ? mapHeader(TEST_COLUMNS, header) : { indexes: [0, 1, 2], headerWidth: 3 };
  return { format, nowMs: Date.UTC(2025, 0, 1), indexes, headerWidth, keyIndexes: [0], bloomWordMask: 1023, foldBytes: 1 << 20, heapBytes: 48 << 20, ...o };
}

export interface CopyRow {
  line: number;
  values: Array<string | null>;
}

/**
 * Decodes binary COPY tuples (int16 field count; per field int32 length, -1 for NULL, then its
 * bytes; the first field is the int4 line number). `withEnvelope`: the 19-byte header first and the
 * -1 trailer last, as a whole COPY stream has them.
 */
export function decodeCopyRows(buf: Buffer | null, types: CopyFieldType[], withEnvelope = false): CopyRow[] {
  if (!buf) {
    return [];
  }
  let p = 0;
  if (withEnvelope) {
    if (buf.subarray(0, 11).toString('latin1') !== 'PGCOPY\n\xff\r\n\0') {
      throw new Error('no binary COPY signature');
    }
    p = 19;
  }
  const rows: CopyRow[] = [];
  while (p < buf.length) {
    const count = buf.readInt16BE(p);
    p += 2;
    if (count === -1) {
      if (!withEnvelope || p !== buf.length) {
        throw new Error(`unexpected trailer at ${p - 2}`);
      }
      return rows;
    }
    if (count !== types.length + 1 || buf.readInt32BE(p) !== 4) {
      throw new Error(`bad tuple at ${p - 2}`);
    }
    const line = buf.readInt32BE(p + 4);
    p += 8;
    const values: Array<string | null> = [];
    for (const type of types) {
      const length = buf.readInt32BE(p);
      p += 4;
      if (length === -1) {
        values.push(null);
        continue;
      }
      const field = buf.subarray(p, p + length);
      p += length;
      values.push(type === 'numeric' ? decodeNumeric(field) : type === 'text' ? field.toString('utf8') : `<${type}>`);
    }
    rows.push({ line, values });
  }
  if (withEnvelope) {
    throw new Error('no trailer');
  }
  return rows;
}

/** PostgreSQL's binary numeric as decimal text with its display scale. */
export function decodeNumeric(b: Buffer): string {
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  const digit = (i: number): number => (i >= 0 && i < ndigits ? b.readInt16BE(8 + i * 2) : 0);
  let int = '';
  for (let i = 0; i <= weight; i++) {
    int += i === 0 ? String(digit(i)) : String(digit(i)).padStart(4, '0');
  }
  let frac = '';
  for (let i = weight + 1; frac.length < dscale; i++) {
    frac += String(digit(i)).padStart(4, '0');
  }
  const text = (int === '' ? '0' : int) + (dscale > 0 ? `.${frac.slice(0, dscale)}` : '');
  return sign === 0x4000 ? `-${text}` : text;
}

/** A COPY stream stand-in: keeps every byte; can refuse the n-th write (0-based) as Postgres would. */
export class CollectingWritable extends Writable {
  readonly chunks: Buffer[] = [];
  isClosed = false;
  /** Settles once the stream has closed (an error or not). */
  readonly whenClosed: Promise<void>;
  private writes = 0;

  constructor(private readonly failOnWrite = -1) {
    super({ highWaterMark: 1 << 20 });
    this.whenClosed = new Promise((resolve) => this.on('close', resolve));
    this.on('close', () => (this.isClosed = true));
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.writes++ === this.failOnWrite) {
      callback(Object.assign(new Error('invalid input syntax for type numeric'), { code: '22P02' }));
      return;
    }
    this.chunks.push(Buffer.from(chunk));
    setImmediate(callback);
  }
}

/** A fresh directory under the OS temp dir; `remove()` deletes it with everything in it. */
export function tempDir(prefix = 'ingest-spec-'): { dir: string; file: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, file: (name) => path.join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A rejects file (`line,reason,raw` CSV) as [line, reason, raw] triples. */
export function readRejects(filePath: string): Array<[number, string, string]> {
  const out: Array<[number, string, string]> = [];
  const parser = new CsvParser();
  const take = (fields: string[]) => out.push([Number(fields[0]), fields[1], fields[2]]);
  parser.push(readFileSync(filePath), take);
  parser.end(take);
  const [header, ...rows] = out;
  if (header[1] !== 'reason') {
    throw new Error('no rejects header');
  }
  return rows;
}

/** A CSV line (without terminator) of `fields`, quoting only where needed. */
export function csvLine(fields: string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
}

/** Deterministic [0, 1) numbers (mulberry32). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- Source files built from rows, with what each record should become ----

export interface SourceRecord {
  fields: string[];
  /** The record's text exactly as in the file (a CSV row without its line end; a JSON value). */
  raw: string;
  /** CSV: the line it starts on (the header is line 1); JSON: its ordinal. */
  line: number;
  /** Byte offset of the record's first byte in the file. */
  byteStart: number;
}

export interface SourceFile {
  text: string;
  records: SourceRecord[];
}

/**
 * `count` rows of the test kind: some with an empty amount (NULL), non-ASCII names, commas and
 * quotes in names; every 997th has amount 'n/a' (INVALID_AMOUNT), every 1009th a blank id
 * (MISSING_ID), and with `wrongCounts` every 1013th a fourth field (WRONG_FIELD_COUNT, CSV only).
 */
export function makeRows(count: number, seed: number, o: { wrongCounts?: boolean; multiLine?: boolean } = {}): string[][] {
  const rand = seededRandom(seed);
  const rows: string[][] = [];
  for (let i = 1; i <= count; i++) {
    let name = `Name ${i} ${'abcdefghij'.repeat(7).slice(0, 10 + Math.floor(rand() * 60))}`;
    if (i % 50 === 0) {
      name += ' é€😀';
    }
    if (i % 7 === 0) {
      name += ', with a comma';
    }
    if (i % 13 === 0) {
      name += ' "quoted"';
    }
    if (o.multiLine && i % 11 === 0) {
      name += i % 2 === 0 ? '\nsecond line' : '\r\nsecond\r\nthird';
    }
    const amount = i % 997 === 0 ? 'n/a' : i % 5 === 0 ? '' : `${i % 1000}.${String(i % 100).padStart(2, '0')}`;
    const row = [i % 1009 === 0 ? '  ' : `id-${i}`, name, amount];
    if (o.wrongCounts && i % 1013 === 0) {
      row.push('extra');
    }
    rows.push(row);
  }
  return rows;
}

/** A CSV file of `rows` under the header ID,NAME,AMOUNT. */
export function toCsv(rows: string[][], o: { eol?: string; isLastEolOmitted?: boolean; header?: string } = {}): SourceFile {
  const eol = o.eol ?? '\n';
  let text = (o.header ?? 'ID,NAME,AMOUNT') + eol;
  let bytes = Buffer.byteLength(text);
  let line = 2;
  const records: SourceRecord[] = [];
  rows.forEach((fields, i) => {
    const raw = csvLine(fields);
    records.push({ fields, raw, line, byteStart: bytes });
    const chunk = raw + (o.isLastEolOmitted && i === rows.length - 1 ? '' : eol);
    text += chunk;
    bytes += Buffer.byteLength(chunk);
    line += countLf(chunk);
  });
  return { text, records };
}

function countLf(s: string): number {
  let n = 0;
  for (let at = s.indexOf('\n'); at !== -1; at = s.indexOf('\n', at + 1)) {
    n++;
  }
  return n;
}

/** One JSON object of a row's fields (member names in mixed case; a decimal amount as a number). */
export function jsonRecord(fields: string[], isPretty = false): string {
  const amount = fields[2] !== '' && DECIMAL.test(fields[2]) ? fields[2] : JSON.stringify(fields[2]);
  const members = [
    `"ID":${isPretty ? ' ' : ''}${JSON.stringify(fields[0])}`,
    `"name":${isPretty ? ' ' : ''}${JSON.stringify(fields[1])}`,
    `"Amount":${isPretty ? ' ' : ''}${amount}`,
  ];
  return isPretty ? `{\n    ${members.join(',\n    ')}\n  }` : `{${members.join(',')}}`;
}

export function toJson(rows: string[][], format: 'json-array' | 'ndjson', isPretty = false): SourceFile {
  const parts: string[] = [format === 'json-array' ? (isPretty ? '[\n  ' : '[') : ''];
  let bytes = Buffer.byteLength(parts[0]);
  const records: SourceRecord[] = [];
  const separator = format === 'ndjson' ? '\n' : isPretty ? ',\n  ' : ',';
  rows.forEach((fields, i) => {
    const raw = jsonRecord(fields, isPretty);
    if (i > 0) {
      parts.push(separator);
      bytes += separator.length;
    }
    records.push({ fields, raw, line: i + 1, byteStart: bytes });
    parts.push(raw);
    bytes += Buffer.byteLength(raw);
  });
  parts.push(format === 'json-array' ? (isPretty ? '\n]\n' : ']') : '\n');
  return { text: parts.join(''), records };
}

export interface Expected {
  loaded: CopyRow[];
  rejects: Array<[number, string, string]>;
}

/** What loading `records` must give: WRONG_FIELD_COUNT, the cleaner's rejects, the cleaned rows. */
export function expectedOf(records: SourceRecord[]): Expected {
  const out: Expected = { loaded: [], rejects: [] };
  for (const r of records) {
    if (r.fields.length !== TEST_COLUMNS.length) {
      out.rejects.push([r.line, 'WRONG_FIELD_COUNT', r.raw]);
      continue;
    }
    const cleaned = testCleaner(r.fields);
    if (cleaned instanceof Reject) {
      out.rejects.push([r.line, cleaned.reason, r.raw]);
    } else {
      out.loaded.push({ line: r.line, values: cleaned });
    }
  }
  return out;
}

// ---- streamIntoCopy with the test kind on this thread ----

export interface LoadSetup {
  options: StreamIntoCopyOptions;
  copy: CollectingWritable;
  counters: LoadCounters;
  spans: PieceSpan[];
  rejects: RejectsWriter;
  rejectsPath: string;
}

/** streamIntoCopy's options for the test kind (CSV header ID,NAME,AMOUNT unless told), collecting the COPY bytes. */
export function loadSetup(filePath: string, format: InputFormat, o: Partial<StreamIntoCopyOptions> & { header?: string[] } = {}): LoadSetup {
  const { header, ...rest } = o;
  const copy = (rest.copy as CollectingWritable | undefined) ?? new CollectingWritable();
  const rejectsPath = `${filePath}.rejects.csv`;
  const rejects = new RejectsWriter(rejectsPath);
  const counters: LoadCounters = { bytesRead: 0, rowsRead: 0, rowsLoaded: 0 };
  const spans: PieceSpan[] = [];
  const settings = testSettings(format, format === 'csv' ? (header ?? ['ID', 'NAME', 'AMOUNT']) : null, {
    bloomWordMask: rest.duplicates?.bloom.wordMask ?? 1023,
  });
  const options: StreamIntoCopyOptions = {
    filePath,
    format,
    processor: new InlineProcessor(createRowPipeline(testKind(), settings)),
    copy,
    rejects,
    duplicates: null,
    counters,
    spans,
    maxRecordBytes: 8 << 20,
    onTick: () => Promise.resolve(),
    ...rest,
  };
  return { options, copy, counters, spans, rejects, rejectsPath };
}

export interface LoadResult {
  counters: LoadCounters;
  spans: PieceSpan[];
  loaded: CopyRow[];
  rejects: Array<[number, string, string]>;
}

/** Loads a file to the end and decodes what reached the COPY stream and the rejects file. */
export async function loadFile(filePath: string, format: InputFormat, o: Partial<StreamIntoCopyOptions> & { header?: string[] } = {}): Promise<LoadResult> {
  const setup = loadSetup(filePath, format, o);
  try {
    await streamIntoCopy(setup.options);
  } finally {
    await setup.rejects.close();
  }
  return {
    counters: setup.counters,
    spans: setup.spans,
    loaded: decodeCopyRows(setup.copy.bytes, TEST_COPY_TYPES, true),
    rejects: readRejects(setup.rejectsPath),
  };
}
