import Papa from 'papaparse';
import { CsvParser } from './csv-parser';
import { Prng } from '../datagen/prng';

interface ParsedRecord {
  fields: string[];
  line: number;
  raw: string;
}

interface ParseResult {
  records: ParsedRecord[];
  linesRead: number;
}

type Chunking = 'whole' | 'bytes' | { seed: number; max: number };

/** The generators' seeded PRNG, as a function returning floats in [0, 1). */
function prng(seed: number): () => number {
  const rng = new Prng(seed);
  return () => rng.float();
}

function splitBuffer(buf: Buffer, chunking: Chunking): Buffer[] {
  if (chunking === 'whole') return [buf];
  const chunks: Buffer[] = [];
  if (chunking === 'bytes') {
    for (let i = 0; i < buf.length; i++) chunks.push(buf.subarray(i, i + 1));
    return chunks;
  }
  const rnd = prng(chunking.seed);
  for (let i = 0; i < buf.length;) {
    const size = 1 + Math.floor(rnd() * chunking.max);
    chunks.push(buf.subarray(i, i + size));
    i += size;
  }
  return chunks;
}

function parse(input: string | Buffer, chunking: Chunking = 'whole', delimiter?: string): ParseResult {
  const parser = new CsvParser(delimiter === undefined ? undefined : { delimiter });
  const records: ParsedRecord[] = [];
  const onRecord = (fields: string[], line: number): void => {
    records.push({ fields, line, raw: parser.currentRaw() });
  };
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  for (const chunk of splitBuffer(buf, chunking)) parser.push(chunk, onRecord);
  parser.end(onRecord);
  return { records, linesRead: parser.linesRead };
}

const fieldsOf = (input: string | Buffer, chunking?: Chunking): string[][] => parse(input, chunking).records.map((r) => r.fields);
const linesOf = (input: string | Buffer, chunking?: Chunking): number[] => parse(input, chunking).records.map((r) => r.line);

/** Inputs that exercise every state transition and chunk-boundary hazard. */
const TRICKY_INPUTS: string[] = [
  'a,b,c\n1,2,3\n',
  'a,b,c\r\n1,2,3\r\n',
  '\uFEFFid,name\r\n1,"x, y"\r\n',
  'a,b\nc,d',
  'a,b\r\nc,d\r',
  '"a,b",c\n"he said ""hi""",x\n',
  'h1,h2\n"line1\nline2",b\nnext,row\n',
  'h1,h2\r\n"line1\r\nline2\r\n",b\r\nnext,row\r\n',
  '\n\na\r\n\r\n\nb,c\n\r\n',
  'a,,c\n,\n,,\nx,\n',
  '""\n"",""\n"""",a\n',
  '"ab"c,d\na"b,c\n"x"y"z,1\n',
  '"unterminated\nquote, to the end',
  'é,日本\n😀,"🎉,\n✓"\n',
  'a\rb,c\n"q\r",d\r\n',
  'x,"",y\n"a""b""c",""""""\n',
  '"a,b\n\n\nc",d\n\n"e"\n',
  '"x""\ny",z\n"""\n",""\r\n\r\n"\r\n\r",1\r\n',
  ',a\n"",b\n"\n",c\n',
  'single',
  '',
  '\r\n',
  '"',
  '""""',
];

