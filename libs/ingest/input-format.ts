import { RecordSplitter } from '@libs/csv';
import { JsonSplitter } from './json';

/**
 * How an uploaded file holds its records: a CSV with a header line, one JSON array of objects, or
 * newline-delimited JSON (one object per line).
 */
export const INPUT_FORMATS = ['csv', 'json-array', 'ndjson'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/**
 * Cuts a file, chunk by chunk, into pieces that start and end on record boundaries, and counts
 * the units each piece holds, so every record gets its number before any thread parses it: CSV
 * counts physical lines (a row's number is the line it starts on, the header being line 1), JSON
 * counts records (the first object is record 1).
 */
export interface RecordCutter {
  /** Offset just past the last record boundary in `chunk`, or -1 when no record ends in it. */
  lastBoundary(chunk: Buffer): number;
  /** Units in the piece just cut at the last boundary returned. */
  unitsInPiece(piece: Buffer): number;
  /** Units in the bytes after the last boundary (the final piece), at the end of the file. */
  unitsInTail(tail: Buffer): number;
  /** At the end of the file: whether it ended inside a quoted CSV field (JSON reports its own). */
  endsInsideQuotes(): boolean;
}

export function recordCutter(format: InputFormat): RecordCutter {
  if (format === 'csv') {
    const splitter = new RecordSplitter();
    return {
      lastBoundary: (chunk) => splitter.lastBoundary(chunk),
      unitsInPiece: countLineFeeds,
      unitsInTail: countLineFeeds,
      endsInsideQuotes: () => splitter.isInsideQuotes,
    };
  }
  const splitter = new JsonSplitter(format);
  return {
    lastBoundary: (chunk) => splitter.lastBoundary(chunk),
    unitsInPiece: () => splitter.takeRecordCount(),
    unitsInTail: () => splitter.finish(),
    endsInsideQuotes: () => false,
  };
}

export function countLineFeeds(piece: Buffer): number {
  let count = 0;
  for (let at = piece.indexOf(10); at !== -1; at = piece.indexOf(10, at + 1)) {
    count++;
  }
  return count;
}

/** What a unit is called in messages about a format ("line 12", "record 12"). */
export function unitName(format: InputFormat): 'line' | 'record' {
  return format === 'csv' ? 'line' : 'record';
}

/**
 * A JSON file's format from its first bytes: an array when the first value starts with '[',
 * newline-delimited when it starts with '{' (a single object is NDJSON with one record); null
 * when it is neither (or there is nothing but whitespace).
 */
export function sniffJsonFormat(head: Buffer): 'json-array' | 'ndjson' | null {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) {
    i++;
  }
  if (head[i] === 0x5b) {
    return 'json-array';
  }
  return head[i] === 0x7b ? 'ndjson' : null;
}
