import * as ExcelJS from 'exceljs';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openTableWriter, XLSX_SHEET_ROWS } from './table-writer';

describe('table writers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'table-writer-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  const at = new Date('2025-06-28T10:00:00.123Z');
  const rows = [
    ['=1+2', -2.5, at, true, null],
    ['plain, "quoted"', 3, at, false, 'x\ny'],
  ];

  it('writes CSV with fast-csv quoting, neutralised text, untouched numbers, ISO instants, empty nulls', async () => {
    const file = path.join(dir, 'a.csv');
    const w = openTableWriter('csv', file, ['text', 'n', 'at', 'ok', 'maybe'], {});
    for (const r of rows) await w.write(r);
    expect(await w.finish()).toBe(2);
    expect(await fs.readFile(file, 'utf8')).toBe(
      'text,n,at,ok,maybe\n' + "'=1+2,-2.5,2025-06-28T10:00:00.123Z,true,\n" + '"plain, ""quoted""",3,2025-06-28T10:00:00.123Z,false,"x\ny"',
    );
  });

  it('leaves no listeners behind on the file while waiting for drains (one pair per wait used to stay)', async () => {
    const file = path.join(dir, 'many.csv');
    const w = openTableWriter('csv', file, ['a', 'b'], {});
    const out = (w as unknown as { out: NodeJS.EventEmitter }).out;
    const before = out.listenerCount('close');
    const warnings: string[] = [];
    const onWarning = (e: Error) => warnings.push(e.message);
    process.on('warning', onWarning);
    for (let i = 0; i < 50_000; i++) await w.write([`row ${i} `.repeat(20), i]);
    expect(out.listenerCount('close')).toBeLessThanOrEqual(before + 1);
    expect(await w.finish()).toBe(50_000);
    process.off('warning', onWarning);
    expect(warnings.filter((m) => m.includes('MaxListeners'))).toEqual([]);
  });

  it('writes JSON as meta and one object per row, values typed', async () => {
    const file = path.join(dir, 'a.json');
    const w = openTableWriter('json', file, ['text', 'n', 'at', 'ok', 'maybe'], { source: 's' });
    for (const r of rows) await w.write(r);
    await w.finish();
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({
      meta: { source: 's' },
      data: [
        { text: '=1+2', n: -2.5, at: at.toISOString(), ok: true, maybe: null },
        { text: 'plain, "quoted"', n: 3, at: at.toISOString(), ok: false, maybe: 'x\ny' },
      ],
    });
  });

  it('writes XLSX with typed cells, a header on every sheet, continuing on a new sheet when one is full', async () => {
    expect(XLSX_SHEET_ROWS).toBe(1_048_576);
    const file = path.join(dir, 'a.xlsx');
    const w = openTableWriter('xlsx', file, ['text', 'n', 'at', 'ok', 'maybe'], {}, { sheetRows: 3 });
    for (let i = 0; i < 5; i++) await w.write([i === 0 ? '@cmd' : `r${i}`, i, at, i % 2 === 0, null]);
    expect(await w.finish()).toBe(5);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    expect(book.worksheets.map((s) => s.name)).toEqual(['data', 'data 2', 'data 3']);
    const values = (s: ExcelJS.Worksheet) => {
      const out: unknown[][] = [];
      s.eachRow((r) => out.push((r.values as unknown[]).slice(1)));
      return out;
    };
    expect(values(book.worksheets[0])).toEqual([
      ['text', 'n', 'at', 'ok', 'maybe'],
      ["'@cmd", 0, at, true],
      ['r1', 1, at, false],
    ]);
    expect(values(book.worksheets[1])[0]).toEqual(['text', 'n', 'at', 'ok', 'maybe']);
    expect(values(book.worksheets[2])).toEqual([
      ['text', 'n', 'at', 'ok', 'maybe'],
      ['r4', 4, at, true],
    ]);
  });

  it('keeps XLSX memory bounded: rows wait for the zip instead of queueing its XML', async () => {
    // Without waiting for the archiver, 200K rows queued ~65 MB of sheet XML.
    const file = path.join(dir, 'big.xlsx');
    const w = openTableWriter('xlsx', file, ['id', 'merchant', 'zone', 'amount', 'at'], {});
    const queued = () => (w as unknown as { queuedBytes(): number }).queuedBytes();
    let peak = 0;
    for (let i = 0; i < 300_000; i++) {
      await w.write([`TXN_${i}`, `MERCH_${i % 5000}`, 'Downtown', 100 + i / 100, at]);
      if (i % 100 === 0) peak = Math.max(peak, queued());
    }
    await w.finish();
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(12 << 20);
  }, 60_000);

  it.each(['csv', 'json', 'xlsx'] as const)('rejects, never hangs, when its file cannot be written (%s)', async (format) => {
    const w = openTableWriter(format, path.join(dir, 'no-such-dir', `x.${format}`), ['a'], {});
    const run = async () => {
      for (let i = 0; i < 5000; i++) await w.write([`r${i}`]);
      return w.finish();
    };
    await expect(run()).rejects.toThrow(/ENOENT/);
    await w.abort();
  });
});
