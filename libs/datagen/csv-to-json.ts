import { Transform, TransformCallback } from 'stream';
import { pipeline } from 'stream/promises';
import { CsvParser } from '../csv/csv-parser';
import { mix32, mixPair } from './prng';

/**
 * Streaming CSV → JSON converter for the generated files (any kind): the first record is the
 * header, every later record becomes one object whose keys are the header names exactly and whose
 * values are the field texts as JSON strings, except that (deterministically, per row or field):
 *
 * - on ~half of the rows, a field that is a plain decimal (/^-?(0|[1-9]\d*)(\.\d+)?$/, at most 15
 *   digits so the number parses back to the same decimal) is written as a JSON number, as typed
 *   ("1234.50" stays 1234.50 in the text);
 * - an empty field is left out (key omitted) in ~half of the cases and written as "" otherwise;
 * - a record with fewer fields than the header keeps only the keys it has; extra fields go under
 *   "_extra1", "_extra2", …
 *
 * Formats: 'ndjson' (one object per line) or 'json' (an array, one object per line). Reads with
 * the repo's CsvParser (RFC 4180, CRLF or LF), writes with backpressure through a Transform, so
 * memory stays flat whatever the size (output is flushed every FLUSH_ROWS objects).
 */

export type JsonFormat = 'ndjson' | 'json';
export const JSON_FORMATS: readonly JsonFormat[] = ['ndjson', 'json'];
/** What the generators can write: their CSV, or it converted. */
export type OutputFormat = 'csv' | JsonFormat;
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['csv', 'ndjson', 'json'];

export interface CsvToJsonOptions {
  format: JsonFormat;
  /** Changes which rows get JSON numbers and which empty fields are omitted; default 0. */
  seed?: number;
}

export interface CsvToJsonCounts {
  /** Objects written (records after the header). */
  rows: number;
  /** Rows on which plain decimals were written as JSON numbers. */
  numberRows: number;
  /** Fields written as JSON numbers. */
  numberFields: number;
  /** Empty fields left out, and empty fields written as "". */
  omittedEmptyFields: number;
  emptyStringFields: number;
  /** Records with fewer / more fields than the header. */
  shortRows: number;
  longRows: number;
  /** Bytes of JSON written (UTF-8). */
  bytes: number;
}

/** Objects per pushed chunk (keeps each chunk's rope small, see BATCH_ROWS in the generators). */
const FLUSH_ROWS = 1_000;
const MAX_NUMBER_DIGITS = 15;

