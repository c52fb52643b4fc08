import { CsvParser } from '../../libs/csv';

/**
 * The same records as a CSV file, as JSON objects keyed by its header: every third numeric-looking
 * value as a JSON number, every fifth empty value left out (the rest as strings), so both
 * representations are exercised. Independent of the generators' own converter.
 */
export function csvToObjects(csv: string | Buffer): Array<Record<string, string | number>> {
  const records: string[][] = [];
  const parser = new CsvParser();
  const take = (fields: string[]) => records.push(fields);
  parser.push(Buffer.isBuffer(csv) ? csv : Buffer.from(csv), take);
  parser.end(take);
  const [header, ...rows] = records;
  let n = 0;
  return rows.map((fields) => {
    const object: Record<string, string | number> = {};
    fields.forEach((value, i) => {
      n++;
      if (value === '' && n % 5 === 0) {
        return;
      }
      object[header[i]] = /^-?(0|[1-9]\d{0,14})(\.\d+)?$/.test(value) && n % 3 === 0 ? Number(value) : value;
    });
    return object;
  });
}

export const toNdjson = (objects: object[]): string => objects.map((o) => JSON.stringify(o)).join('\n') + '\n';

/** A JSON array, pretty-printed (records span lines, as exports often are). */
export const toJsonArray = (objects: object[]): string => JSON.stringify(objects, null, 2);
