// The module object itself (not an import-star copy), so a spy sees rejected-lines.ts's calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
import fs = require('fs');
import { LoadedFile, PieceSpan, RejectedLineWriter } from './rejected-lines';
import { RejectsWriter } from './rejects-writer';
import { loadFile, makeRows, readRejects, SourceFile, tempDir, toCsv, toJson } from './test-kind.spec-helper';

describe('RejectedLineWriter', () => {
  const tmp = tempDir();
  let opens: jest.SpyInstance;
  /** Byte offset of the first read after each open of the file: the start of the piece read. */
  let readStarts: number[];

  beforeEach(() => {
    readStarts = [];
    const open = fs.promises.open.bind(fs.promises);
    opens = jest.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
      const handle = await open(...args);
      const read = handle.read.bind(handle) as (...a: unknown[]) => ReturnType<typeof handle.read>;
      let isFirst = true;
      (handle as unknown as { read: unknown }).read = (...a: unknown[]) => {
        if (isFirst) {
          readStarts.push(a[3] as number);
          isFirst = false;
        }
        return read(...a);
      };
      return handle;
    });
  });

  afterEach(() => opens.mockRestore());

  afterAll(() => tmp.remove());

  /** Adds `lines` in order, finishes, and returns what the rejects file holds. */
  async function writeLines(file: LoadedFile, lines: number[], name: string): Promise<{ written: number; rows: Array<[number, string, string]> }> {
    const rejectsPath = tmp.file(`${name}.rejects.csv`);
    const rejects = new RejectsWriter(rejectsPath);
    const writer = new RejectedLineWriter(file, 'DUPLICATE_ID', rejects);
    try {
      for (const line of lines) {
        await writer.add(line);
      }
      await writer.finish();
    } finally {
      await rejects.close();
    }
    return { written: writer.written, rows: readRejects(rejectsPath) };
  }

  /** The span (by index) holding each unit, as the writer must pick it. */
  function spanOf(spans: PieceSpan[], line: number): number {
    const at = spans.findIndex((s) => line > s.lineOffset && line <= s.lineOffset + s.lines);
    return at === -1 ? spans.length - 1 : at;
  }

  /** The byte ranges createReadStream was asked for, as span indexes. */
  function reReads(spans: PieceSpan[]): number[] {
    return readStarts.map((start) => {
      const at = spans.findIndex((s) => s.byteStart === start);
      expect(at).toBeGreaterThanOrEqual(0);
      return at;
    });
  }

  it.each([
    ['csv', () => toCsv(makeRows(50_000, 3, { multiLine: true }), { eol: '\r\n', isLastEolOmitted: true })],
    ['json-array', () => toJson(makeRows(50_000, 3), 'json-array', true)],
    ['ndjson', () => toJson(makeRows(50_000, 3), 'ndjson')],
  ] as const)(
    'should write exactly the asked records with their raw text, reading each piece holding some once, when lines come in ascending order (%s)',
    async (format, build) => {
      const source: SourceFile = build();
      const path = tmp.file(`source.${format}`);
      fs.writeFileSync(path, source.text);
      const { spans } = await loadFile(path, format);
      readStarts = [];
      expect(spans.length).toBeGreaterThanOrEqual(3);
      // First and last records, multi-line ones (CSV), neighbours, records at both ends of a piece.
      const picks = new Set([0, 1, 10, 21, 22, 5_000, 15_000, 15_001, 25_000, 49_998, 49_999]);
      spans.slice(1).forEach((s) => {
        const first = source.records.findIndex((r) => r.byteStart >= s.byteStart);
        picks.add(first);
        picks.add(first - 1);
      });
      const chosen = [...picks].sort((a, b) => a - b).map((i) => source.records[i]);
      if (format === 'csv') {
        expect(chosen.filter((r) => r.raw.includes('\n')).length).toBeGreaterThanOrEqual(2);
      }

      const { written, rows } = await writeLines(
        { path, format, spans },
        chosen.map((r) => r.line),
        format,
      );

      expect(rows).toEqual(chosen.map((r) => [r.line, 'DUPLICATE_ID', r.raw]));
      expect(written).toBe(chosen.length);
      const wanted = [...new Set(chosen.map((r) => spanOf(spans, r.line)))];
      expect(reReads(spans)).toEqual(wanted);
    },
  );

  it('should write invalid and pretty-printed JSON records from hand-cut pieces when asked for them', async () => {
    const records = ['{"id":"a","name":"A"}', '{\n  "id": "b",\n  "name": {"nested": true}\n}', '42', '{"id":"d","name":"D"}', '[1, 2]', '{"id":"f"}'];
    const pieces = [`[${records[0]},`, `${records[1]},${records[2]},`, `${records[3]},${records[4]},`, `${records[5]}]`];
    const path = tmp.file('hand.json');
    fs.writeFileSync(path, pieces.join(''));
    const spans: PieceSpan[] = [];
    let byteStart = 0;
    [1, 2, 2, 1].forEach((lines, i) => {
      spans.push({ byteStart, byteLength: Buffer.byteLength(pieces[i]), lineOffset: spans.reduce((n, s) => n + s.lines, 0), lines });
      byteStart += Buffer.byteLength(pieces[i]);
    });

    const { rows } = await writeLines({ path, format: 'json-array', spans }, [2, 3, 5, 6], 'hand-json');

    expect(rows).toEqual([
      [2, 'DUPLICATE_ID', records[1]],
      [3, 'DUPLICATE_ID', records[2]],
      [5, 'DUPLICATE_ID', records[4]],
      [6, 'DUPLICATE_ID', records[5]],
    ]);
    expect(reReads(spans)).toEqual([1, 2, 3]);
  });

  it('should write a multi-line CSV record of the last piece when the file has no final line feed', async () => {
    const text = 'ID,NAME,AMOUNT\na,A,1\nb,"B\nstill B",2\nc,"C\r\nand C",3';
    const path = tmp.file('tail.csv');
    fs.writeFileSync(path, text);
    const spans: PieceSpan[] = [
      { byteStart: 0, byteLength: 21, lineOffset: 0, lines: 2 },
      { byteStart: 21, byteLength: Buffer.byteLength(text) - 21, lineOffset: 2, lines: 3 },
    ];
    const { rows } = await writeLines({ path, format: 'csv', spans }, [3, 5], 'tail-csv');
    expect(rows).toEqual([
      [3, 'DUPLICATE_ID', 'b,"B\nstill B",2'],
      [5, 'DUPLICATE_ID', 'c,"C\r\nand C",3'],
    ]);
  });

  it('should throw when a line lies beyond the last piece of the file', async () => {
    const text = 'ID,NAME,AMOUNT\na,A,1\nb,B,2\n';
    const path = tmp.file('short.csv');
    fs.writeFileSync(path, text);
    const spans: PieceSpan[] = [{ byteStart: 0, byteLength: text.length, lineOffset: 0, lines: 3 }];
    await expect(writeLines({ path, format: 'csv', spans }, [3, 9], 'beyond')).rejects.toThrow('Lines 9 were not found in their piece of the file');
  });

  it('should throw when the file was cut into no piece at all', async () => {
    const rejects = new RejectsWriter(tmp.file('none.rejects.csv'));
    const writer = new RejectedLineWriter({ path: tmp.file('none.csv'), format: 'csv', spans: [] }, 'DUPLICATE_ID', rejects);
    await expect(writer.add(2)).rejects.toThrow('Line 2 is past the end of the loaded file');
    await rejects.close();
  });
});
