import { BloomFilter } from '@libs/csv';
import type { InputFormat } from './input-format';
import { createRowPipeline, INVALID_JSON_RECORD, PieceOutput, PipelineSettings, RowPipeline } from './row-pipeline';
import { CopyRow, decodeCopyRows, TEST_COPY_TYPES, testKind, testSettings } from './test-kind.spec-helper';

const HEADER = ['ID', 'NAME', 'AMOUNT'];

function pipeline(format: InputFormat, header: string[] | null = format === 'csv' ? HEADER : null, o: Partial<PipelineSettings> = {}, uniqueKey = ['id']): RowPipeline {
  return createRowPipeline(testKind(uniqueKey), testSettings(format, header, o));
}

interface Run {
  out: PieceOutput;
  rows: CopyRow[];
}

function run(p: RowPipeline, text: string, o: { seq?: number; lineOffset?: number; isFirst?: boolean; isLast?: boolean } = {}): Run {
  const out = p.processPiece({ seq: o.seq ?? 0, piece: Buffer.from(text), lineOffset: o.lineOffset ?? 0, isFirst: o.isFirst ?? true, isLast: o.isLast ?? true });
  return { out, rows: decodeCopyRows(out.copy, TEST_COPY_TYPES) };
}

/** The (word, flags) pairs BloomFilter.hashInto gives these keys. */
function hashesOf(keys: string[], wordMask = 1023): Int32Array {
  const out = new Int32Array(keys.length * 2);
  keys.forEach((key, i) => BloomFilter.hashInto(key, wordMask, out, i * 2));
  return out;
}

