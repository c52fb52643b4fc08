import { CsvParser } from '@libs/csv';
import { DatasetKind, InputFormat, mapHeader, sniffJsonFormat } from '@libs/ingest';
import { JsonSplitter, JsonSyntaxError, parseJsonPiece } from '@libs/ingest/json';
import { IngestionErrors } from './ingestion.errors';

/** How much of the start of an upload is kept to check that it can be this kind. */
export const SNIFF_BYTES = 64 * 1024;

/** What the client said the file is (a JSON media type or file name), before its bytes say more. */
export type DeclaredType = 'csv' | 'json';

const JSON_MEDIA_TYPES = ['application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'text/json'];
const JSON_EXTENSIONS = ['.json', '.ndjson', '.jsonl'];

/** 'json' when a Content-Type (parameters ignored) or a file name says JSON, else 'csv'. */
export function declaredType(contentType: string | undefined, fileName?: string): DeclaredType {
  const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const name = (fileName ?? '').toLowerCase();
  return JSON_MEDIA_TYPES.includes(media) || JSON_EXTENSIONS.some((ext) => name.endsWith(ext)) ? 'json' : 'csv';
}

/**
 * Refuses a file that cannot be `kind` from its first bytes (empty, binary, not UTF-8, no header
 * or first record with the required columns, no data) and says how it holds its records.
 * `isComplete` says whether `head` is the whole file.
 */
export function sniffUpload(head: Buffer, isComplete: boolean, kind: DatasetKind, declared: DeclaredType): InputFormat {
  if (head.length === 0) {
    throw IngestionErrors.emptyFile();
  }
  const notText = declared === 'json' ? IngestionErrors.notJson : IngestionErrors.notCsv;
  if (head.includes(0)) {
    throw notText('it contains NUL bytes (binary data)');
  }
  if (!isValidUtf8Prefix(head, isComplete)) {
    throw notText('it is not UTF-8 text');
  }
  if (declared === 'json') {
    return sniffJson(head, isComplete, kind);
  }
  sniffCsv(head, isComplete, kind);
  return 'csv';
}

function sniffCsv(head: Buffer, isComplete: boolean, kind: DatasetKind): void {
  const records: string[][] = [];
  const parser = new CsvParser();
  const collect = (fields: string[]) => {
    if (records.length < 2) {
      records.push(fields);
    }
  };
  parser.push(head, collect);
  if (isComplete) {
    parser.end(collect);
  }
  const header = records[0];
  if (!header && !isComplete) {
    // The first record runs past the bytes looked at: not an empty file, a header too long (or an unclosed quote).
    throw IngestionErrors.headerTooLong(head.length);
  }
  if (!header || header.every((h) => h.trim() === '')) {
    throw IngestionErrors.emptyFile();
  }
  const mapping = mapHeader(kind.columns, header);
  const matched = mapping.indexes.filter((i) => i >= 0).length;
  if (matched === 0) {
    const firstLine = header.join(',').slice(0, 120);
    throw IngestionErrors.noHeader(
      kind.name,
      kind.columns.map((c) => c.name),
      firstLine,
    );
  }
  if (mapping.missing.length > 0) {
    throw IngestionErrors.missingColumns(
      mapping.missing,
      header.map((h) => h.trim()),
    );
  }
  if (isComplete && records.length < 2) {
    throw IngestionErrors.noRows();
  }
}

/**
 * A JSON array of objects or NDJSON: the first record (when it ends within the head) must hold
 * the kind's required members; a syntax error within the head is refused at once with its offset.
 */
function sniffJson(head: Buffer, isComplete: boolean, kind: DatasetKind): InputFormat {
  const format = sniffJsonFormat(head);
  if (!format) {
    throw IngestionErrors.notJson(isBlank(head) ? 'it holds only whitespace' : 'it does not start with [ (an array of objects) or { (one object per line)');
  }
  const splitter = new JsonSplitter(format);
  const boundary = isComplete ? head.length : splitter.lastBoundary(head);
  if (boundary <= 0) {
    return format; // the first record does not end within the head: the import checks it
  }
  const text = head.subarray(0, boundary).toString('utf8');
  // The first record's members (null when it is not a flat object: the import rejects it alone).
  let first: string[] | null = null;
  let records = 0;
  const take = (names: string[] | null) => {
    if (records++ === 0 && names) {
      first = [...names];
    }
  };
  try {
    parseJsonPiece(
      text,
      format,
      { isFirst: true, isLast: isComplete, firstOrdinal: 1 },
      {
        record: (names) => take(names),
        invalid: () => take(null),
      },
    );
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw IngestionErrors.invalidJson(err.reason, Buffer.byteLength(text.slice(0, err.offset)));
    }
    throw err;
  }
  if (records === 0) {
    if (isComplete) {
      throw IngestionErrors.noRows();
    }
    return format;
  }
  const missing = first ? mapHeader(kind.columns, first).missing : [];
  if (missing.length > 0) {
    throw IngestionErrors.missingMembers(missing, first ?? []);
  }
  return format;
}

function isBlank(head: Buffer): boolean {
  return head.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
}

function isValidUtf8Prefix(head: Buffer, isComplete: boolean): boolean {
  // A chunk may end inside a multi-byte character: ignore up to 3 trailing bytes of a longer file.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const cut = isComplete ? 0 : Math.min(3, head.length);
  for (let drop = 0; drop <= cut; drop++) {
    try {
      decoder.decode(head.subarray(0, head.length - drop));
      return true;
    } catch {
      // try a shorter prefix
    }
  }
  return false;
}