describe('CsvParser', () => {
  describe('basic records', () => {
    it('should split simple rows into fields when lines end with LF', () => {
      const result = parse('a,b,c\n1,2,3\n');
      expect(result.records.map((r) => r.fields)).toEqual([
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ]);
      expect(result.records.map((r) => r.line)).toEqual([1, 2]);
      expect(result.linesRead).toBe(2);
    });

    it('should strip the CR when lines end with CRLF', () => {
      expect(fieldsOf('a,b\r\n1,2\r\n')).toEqual([
        ['a', 'b'],
        ['1', '2'],
      ]);
    });

    it('should keep a lone CR as data when it is not followed by LF', () => {
      expect(fieldsOf('a\rb,c\n')).toEqual([['a\rb', 'c']]);
    });

    it('should strip a UTF-8 BOM when it starts the input', () => {
      expect(fieldsOf('\uFEFFid,name\n1,x\n')).toEqual([
        ['id', 'name'],
        ['1', 'x'],
      ]);
      expect(fieldsOf(Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x0a]), 'bytes')).toEqual([['a']]);
    });

    it('should keep a BOM when it appears after the start of the input', () => {
      expect(fieldsOf('a\n\uFEFFb\n')).toEqual([['a'], ['\uFEFFb']]);
    });

    it('should return empty fields when delimiters are adjacent or trailing', () => {
      expect(fieldsOf('a,,c\n')).toEqual([['a', '', 'c']]);
      expect(fieldsOf('a,b,\n')).toEqual([['a', 'b', '']]);
      expect(fieldsOf(',\n')).toEqual([['', '']]);
      expect(fieldsOf(',a\n')).toEqual([['', 'a']]);
    });

    it('should emit the last record only on end() when it has no trailing newline', () => {
      const parser = new CsvParser();
      const seen: string[][] = [];
      const onRecord = (fields: string[]): void => {
        seen.push(fields);
      };
      parser.push(Buffer.from('a,b\nc,d'), onRecord);
      expect(seen).toEqual([['a', 'b']]);
      parser.end(onRecord);
      expect(seen).toEqual([
        ['a', 'b'],
        ['c', 'd'],
      ]);
      expect(parser.linesRead).toBe(2);
    });

    it('should treat a trailing CR as a line terminator when it ends the input', () => {
      expect(fieldsOf('a,b\r')).toEqual([['a', 'b']]);
    });

    it('should use the configured delimiter when one is given', () => {
      expect(parse('a;b,c;d\n', 'whole', ';').records.map((r) => r.fields)).toEqual([['a', 'b,c', 'd']]);
      expect(parse('a\tb\t"c\td"\n', 'bytes', '\t').records.map((r) => r.fields)).toEqual([['a', 'b', 'c\td']]);
    });

    it('should throw when the delimiter is not a single usable character', () => {
      expect(() => new CsvParser({ delimiter: ';;' })).toThrow(/delimiter/);
      expect(() => new CsvParser({ delimiter: '' })).toThrow(/delimiter/);
      expect(() => new CsvParser({ delimiter: '"' })).toThrow(/delimiter/);
      expect(() => new CsvParser({ delimiter: '\n' })).toThrow(/delimiter/);
    });

    it('should emit nothing when the input is empty', () => {
      expect(parse('')).toEqual({ records: [], linesRead: 0 });
      expect(parse(Buffer.alloc(0), 'bytes')).toEqual({ records: [], linesRead: 0 });
    });
  });

  describe('quoted fields', () => {
    it('should keep delimiters inside quotes when a field is quoted', () => {
      expect(fieldsOf('"a,b",c\n')).toEqual([['a,b', 'c']]);
    });

    it('should unescape doubled quotes when they appear inside a quoted field', () => {
      expect(fieldsOf('"he said ""hi""",x\n')).toEqual([['he said "hi"', 'x']]);
      expect(fieldsOf('"""",""""""\n')).toEqual([['"', '""']]);
    });

    it('should return an empty field when the field is an empty quoted string', () => {
      expect(fieldsOf('x,"",y\n')).toEqual([['x', '', 'y']]);
      expect(fieldsOf('""\n')).toEqual([['']]);
    });

    it('should keep an embedded LF and count its line when a quoted field spans lines', () => {
      const result = parse('h1,h2\n"line1\nline2",b\nnext,row\n');
      expect(result.records.map((r) => r.fields)).toEqual([
        ['h1', 'h2'],
        ['line1\nline2', 'b'],
        ['next', 'row'],
      ]);
      expect(result.records.map((r) => r.line)).toEqual([1, 2, 4]);
      expect(result.linesRead).toBe(4);
    });

    it('should keep an embedded CRLF and count its line when a quoted field spans lines with CRLF', () => {
      const result = parse('"x\r\ny\r\n",z\r\nq,w\r\n');
      expect(result.records.map((r) => r.fields)).toEqual([
        ['x\r\ny\r\n', 'z'],
        ['q', 'w'],
      ]);
      expect(result.records.map((r) => r.line)).toEqual([1, 4]);
    });

    it('should keep a quote as a literal character when it appears inside an unquoted field', () => {
      expect(fieldsOf('a"b,c\n5" screen,d"\n')).toEqual([
        ['a"b', 'c'],
        ['5" screen', 'd"'],
      ]);
    });

    it('should append the characters after a closing quote when they precede the delimiter', () => {
      expect(fieldsOf('"ab"c,d\n')).toEqual([['abc', 'd']]);
      expect(fieldsOf('"x"y"z,1\n')).toEqual([['xy"z', '1']]);
    });

    it('should run to the end of input when a quote is never closed', () => {
      const result = parse('a\n"abc\ndef,g');
      expect(result.records.map((r) => r.fields)).toEqual([['a'], ['abc\ndef,g']]);
      expect(result.linesRead).toBe(3);
    });

    it('should parse a huge multi-line quoted field when it spans many chunks', () => {
      const body = 'x,"y""\n'.repeat(50_000);
      const input = `id,text\n1,"${body.replace(/"/g, '""')}"\n2,end\n`;
      const result = parse(input, { seed: 7, max: 4096 });
      expect(result.records.map((r) => r.fields)).toEqual([
        ['id', 'text'],
        ['1', body],
        ['2', 'end'],
      ]);
      expect(result.records.map((r) => r.line)).toEqual([1, 2, 50_003]);
    });
  });

  describe('empty lines', () => {
    it('should skip empty lines but count them when computing line numbers', () => {
      const result = parse('a\n\nb\r\n\r\nc\n\n');
      expect(result.records.map((r) => r.fields)).toEqual([['a'], ['b'], ['c']]);
      expect(result.records.map((r) => r.line)).toEqual([1, 3, 5]);
      expect(result.linesRead).toBe(6);
    });

    it('should skip leading empty lines when the file starts with them', () => {
      expect(linesOf('\n\r\nheader\nrow\n')).toEqual([3, 4]);
    });

    it('should not skip a line when it contains only delimiters or an empty quoted field', () => {
      expect(fieldsOf(',\n""\n')).toEqual([['', ''], ['']]);
    });
  });

  describe('unicode', () => {
    const input = 'name,city\nJosé,日本\n😀 party,"Zürich, 🇨🇭"\n';
    const expected = [
      ['name', 'city'],
      ['José', '日本'],
      ['😀 party', 'Zürich, 🇨🇭'],
    ];

    it('should decode multi-byte characters when chunks split them byte by byte', () => {
      expect(fieldsOf(input, 'bytes')).toEqual(expected);
    });

    it('should decode multi-byte characters when chunks split them at every possible offset', () => {
      const buf = Buffer.from(input, 'utf8');
      for (let cut = 1; cut < buf.length; cut++) {
        const parser = new CsvParser();
        const seen: string[][] = [];
        const onRecord = (fields: string[]): void => {
          seen.push(fields);
        };
        parser.push(buf.subarray(0, cut), onRecord);
        parser.push(buf.subarray(cut), onRecord);
        parser.end(onRecord);
        expect(seen).toEqual(expected);
      }
    });
  });

  describe('currentRaw', () => {
    it('should return the exact raw record without its terminator when called inside onRecord', () => {
      const result = parse('a,"b\r\nc",d\r\nx,y\n"q""",r\n\nlast');
      expect(result.records.map((r) => r.raw)).toEqual(['a,"b\r\nc",d', 'x,y', '"q""",r', 'last']);
    });

    it('should return the whole multi-line text when a quoted record spans chunks', () => {
      const input = 'h\n"multi\nline\nvalue",1\nz\n';
      for (const chunking of ['bytes', { seed: 3, max: 5 }] as Chunking[]) {
        expect(parse(input, chunking).records.map((r) => r.raw)).toEqual(['h', '"multi\nline\nvalue",1', 'z']);
      }
    });
  });

  describe('chunk boundaries', () => {
    it.each(TRICKY_INPUTS.map((input) => [JSON.stringify(input), input]))('should parse %s identically when fed byte by byte or in random chunks', (_name, input) => {
      const oneShot = parse(input);
      expect(parse(input, 'bytes')).toEqual(oneShot);
      for (let seed = 1; seed <= 25; seed++) {
        expect(parse(input, { seed, max: 1 + (seed % 7) })).toEqual(oneShot);
      }
    });

    it('should give the expected records when the tricky corpus is fed one shot', () => {
      expect(fieldsOf('"a,b\n\n\nc",d\n\n"e"\n')).toEqual([['a,b\n\n\nc', 'd'], ['e']]);
      expect(linesOf('"a,b\n\n\nc",d\n\n"e"\n')).toEqual([1, 6]);
      const escapedThenNewline = parse('"x""\ny",z\n"""\n",""\r\n\r\n"\r\n\r",1\r\n');
      expect(escapedThenNewline.records.map((r) => r.fields)).toEqual([
        ['x"\ny', 'z'],
        ['"\n', ''],
        ['\r\n\r', '1'],
      ]);
      expect(escapedThenNewline.records.map((r) => r.line)).toEqual([1, 3, 6]);
      expect(escapedThenNewline.linesRead).toBe(7);
      expect(fieldsOf('"q\r",d\r\n')).toEqual([['q\r', 'd']]);
      expect(fieldsOf('"')).toEqual([['']]);
      expect(fieldsOf('""""')).toEqual([['"']]);
    });

    it('should not emit a record when a chunk ends between CR and LF', () => {
      const parser = new CsvParser();
      const seen: string[][] = [];
      const onRecord = (fields: string[]): void => {
        seen.push(fields);
      };
      parser.push(Buffer.from('a,b\r'), onRecord);
      expect(seen).toEqual([]);
      parser.push(Buffer.from('\nc,d\r\n'), onRecord);
      expect(seen).toEqual([
        ['a', 'b'],
        ['c', 'd'],
      ]);
    });
  });

  describe('cross-check against papaparse', () => {
    const ALPHABET = ['a', 'b', 'Z', '0', ' ', ',', '"', '\n', '\r\n', '\r', 'é', '日', '😀', ';'];

    function randomField(rnd: () => number): string {
      const len = Math.floor(rnd() * 6);
      let s = '';
      for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
      return s;
    }

    function encodeField(value: string, rnd: () => number): string {
      const mustQuote = /[",\r\n]/.test(value);
      return mustQuote || rnd() < 0.2 ? `"${value.replace(/"/g, '""')}"` : value;
    }

    /** Builds a random RFC 4180 document and the records (and start lines) it must parse to. */
    function randomCorpus(seed: number, eol: string) {
      const rnd = prng(seed);
      const records: string[][] = [];
      const lines: number[] = [];
      let text = '';
      let line = 1;
      const count = 50 + Math.floor(rnd() * 150);
      for (let r = 0; r < count; r++) {
        const width = 1 + Math.floor(rnd() * 5);
        const fields = Array.from({ length: width }, () => randomField(rnd));
        let encoded = fields.map((f) => encodeField(f, rnd)).join(',');
        if (encoded === '') encoded = '""'; // a lone empty unquoted field would be an (ignored) empty line
        records.push(fields);
        lines.push(line);
        line += encoded.split('\n').length;
        text += encoded + (r < count - 1 || rnd() < 0.5 ? eol : '');
      }
      return { text, records, lines };
    }

    it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])('should match papaparse and the generator when parsing random corpus %i', (seed) => {
      const eol = seed % 2 === 0 ? '\r\n' : '\n';
      const { text, records, lines } = randomCorpus(seed, eol);

      const ours = parse(text);
      expect(ours.records.map((r) => r.fields)).toEqual(records);
      expect(ours.records.map((r) => r.line)).toEqual(lines);

      const papa = Papa.parse<string[]>(text, { delimiter: ',', newline: eol, quoteChar: '"', header: false });
      expect(papa.errors).toEqual([]);
      const papaRows = text.endsWith(eol) ? papa.data.slice(0, -1) : papa.data; // papa yields [''] after a final EOL
      expect(ours.records.map((r) => r.fields)).toEqual(papaRows);

      expect(parse(text, { seed: seed * 31, max: 64 })).toEqual(ours);
    });
  });
});