describe('RowPipeline', () => {
  describe('with CSV pieces', () => {
    it('should skip the header and load rows with their file line numbers when the piece starts the file', () => {
      const { out, rows } = run(pipeline('csv'), '\ufeffID,NAME,AMOUNT\na1, Alice ,12.50\na2,Bob,\n', { isLast: false });
      expect(out).toMatchObject({ rowsRead: 2, rowsLoaded: 2, rejects: [], syntaxError: null, rollup: null });
      expect(rows).toEqual([
        { line: 2, values: ['a1', 'Alice', '12.50'] },
        { line: 3, values: ['a2', 'Bob', null] },
      ]);
    });

    it('should read the first record as data and number lines after lineOffset when the piece is not the first', () => {
      const { out, rows } = run(pipeline('csv'), 'ID,NAME,AMOUNT\nx1,N,1\n', { isFirst: false, lineOffset: 40 });
      expect(out).toMatchObject({ rowsRead: 2, rowsLoaded: 1, rejects: [[41, 'INVALID_AMOUNT', 'ID,NAME,AMOUNT']] });
      expect(rows).toEqual([{ line: 42, values: ['x1', 'N', '1'] }]);
    });

    it('should load a last line without a line feed when the piece ends the file', () => {
      const { out, rows } = run(pipeline('csv'), 'z1,Zed,0.5\nz2,Zoe,-7', { isFirst: false, lineOffset: 9 });
      expect(out.rowsLoaded).toBe(2);
      expect(rows).toEqual([
        { line: 10, values: ['z1', 'Zed', '0.5'] },
        { line: 11, values: ['z2', 'Zoe', '-7'] },
      ]);
    });

    it('should reject a row as WRONG_FIELD_COUNT with its raw text when its field count differs from the header', () => {
      const { out, rows } = run(pipeline('csv'), 'ID,NAME,AMOUNT\na,b\nc,d,1\ne,f,2,extra\n"g,h",i\n', { isLast: false });
      expect(out.rowsRead).toBe(4);
      expect(out.rejects).toEqual([
        [2, 'WRONG_FIELD_COUNT', 'a,b'],
        [4, 'WRONG_FIELD_COUNT', 'e,f,2,extra'],
        [5, 'WRONG_FIELD_COUNT', '"g,h",i'],
      ]);
      expect(rows).toEqual([{ line: 3, values: ['c', 'd', '1'] }]);
    });

    it('should reject a row as NUL_CHARACTER with its raw text when a field holds a NUL byte', () => {
      const { out, rows } = run(pipeline('csv'), 'ID,NAME,AMOUNT\na\0b,N,1\nc,"x\0",2\nd,D,3\n', { isLast: false });
      expect(out.rejects).toEqual([
        [2, 'NUL_CHARACTER', 'a\0b,N,1'],
        [3, 'NUL_CHARACTER', 'c,"x\0",2'],
      ]);
      expect(rows).toEqual([{ line: 4, values: ['d', 'D', '3'] }]);
    });

    it.each([
      ['LF', '\n'],
      ['CRLF', '\r\n'],
    ])("should give the cleaner's rejects the file line each record starts on when quoted fields span lines (%s)", (_name, eol) => {
      const text = ['ID,NAME,AMOUNT', `a1,"two${eol}lines",1`, ',Nobody,2', 'a3,Carol,1.2.3', '', 'a4,   ,7', 'a5,"Dan ""D"", é€😀",-3.5', ''].join(eol);
      const { out, rows } = run(pipeline('csv'), text, { isLast: false, lineOffset: 0 });
      expect(out.rowsRead).toBe(5);
      expect(out.rejects).toEqual([
        [4, 'MISSING_ID', ',Nobody,2'],
        [5, 'INVALID_AMOUNT', 'a3,Carol,1.2.3'],
        [7, 'MISSING_NAME', 'a4,   ,7'],
      ]);
      expect(rows).toEqual([
        { line: 2, values: ['a1', `two${eol}lines`, '1'] },
        { line: 8, values: ['a5', 'Dan "D", é€😀', '-3.5'] },
      ]);
    });

    it("should pick the kind's columns by the header when it is reordered, differently cased and has extra columns", () => {
      const header = ['amount', ' Name ', 'extra', 'iD'];
      const { out, rows } = run(pipeline('csv', header), 'amount, Name ,extra,iD\n5.5,Eve,zzz,e1\n1,too,few\n,Fay,,f1\n', { isLast: false });
      expect(out.rejects).toEqual([[3, 'WRONG_FIELD_COUNT', '1,too,few']]);
      expect(rows).toEqual([
        { line: 2, values: ['e1', 'Eve', '5.5'] },
        { line: 4, values: ['f1', 'Fay', null] },
      ]);
    });

    it('should leave an optional column empty when the header lacks it', () => {
      const { rows } = run(pipeline('csv', ['name', 'id']), 'name,id\nGus,g1\n', { isLast: false });
      expect(rows).toEqual([{ line: 2, values: ['g1', 'Gus', null] }]);
    });
  });

  describe('with JSON pieces', () => {
    const records = [
      '{"Id":"j1","NAME":"Ann","amount":12.50,"extra":"x"}',
      '{"id":"j2","name":1e3,"AMOUNT":null}',
      '{"id":"j3","amount":"1"}',
      '{"id":"j4","name":null}',
      '{" iD ":" j5 ","Name":true,"Amount":1.5E+2,"ignored":{}}',
      '{"id":"j6","name":"é€😀","amount":-2.5e-3,"id":"j6b"}',
    ];

    it.each([
      ['json-array', `[${records.slice(0, 4).join(',')},${records[5]}]`],
      ['ndjson', `${records.slice(0, 4).join('\n')}\n${records[5]}\n`],
    ] as const)('should match members case-insensitively, ignore unknown ones and read missing or null as empty when records vary in shape (%s)', (format, text) => {
      const { out, rows } = run(pipeline(format), text);
      expect(out).toMatchObject({ rowsRead: 5, rowsLoaded: 3, syntaxError: null });
      expect(out.rejects).toEqual([
        [3, 'MISSING_NAME', records[2]],
        [4, 'MISSING_NAME', records[3]],
      ]);
      expect(rows).toEqual([
        { line: 1, values: ['j1', 'Ann', '12.50'] },
        { line: 2, values: ['j2', '1000', null] },
        { line: 5, values: ['j6b', 'é€😀', '-0.0025'] },
      ]);
    });

    it.each(['json-array', 'ndjson'] as const)('should trim member names and write numbers and literals as plain text when the piece is not the first (%s)', (format) => {
      const text = format === 'json-array' ? `{"id":"k0","name":"x"},${records[4].replace(',"ignored":{}', '')}]` : `${records[4].replace(',"ignored":{}', '')}\n`;
      const { rows } = run(pipeline(format), text, { isFirst: false, lineOffset: format === 'json-array' ? 19 : 20 });
      expect(rows[rows.length - 1]).toEqual({ line: 21, values: ['j5', 'true', '150'] });
    });

    it.each([
      ['json-array', (rs: string[]) => `${rs.join(',')},`],
      ['ndjson', (rs: string[]) => `${rs.join('\n')}\n`],
    ] as const)('should reject a record as INVALID_JSON_RECORD with its ordinal and exact text when it is not a flat object (%s)', (format, join) => {
      const invalid = ['{"id":"n1","name":{"first":"A"}}', '{"id":"n2","name":"B","tags":["x",{"y":[]}]}', '42', '"text"', '[1, 2]', 'null', 'true'];
      const { out, rows } = run(pipeline(format), join([...invalid, '{"id":"ok","name":"fine"}']), { isFirst: false, isLast: false, lineOffset: 10 });
      expect(out.rowsRead).toBe(8);
      expect(out.rejects).toEqual(invalid.map((raw, i) => [11 + i, INVALID_JSON_RECORD, raw]));
      expect(rows).toEqual([{ line: 18, values: ['ok', 'fine', null] }]);
    });

    it.each([
      ['ndjson', '{"id":"é€😀","name":"x"}\n{"id":"b" "name":"y"}\n', '{"id":"é€😀","name":"x"}\n{"id":"b" ', "unexpected '\"'; expected ',' or '}'"],
      ['json-array', '{"id":"é€😀","name":"x"},{"id":"b",,"name":"y"},', '{"id":"é€😀","name":"x"},{"id":"b",', "unexpected ','; expected a member name (a string)"],
    ] as const)(
      'should report the byte offset (not char offset) and the record being read when the piece has a syntax error after multi-byte text (%s)',
      (format, text, before, reason) => {
        const { out } = run(pipeline(format), text, { isFirst: false, isLast: false, lineOffset: 7 });
        expect(Buffer.byteLength(before)).not.toBe(before.length);
        expect(out.syntaxError).toEqual({ reason, byteOffsetInPiece: Buffer.byteLength(before), ordinal: 9 });
      },
    );

    it('should report a syntax error at the byte after a BOM when the first piece of an array has none of its bracket', () => {
      const { out } = run(pipeline('json-array'), '\ufeff {"id":"a"}]');
      expect(out.syntaxError).toEqual({ reason: "unexpected '{'; expected '[' (a json-array file is one JSON array)", byteOffsetInPiece: 4, ordinal: 1 });
    });

    it.each(['json-array', 'ndjson'] as const)(
      'should reject a record as NUL_CHARACTER when a column value holds \\u0000, but load an escaped backslash before u0000 (%s)',
      (format) => {
        const nul = '{"id":"z1","name":"a\\u0000b"}';
        const escaped = '{"id":"z2","name":"a\\\\u0000b"}';
        const unknown = '{"id":"z3","name":"c","note":"\\u0000"}';
        const text = format === 'json-array' ? `[${nul},${escaped},${unknown}]` : `${nul}\n${escaped}\n${unknown}`;
        const { out, rows } = run(pipeline(format), text);
        expect(out.rejects).toEqual([[1, 'NUL_CHARACTER', nul]]);
        expect(rows).toEqual([
          { line: 2, values: ['z2', 'a\\u0000b', null] },
          { line: 3, values: ['z3', 'c', null] },
        ]);
      },
    );
  });

  describe('key hashes and candidates', () => {
    it("should hash the loaded rows' keys in order, skipping rejects, when the kind has a unique key", () => {
      const { out } = run(pipeline('csv', HEADER, { bloomWordMask: 4095 }), 'ID,NAME,AMOUNT\nk1,A,1\n,B,2\nk3,C,x\nk4,D,4\n');
      expect(out.keyHashes).toEqual(hashesOf(['k1', 'k4'], 4095));
    });

    it('should give no key hashes when the kind has no unique key', () => {
      const { out } = run(pipeline('csv', HEADER, { keyIndexes: [] }, []), 'ID,NAME,AMOUNT\nk1,A,1\n');
      expect(out.rowsLoaded).toBe(1);
      expect(out.keyHashes).toBeNull();
    });

    it('should give no key hashes when no row of the piece loads', () => {
      const { out } = run(pipeline('ndjson'), '{"id":"a"}\n');
      expect(out.keyHashes).toBeNull();
    });

    it('should grow the hash array past 4096 rows when a piece holds many', () => {
      const keys = Array.from({ length: 5000 }, (_, i) => `id-${i}`);
      const { out } = run(pipeline('ndjson'), keys.map((id) => `{"id":"${id}","name":"n"}`).join('\n'));
      expect(out.keyHashes).toEqual(hashesOf(keys));
    });

    it("should give each flagged CSV row's key, line and exact raw text once, then forget the piece, when asked for candidates", () => {
      const p = pipeline('csv', ['amount', 'name', 'id']);
      const text = 'amount,name,id\n1,"multi\r\nline, ""quoted""",  c1  \n,bad,\n2,B,c2\r\n3,C,"c,3"\n';
      const { out } = run(p, text, { seq: 4, isLast: false });
      expect(out.rowsLoaded).toBe(3);
      expect(p.takeCandidates(4, [0, 2])).toEqual([
        ['c1', 2, '1,"multi\r\nline, ""quoted""",  c1  '],
        ['c,3', 6, '3,C,"c,3"'],
      ]);
      expect(p.takeCandidates(4, [1])).toEqual([]);
    });

    it.each([
      ['json-array', (rs: string[]) => `[${rs.join(',')}]`],
      ['ndjson', (rs: string[]) => rs.join('\n')],
    ] as const)("should give each flagged JSON record's key, ordinal and exact raw text when asked for candidates (%s)", (format, join) => {
      const p = pipeline(format);
      const recs = ['{"id":"a","name":"A"}', '{"name":"B","ID":" b "}', '{"id":"é\\"q","name":"C","x":[1]}', '{"id":"é\\"q","name":"C"}'];
      run(p, join(recs), { seq: 1 });
      expect(p.takeCandidates(1, [1, 2])).toEqual([
        ['b', 2, recs[1]],
        ['é"q', 4, recs[3]],
      ]);
    });

    it('should rebuild the key of a JSON array record when its pretty-printed raw text spans lines', () => {
      const p = pipeline('json-array');
      const text = JSON.stringify(
        [
          { id: 'p1', name: 'A' },
          { id: 'p1', name: 'B' },
        ],
        null,
        2,
      );
      run(p, text, { seq: 0 });
      expect(p.takeCandidates(0, [1])).toEqual([['p1', 2, '{\n    "id": "p1",\n    "name": "B"\n  }']]);
    });

    it("should forget a piece's rows when it is dropped", () => {
      const p = pipeline('csv');
      run(p, 'ID,NAME,AMOUNT\nd1,D,1\n', { seq: 2 });
      p.drop(2);
      expect(p.takeCandidates(2, [0])).toEqual([]);
    });

    it.each([
      ['csv', 'ID,NAME,AMOUNT\nq1,"Q, ""one""",1\nq2,R,2\n'],
      ['ndjson', '{"id":"q1","name":"Q, \\"one\\""}\n{"id":"q2","name":"R"}\n'],
    ] as const)('should hash a composite key joined by U+001F and report it as a JSON array when the kind has one (%s)', (format, text) => {
      const p = pipeline(format, format === 'csv' ? HEADER : null, { keyIndexes: [0, 1] }, ['id', 'name']);
      const { out } = run(p, text, { seq: 3 });
      expect(out.keyHashes).toEqual(hashesOf(['q1\u001fQ, "one"', 'q2\u001fR']));
      expect(p.takeCandidates(3, [0])[0].slice(0, 2)).toEqual(['["q1","Q, \\"one\\""]', format === 'csv' ? 2 : 1]);
    });
  });
});
