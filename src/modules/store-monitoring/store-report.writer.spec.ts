import * as ExcelJS from 'exceljs';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatReportRow, REPORT_CSV_HEADER, StoreUptime } from '@libs/stats';
import { openStoreReportWriter, STORE_REPORT_COLUMNS } from './store-report.writer';

const HOUR_US = 3_600e6;
const stores: Array<[string, StoreUptime]> = Array.from({ length: 5000 }, (_, i) => [
  // Ids a spreadsheet or a CSV reader would trip on, among plain ones.
  ['=1+2', 'a,b', 'say "hi"', 'line\nbreak', '-7'][i % 5] + String(i),
  { upUs: [(i % 61) * 60e6, (i % 25) * HOUR_US, (i % 169) * HOUR_US + 18e6], businessUs: [HOUR_US, 24 * HOUR_US, 168 * HOUR_US] },
]);

describe('openStoreReportWriter', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'store-report-writer-'));
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const write = async (format: 'csv' | 'json' | 'xlsx', rows: Array<[string, StoreUptime]>) => {
    const file = path.join(dir, `report.${format}`);
    const writer = openStoreReportWriter(format, file, { reportId: 'r1' });
    for (const [id, u] of rows) await writer.write(id, u);
    await expect(writer.finish()).resolves.toBe(rows.length);
    return fs.readFile(file);
  };

  it('should write the CSV text the report has always had when the format is csv', async () => {
    const expected = [REPORT_CSV_HEADER, ...stores.map(([id, u]) => formatReportRow(id, u))].join('\n') + '\n';
    expect((await write('csv', stores)).toString('utf8')).toBe(expected);
    expect((await write('csv', [])).toString('utf8')).toBe(`${REPORT_CSV_HEADER}\n`);
  });

  it('should write the same figures as numbers when the format is json or xlsx', async () => {
    const some = stores.slice(0, 50);
    const figures = some.map(([id, u]) => [id, ...formatReportRow('x', u).split(',').slice(1).map(Number)]);
    const doc = JSON.parse((await write('json', some)).toString('utf8'));
    expect(doc.meta).toEqual({ reportId: 'r1' });
    expect(doc.data.map((d: Record<string, unknown>) => STORE_REPORT_COLUMNS.map((c) => d[c]))).toEqual(figures);

    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await write('xlsx', some)) as unknown as ArrayBuffer);
    const rows: ExcelJS.CellValue[][] = [];
    book.worksheets[0].eachRow((row) => rows.push((row.values as ExcelJS.CellValue[]).slice(1)));
    expect(rows[0]).toEqual([...STORE_REPORT_COLUMNS]);
    // Text cells are formula-neutralised in a spreadsheet.
    expect(rows.slice(1)).toEqual(figures.map(([id, ...v]) => [String(id).startsWith('=') || String(id).startsWith('-') ? `'${id}` : id, ...v]));
  });

  it('should remove the file when aborted', async () => {
    const file = path.join(dir, 'aborted.csv');
    const writer = openStoreReportWriter('csv', file, {});
    await writer.write('s1', stores[0][1]);
    await writer.abort();
    await expect(fs.access(file)).rejects.toThrow();
  });
});