/** True for a plain JSON decimal without exponent, of at most MAX_NUMBER_DIGITS digits. */
export function isPlainNumber(s: string): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 /* '-' */ ? 1 : 0;
  const intStart = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  const intDigits = i - intStart;
  if (intDigits === 0 || (intDigits > 1 && s.charCodeAt(intStart) === 48) /* '0' */) return false;
  let digits = intDigits;
  if (i < n) {
    if (s.charCodeAt(i) !== 46 /* '.' */) return false;
    const fracStart = ++i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === fracStart || i !== n) return false;
    digits += i - fracStart;
  }
  return digits <= MAX_NUMBER_DIGITS;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** JSON string literal; the common case (printable, no '"' or '\', no surrogate) is just quoted. */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/** Transform: CSV bytes in, JSON text out. `counts` is final after 'end'. */
export class CsvToJsonStream extends Transform {
  readonly counts: CsvToJsonCounts = {
    rows: 0,
    numberRows: 0,
    numberFields: 0,
    omittedEmptyFields: 0,
    emptyStringFields: 0,
    shortRows: 0,
    longRows: 0,
    bytes: 0,
  };

  private readonly parser = new CsvParser();
  private readonly isArray: boolean;
  private readonly numberKey: number;
  private readonly emptyKey: number;
  /** `"name":` per header column; null until the header is read. */
  private keys: string[] | null = null;
  private pending = '';
  private pendingRows = 0;
  private readonly onRecord = (fields: string[]): void => this.record(fields);

  constructor(opts: CsvToJsonOptions) {
    super();
    if (!JSON_FORMATS.includes(opts.format)) throw new RangeError(`format must be ndjson or json, got ${String(opts.format)}`);
    this.isArray = opts.format === 'json';
    const seed = opts.seed ?? 0;
    this.numberKey = mixPair(seed >>> 0, 0x6e756d73 /* "nums" */);
    this.emptyKey = mixPair(seed >>> 0, 0x656d7074 /* "empt" */);
    if (this.isArray) this.pending = '[';
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.parser.push(chunk, this.onRecord);
      this.flush();
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.parser.end(this.onRecord);
      if (this.isArray) this.pending += '\n]\n';
      this.flush();
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  private flush(): void {
    if (this.pending === '') return;
    const buf = Buffer.from(this.pending, 'utf8');
    this.counts.bytes += buf.length;
    this.pending = '';
    this.pendingRows = 0;
    this.push(buf);
  }

  private record(fields: string[]): void {
    const keys = this.keys;
    if (keys === null) {
      this.keys = fields.map((name) => jsonString(name) + ':');
      return;
    }
    const c = this.counts;
    const row = c.rows++;
    const withNumbers = (mix32((row ^ this.numberKey) >>> 0) & 1) === 1;
    let obj = '{';
    let hasNumber = false;
    for (let i = 0; i < fields.length; i++) {
      const v = fields[i];
      let value: string;
      if (v === '') {
        if ((mixPair(row, i ^ this.emptyKey) & 1) === 1) {
          c.omittedEmptyFields++;
          continue;
        }
        c.emptyStringFields++;
        value = '""';
      } else if (withNumbers && isPlainNumber(v)) {
        c.numberFields++;
        hasNumber = true;
        value = v;
      } else {
        value = jsonString(v);
      }
      const key = i < keys.length ? keys[i] : '"_extra' + (i - keys.length + 1) + '":';
      obj += (obj.length === 1 ? '' : ',') + key + value;
    }
    if (hasNumber) c.numberRows++;
    if (fields.length < keys.length) c.shortRows++;
    else if (fields.length > keys.length) c.longRows++;
    if (this.isArray) this.pending += (row === 0 ? '\n' : ',\n') + obj + '}';
    else this.pending += obj + '}\n';
    if (++this.pendingRows >= FLUSH_ROWS) this.flush();
  }
}

/**
 * Converts the CSV read from `input` into JSON written to `output` (which is ended), with
 * backpressure; resolves with the counts once `output` has finished.
 */
export async function convertCsvToJson(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, opts: CsvToJsonOptions): Promise<CsvToJsonCounts> {
  const json = new CsvToJsonStream(opts);
  await pipeline(input, json, output);
  return json.counts;
}

/**
 * Runs `write` (a generator writing CSV, with backpressure, to the stream it is given) so that
 * `out` receives that CSV, or it as NDJSON / JSON. Does not end `out`. `json` has the converter's
 * counts (null for csv). Rejects if `write` or `out` fails.
 */
export async function writeInFormat<T>(
  out: NodeJS.WritableStream,
  format: OutputFormat,
  write: (sink: NodeJS.WritableStream) => Promise<T>,
): Promise<{ result: T; json: CsvToJsonCounts | null }> {
  if (format === 'csv') return { result: await write(out), json: null };
  const json = new CsvToJsonStream({ format });
  const ended = new Promise<void>((resolve, reject) => {
    json.once('end', resolve);
    json.once('error', reject);
  });
  ended.catch(() => undefined); // observed below; avoids an unhandled rejection while writing
  // A failing `out` must also stop the generator, which may be waiting for the converter to drain.
  const onOutError = (err: Error): void => void json.destroy(err);
  out.once('error', onOutError);
  json.pipe(out, { end: false });
  try {
    const result = await write(json);
    json.end();
    await ended;
    return { result, json: json.counts };
  } catch (err) {
    json.destroy();
    throw err;
  } finally {
    out.removeListener('error', onOutError);
    json.unpipe(out);
  }
}
