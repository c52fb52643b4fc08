import { CsvParser } from '@libs/csv';
import { IngestionErrors } from './ingestion.errors';
import { DatasetKind } from '@libs/ingest';
import { KindRegistry } from './kind.registry';

/** How much of the start of an upload is kept to check that it can be this kind. */
export const SNIFF_BYTES = 64 * 1024;

/**
 * Refuses a file that cannot be `kind` from its first bytes: empty, binary, not UTF-8, no header,
 * missing required columns, or no data rows. `isComplete` says whether `head` is the whole file.
 */
export function sniffCsv(head: Buffer, isComplete: boolean, kind: DatasetKind, registry: KindRegistry): void {
  if (head.length === 0) {
    throw IngestionErrors.emptyFile();
  }
  if (head.includes(0)) {
    throw IngestionErrors.notCsv('it contains NUL bytes (binary data)');
  }
  if (!isValidUtf8Prefix(head, isComplete)) {
    throw IngestionErrors.notCsv('it is not UTF-8 text');
  }
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
  if (!header || header.every((h) => h.trim() === '')) {
    throw IngestionErrors.emptyFile();
  }
  const mapping = registry.mapHeader(kind, header);
  const matched = mapping.indexes.filter((i) => i >= 0).length;
  if (matched === 0) {
    const firstLine = header.join(',').slice(0, 120);
    throw IngestionErrors.noHeader(kind.name, kind.columns.map((c) => c.name), firstLine);
  }
  if (mapping.missing.length > 0) {
    throw IngestionErrors.missingColumns(mapping.missing, header.map((h) => h.trim()));
  }
  if (isComplete && records.length < 2) {
    throw IngestionErrors.noRows();
  }
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
