import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { decodeCopyRow } from '@libs/csv';
import type { ImportAccumulator } from '@libs/rollups';
import { REMOVED_ROWS } from './duplicate-guard';
import { LoadedFile, RejectedLineWriter } from './rejected-lines';
import { RejectsWriter } from './rejects-writer';

export interface TakeBackOptions {
  file: LoadedFile;
  reason: string;
  rejects: RejectsWriter;
  /** The import's folds, which give back what each removed row added; null when the kind has none. */
  accumulator: ImportAccumulator | null;
  /** Select list of a stored row's cleaned values (the kind's storedValuesSql). */
  storedValuesSql: string | null;
  /** The flagged rows with their raw text (DuplicateGuard.candidatesTable). */
  candidatesTable: string;
}

/**
 * Streams the rows moved into REMOVED_ROWS back in line order (COPY … TO STDOUT: nothing is held
 * whatever their number): each is taken back from the folds and written as a reject with its raw
 * text from the file. Returns how many.
 */
export async function takeBackRemovedRows(client: Client, o: TakeBackOptions): Promise<number> {
  const values = o.accumulator && o.storedValuesSql ? `, ${o.storedValuesSql}` : '';
  // A flagged row's raw text came with its key; only the rest is read again from the file.
  const stream = client.query(
    copyTo(`COPY (SELECT r.line_no, c.raw${values} FROM ${REMOVED_ROWS} r LEFT JOIN ${o.candidatesTable} c ON c.line_no = r.line_no ORDER BY r.line_no) TO STDOUT`),
  );
  const writer = new RejectedLineWriter(o.file, o.reason, o.rejects);
  // Most removed rows have no raw text here and nothing to take back: their line number is read
  // from the bytes, and while it falls in the piece being gathered nothing is awaited or made.
  // (A view, a string or a promise per row, millions of them when a file is sent again, kept the
  // young generation busy enough to promote whatever was alive meanwhile.)
  const bareLine = (data: Buffer, start: number, end: number) => (values ? -1 : bareLineNumber(data, start, end));
  const take = async (data: Buffer, start: number, end: number): Promise<void> => {
    const bare = bareLine(data, start, end);
    if (bare >= 0) {
      await writer.add(bare);
      return;
    }
    const row = decodeCopyRow(data.toString('utf8', start, end));
    if (o.accumulator && values) {
      o.accumulator.subtract(row.slice(2));
    }
    if (row[1] === null) {
      await writer.add(Number(row[0]));
    } else {
      o.rejects.write(Number(row[0]), o.reason, row[1]);
    }
  };
  let count = 0;
  let carry: Buffer | null = null;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = null;
    let start = 0;
    for (let end = data.indexOf(10, start); end !== -1; end = data.indexOf(10, start)) {
      const bare = bareLine(data, start, end);
      if (bare < 0 || !writer.tryAdd(bare)) {
        await take(data, start, end);
      }
      count++;
      start = end + 1;
    }
    if (start < data.length) {
      // Copied, so the rest of the chunk is not kept alive with it.
      carry = Buffer.from(data.subarray(start));
    }
  }
  if (carry && carry.length > 0) {
    await take(carry, 0, carry.length);
    count++;
  }
  await writer.finish();
  return count;
}

/**
 * The line number of the row `line_no<TAB>\\N` (two fields, the second null) in data[start, end),
 * or -1 for any other row.
 */
export function bareLineNumber(data: Buffer, start: number, end: number): number {
  const tab = data.indexOf(9, start);
  if (tab <= start || tab + 3 !== end || data[tab + 1] !== 92 || data[tab + 2] !== 78) {
    return -1;
  }
  let n = 0;
  for (let i = start; i < tab; i++) {
    const digit = data[i] - 48;
    if (digit < 0 || digit > 9) {
      return -1;
    }
    n = n * 10 + digit;
  }
  return n;
}
