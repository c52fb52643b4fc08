import { FormatterOptions, writeToString } from '@fast-csv/format';
// fast-csv's own field quoting, used synchronously by the writers on a hot path (not in its index).
import { FieldFormatter } from '@fast-csv/format/build/src/formatter/FieldFormatter';
import { neutraliseFormula } from './formula';

/**
 * A value as the text of a CSV cell: nothing for null, an instant in ISO 8601, a list joined with
 * "; ", text formula-neutralised (quoting is fast-csv's, never hand-written).
 */
export function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return neutraliseFormula(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return neutraliseFormula(value.join('; '));
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // Anything else (an object: a nested field) as its JSON rather than '[object Object]'.
  return neutraliseFormula(JSON.stringify(value) ?? '');
}

/** A whole small CSV document (a header, then rows; every line ends with \n), through fast-csv. */
export function csvDocument(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<string> {
  return writeToString([header.map(csvValue), ...rows.map((r) => r.map(csvValue))], { includeEndRowDelimiter: true });
}

const fields = new FieldFormatter(new FormatterOptions({}));

/** One CSV line (without its line end), each value as {@link csvValue}, quoted by fast-csv; synchronous. */
export function csvLine(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    line += (i ? ',' : '') + fields.format(csvValue(values[i]), i, false);
  }
  return line;
}
