import { createHash } from 'crypto';
import { CleanValues, createTransactionsCleaner, Reject } from '../cleaners';
import { CsvParser } from '../csv';

/** Every record of `csv` (header included) as parsed by the repo's CsvParser. */
export function parseRecords(csv: string): string[][] {
  const records: string[][] = [];
  const parser = new CsvParser();
  const onRecord = (fields: string[]): void => void records.push(fields);
  parser.push(Buffer.from(csv, 'utf8'), onRecord);
  parser.end(onRecord);
  return records;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface CleanedTransactions {
  /** Data records (header dropped), as parsed. */
  raw: string[][];
  /** raw[i] cleaned, or null when the cleaner rejected it. */
  cleaned: (CleanValues | null)[];
  rejectsByReason: Record<string, number>;
}

/** Parses a transactions CSV and runs every data record through the transactions cleaner. */
export function cleanTransactions(csv: string, now: Date): CleanedTransactions {
  const raw = parseRecords(csv).slice(1);
  const clean = createTransactionsCleaner({ now });
  const rejectsByReason: Record<string, number> = {};
  const cleaned = raw.map((fields) => {
    const r = clean(fields);
    if (r instanceof Reject) {
      rejectsByReason[r.reason] = (rejectsByReason[r.reason] ?? 0) + 1;
      return null;
    }
    return r;
  });
  return { raw, cleaned, rejectsByReason };
}

/** Distinct values of column `col` over the accepted rows. */
export function distinctCleaned(rows: (CleanValues | null)[], col: number): Set<string | null> {
  const set = new Set<string | null>();
  for (const r of rows) if (r) set.add(r[col]);
  return set;
}
