import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { createInterface } from 'readline';
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
  const stream = client.query(copyTo(
    `COPY (SELECT r.line_no, c.raw${values} FROM ${REMOVED_ROWS} r LEFT JOIN ${o.candidatesTable} c ON c.line_no = r.line_no ORDER BY r.line_no) TO STDOUT`,
  ));
  const writer = new RejectedLineWriter(o.file, o.reason, o.rejects);
  let count = 0;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    const row = decodeCopyRow(line);
    if (o.accumulator && values) {
      o.accumulator.subtract(row.slice(2));
    }
    if (row[1] === null) {
      await writer.add(Number(row[0]));
    } else {
      o.rejects.write(Number(row[0]), o.reason, row[1]);
      await o.rejects.drainIfNeeded();
    }
    count++;
  }
  await writer.finish();
  return count;
}
