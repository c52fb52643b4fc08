import { JsonSyntaxError, parseJsonPiece } from './json-piece-parser';
import type { JsonPieceOptions, JsonRecordSink } from './json-piece-parser';
import { JsonSplitter } from './json-splitter';
import type { JsonFormat } from './json-splitter';

type Seen = { ordinal: number; raw: string; names: string[]; values: Array<string | null> } | { ordinal: number; raw: string; why: string };

const WHOLE: JsonPieceOptions = { isFirst: true, isLast: true, firstOrdinal: 1 };

/** Parses `text` and returns what the sink saw (copies: the sink's arrays are reused). */
function parse(text: string, format: JsonFormat, opts: JsonPieceOptions = WHOLE): Seen[] {
  const seen: Seen[] = [];
  const sink: JsonRecordSink = {
    record: (names, values, ordinal, rawStart, rawEnd) => {
      seen.push({
        ordinal,
        raw: text.slice(rawStart, rawEnd),
        names: [...names],
        values: [...values],
      });
    },
    invalid: (ordinal, rawStart, rawEnd, why) => {
      seen.push({ ordinal, raw: text.slice(rawStart, rawEnd), why });
    },
  };
  const count = parseJsonPiece(text, format, opts, sink);
  expect(count).toBe(seen.length);
  return seen;
}

function syntaxErrorOf(text: string, format: JsonFormat, opts: JsonPieceOptions = WHOLE): JsonSyntaxError {
  try {
    parse(text, format, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(JsonSyntaxError);
    return err as JsonSyntaxError;
  }
  throw new Error(`no syntax error in ${JSON.stringify(text)}`);
}

/** The one flat record of an ndjson line, as an object of its values. */
function recordOf(line: string): Record<string, string | null> {
  const [seen] = parse(line, 'ndjson');
  if (!('names' in seen)) {
    throw new Error(`invalid record: ${seen.why}`);
  }
  return Object.fromEntries(seen.names.map((name, i) => [name, seen.values[i]]));
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
}

describe('parseJsonPiece', () => {
  describe('values', () => {
    it.each([
      '"plain"',
      '""',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t"',
      '"caf\\u00e9 \\u00E9 \\u0000 \\u001f"',
      '"\\ud83d\\ude00 and 😀 and 日本"',
      '"lone \\ud800 high, lone \\udfff low, reversed \\udc00\\ud800"',
      '"\\u005C\\u0022 are a backslash and a quote"',
      `"${'long '.repeat(20)}\\n then an escape"`,
      `"${'x'.repeat(31)}\\"${'y'.repeat(40)}"`,
      `"${'z'.repeat(100)}"`,
      '"DEL \u007f and NBSP \u00a0 are not control characters"',
    ])('should unescape the string %s as JSON.parse does', (json) => {
      expect(recordOf(`{"v":${json},"w":1}`).v).toBe(JSON.parse(json));
      expect(recordOf(`{"v" : ${json} }`).v).toBe(JSON.parse(json));
    });

    it('should unescape member names', () => {
      const [seen] = parse('{"a\\nb":1,"\\u00e9":2,"\\"":3}', 'ndjson');
      expect(seen).toMatchObject({ names: ['a\nb', 'é', '"'], values: ['1', '2', '3'] });
    });

    it.each([
      ['0', '0'],
      ['-0', '-0'],
      ['12', '12'],
      ['-12.50', '-12.50'],
      ['1e3', '1000'],
      ['1.5E+2', '150'],
      ['-2.5e-3', '-0.0025'],
      ['0e10', '0'],
      ['1E-2', '0.01'],
      ['123.456e1', '1234.56'],
      ['1e400', '1e400'],
    ])('should give the number %s as %s', (json, expected) => {
      expect(recordOf(`{"n":${json}}`).n).toBe(expected);
      expect(recordOf(`{"n":${json} ,"m":${json}}`).m).toBe(expected);
    });

    it('should give literals as text and null as null', () => {
      expect(recordOf('{"t":true,"f":false,"z":null}')).toEqual({ t: 'true', f: 'false', z: null });
    });

    it('should report duplicate member names in order', () => {
      expect(parse('{"a":1,"b":2,"a":3}', 'ndjson')[0]).toMatchObject({
        names: ['a', 'b', 'a'],
        values: ['1', '2', '3'],
      });
    });

    it('should report an empty object as a record without members', () => {
      expect(parse('{ }', 'ndjson')).toEqual([{ ordinal: 1, raw: '{ }', names: [], values: [] }]);
    });

    it('should reuse the names and values arrays between records', () => {
      const arrays = new Set<unknown>();
      const sink: JsonRecordSink = {
        record: (names, values) => {
          arrays.add(names);
          arrays.add(values);
        },
        invalid: () => undefined,
      };
      parseJsonPiece('{"a":1}\n{"b":2,"c":3}\n{"d":4}\n', 'ndjson', WHOLE, sink);
      expect(arrays.size).toBe(2);
    });
  });

  describe('records', () => {
    it('should number records from firstOrdinal and slice their raw text', () => {
      const text = '  {"a":1} ,\n\t{"b":"x"}\r\n, 3 , [1] ,{"c":{"d":1}},';
      expect(parse(text, 'json-array', { isFirst: false, isLast: false, firstOrdinal: 41 })).toEqual([
        { ordinal: 41, raw: '{"a":1}', names: ['a'], values: ['1'] },
        { ordinal: 42, raw: '{"b":"x"}', names: ['b'], values: ['x'] },
        { ordinal: 43, raw: '3', why: 'not an object' },
        { ordinal: 44, raw: '[1]', why: 'not an object' },
        { ordinal: 45, raw: '{"c":{"d":1}}', why: 'member "c" is an object' },
      ]);
    });

    it('should report nested values as invalid and go on with the next record', () => {
      const lines = ['{"a":1,"b":[1,{"c":[]}],"d":{"e":"}"}}', '{"ok":"yes"}', '"just a string"', '[{"a":1}]', 'null', '{"x":{},"y":[]}', '{"z":2}'];
      const seen = parse(lines.join('\n'), 'ndjson');
      expect(seen.map((s) => ('why' in s ? s.why : 'record'))).toEqual([
        'member "b" is an array',
        'record',
        'not an object',
        'not an object',
        'not an object',
        'member "x" is an object',
        'record',
      ]);
      expect(seen.map((s) => s.raw)).toEqual(lines);
      expect(seen.map((s) => s.ordinal)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it('should skip a deeply nested value without overflowing the stack', () => {
      const deep = '['.repeat(100000) + ']'.repeat(100000);
      const seen = parse(`{"a":${deep}}\n{"b":1}`, 'ndjson');
      expect(seen.map((s) => ('why' in s ? s.why : s.names[0]))).toEqual(['member "a" is an array', 'b']);
      expect(syntaxErrorOf(`{"a":${'['.repeat(100000)}}`, 'ndjson').offset).toBe(100005);
    });
  });

  describe('json-array pieces', () => {
    it('should parse a whole file with a BOM and whitespace around the array', () => {
      const seen = parse('\ufeff \r\n [ {"a":1}\r\n, {"a":2} ] \n', 'json-array');
      expect(seen.map((s) => s.raw)).toEqual(['{"a":1}', '{"a":2}']);
    });

    it.each(['[]', ' [ ] ', '\ufeff[\n]\n'])('should parse the empty array %j as 0 records', (text) => {
      expect(parse(text, 'json-array')).toEqual([]);
    });

    it('should accept a first piece that ends after a comma or after the opening bracket', () => {
      expect(parse('[{"a":1},', 'json-array', { isFirst: true, isLast: false, firstOrdinal: 1 })).toHaveLength(1);
      expect(parse(' [ ', 'json-array', { isFirst: true, isLast: false, firstOrdinal: 1 })).toHaveLength(0);
    });

    it('should parse a middle piece and a last piece', () => {
      expect(parse('{"a":1},{"a":2},', 'json-array', { isFirst: false, isLast: false, firstOrdinal: 5 })).toHaveLength(2);
      expect(parse(' {"a":3} ]\n', 'json-array', { isFirst: false, isLast: true, firstOrdinal: 7 })).toEqual([{ ordinal: 7, raw: '{"a":3}', names: ['a'], values: ['3'] }]);
    });
  });

  describe('ndjson pieces', () => {
    it('should skip blank lines, accept CRLF and a final line without LF', () => {
      const text = '\ufeff{"a":1}\r\n\n   \r\n\t{"a":2} \r\n{"a":3}';
      const seen = parse(text, 'ndjson');
      expect(seen.map((s) => [s.ordinal, s.raw])).toEqual([
        [1, '{"a":1}'],
        [2, '{"a":2}'],
        [3, '{"a":3}'],
      ]);
    });

    it('should parse an empty or blank piece as 0 records', () => {
      expect(parse('', 'ndjson')).toEqual([]);
      expect(parse(' \n\r\n\t', 'ndjson', { isFirst: false, isLast: false, firstOrdinal: 9 })).toEqual([]);
    });
  });

  describe('syntax errors', () => {
    const first: JsonPieceOptions = { isFirst: true, isLast: false, firstOrdinal: 1 };
    const middle: JsonPieceOptions = { isFirst: false, isLast: false, firstOrdinal: 1 };
    const last: JsonPieceOptions = { isFirst: false, isLast: true, firstOrdinal: 1 };
    it.each<[string, string, JsonFormat, JsonPieceOptions, number]>([
      ['a trailing comma in an object', '[{"a":1,}]', 'json-array', WHOLE, 8],
      ['a trailing comma in the array', '[{"a":1},]', 'json-array', WHOLE, 9],
      ['a trailing comma at the end of the last piece', '{"a":1},', 'json-array', last, 8],
      ['a missing comma between records', '[{"a":1} {"b":2}]', 'json-array', WHOLE, 9],
      ['a missing comma between members', '{"a":1 "b":2}', 'ndjson', WHOLE, 7],
      ['a missing colon', '{"a" 1}', 'ndjson', WHOLE, 5],
      ['a member name that is not a string', '{a:1}', 'ndjson', WHOLE, 1],
      ['an unclosed string', '{"a":"abc', 'ndjson', WHOLE, 9],
      ['an unclosed long string', `{"a":"${'x'.repeat(50)}`, 'ndjson', WHOLE, 56],
      ['an unclosed string before a line break', '{"a":"abc\n{"b":"c"}', 'ndjson', WHOLE, 9],
      ['a raw control character in a string', '{"a":"x\u0001y"}', 'ndjson', WHOLE, 7],
      ['a raw tab in a long string', `{"a":"${'x'.repeat(40)}\t"}`, 'ndjson', WHOLE, 46],
      ['a raw LF in a string of a json-array', '["a\nb"]', 'json-array', WHOLE, 3],
      ['a raw control character after an escape', '{"a":"\\n\u001f"}', 'ndjson', WHOLE, 8],
      ['an invalid escape', '{"a":"\\x"}', 'ndjson', WHOLE, 7],
      ['a short \\u escape', '{"a":"\\u12"}', 'ndjson', WHOLE, 10],
      ['a \\u escape with a non-hex digit', '{"a":"\\u12g4"}', 'ndjson', WHOLE, 10],
      ['a \\u escape cut by the end', '{"a":"\\u1', 'ndjson', WHOLE, 9],
      ['a bad literal', '{"a":tru}', 'ndjson', WHOLE, 8],
      ['a literal cut by the end', '{"a":nul', 'ndjson', WHOLE, 8],
      ['a misspelled literal', '{"a":flase}', 'ndjson', WHOLE, 6],
      ['a capitalised literal', '{"a":True}', 'ndjson', WHOLE, 5],
      ['a leading zero', '{"a":01}', 'ndjson', WHOLE, 6],
      ['a negative leading zero', '{"a":-01}', 'ndjson', WHOLE, 7],
      ['a lone minus', '{"a":-}', 'ndjson', WHOLE, 6],
      ['a plus sign', '{"a":+1}', 'ndjson', WHOLE, 5],
      ['a fraction without digits', '{"a":1.}', 'ndjson', WHOLE, 7],
      ['a fraction without integer part', '{"a":.5}', 'ndjson', WHOLE, 5],
      ['an exponent without digits', '{"a":1e+}', 'ndjson', WHOLE, 8],
      ['a number followed by letters', '{"a":12ab}', 'ndjson', WHOLE, 7],
      ['a missing [ in the first piece', '{"a":1},', 'json-array', first, 0],
      ['a missing [ after a BOM and whitespace', '\ufeff \n{"a":1}', 'json-array', WHOLE, 3],
      ['an empty json-array file', '', 'json-array', WHOLE, 0],
      ['a whitespace-only json-array file', ' \n ', 'json-array', WHOLE, 3],
      ['garbage after the closing ]', '[{"a":1}] x', 'json-array', WHOLE, 10],
      ['a second closing ]', '[{"a":1}]]', 'json-array', WHOLE, 9],
      ['a comma after the closing ]', '[{"a":1}],', 'json-array', WHOLE, 9],
      ['a closing ] in a piece that is not the last', '{"a":1}]', 'json-array', middle, 7],
      ['an empty array in a first piece that is not the last', '[]', 'json-array', first, 1],
      ['a middle piece that does not end after a comma', '{"a":1},{"a":2}', 'json-array', middle, 15],
      ['a last piece without the closing ]', '{"a":1}', 'json-array', last, 7],
      ['a last piece that is empty', ' ', 'json-array', last, 1],
      ['two values on one ndjson line', '{"a":1} {"b":2}\n', 'ndjson', WHOLE, 8],
      ['a scalar after a record on one ndjson line', '{"a":1}, 2\n', 'ndjson', WHOLE, 7],
      ['a record spanning two ndjson lines', '{"a":\n1}', 'ndjson', WHOLE, 5],
      ['a record broken after a comma', '{"a":1,\n"b":2}', 'ndjson', WHOLE, 7],
      ['a BOM in a piece that is not the first', '\ufeff{"a":1}', 'ndjson', middle, 0],
      ['an unclosed object', '{"a":1', 'ndjson', WHOLE, 6],
      ['a syntax error inside a nested value', '{"a":{"b":[1,2,}]}}', 'ndjson', WHOLE, 15],
      ['a missing colon inside a nested value', '{"a":{"b" 1}}', 'ndjson', WHOLE, 10],
      ['a mismatched bracket inside a nested value', '{"a":[1}}', 'ndjson', WHOLE, 7],
      ['a syntax error in a scalar record', '[1, 2, tx]', 'json-array', WHOLE, 8],
    ])('should reject %s at the right offset', (_name, text, format, opts, offset) => {
      const err = syntaxErrorOf(text, format, opts);
      expect(err.offset).toBe(offset);
      expect(err.message).toBe(`${err.reason} at offset ${offset}`);
      if (opts === WHOLE) {
        // JSON.parse (per line for ndjson) rejects it too, or (json-array) finds no array.
        const docs = format === 'ndjson' ? text.split('\n').filter((l) => l.trim()) : [text];
        const parseAll = (): void => {
          for (const doc of docs) {
            const value: unknown = JSON.parse(doc.replace(/^\ufeff/, ''));
            if (format === 'json-array' && !Array.isArray(value)) {
              throw new Error('not an array');
            }
          }
        };
        expect(parseAll).toThrow();
      }
    });

    it('should say what is wrong and what was expected', () => {
      expect(syntaxErrorOf('[{"a":1} {"b":2}]', 'json-array').message).toBe("unexpected '{'; expected ',' or ']' at offset 9");
      expect(syntaxErrorOf('{"a":"x\ty"}', 'ndjson').reason).toBe('unescaped control character U+0009 in a string');
      expect(syntaxErrorOf('{"a":\n1}', 'ndjson').reason).toMatch(/line break inside a record/);
    });
  });

  describe('with JsonSplitter', () => {
    const STRINGS = ['"a,b"', '"]}],"', '"{["', '"x\\"y"', '"\\\\"', '"é日本😀"', '"\\u00e9\\n"', '""', '"\\ud83d\\ude00"'];
    const NUMBERS = ['0', '-0', '12.50', '1e3', '-2.5E-3', '123.456e+1', '7'];

    function randomScalar(r: () => number): string {
      const roll = r();
      if (roll < 0.5) {
        return STRINGS[Math.floor(r() * STRINGS.length)];
      }
      if (roll < 0.85) {
        return NUMBERS[Math.floor(r() * NUMBERS.length)];
      }
      return ['true', 'false', 'null'][Math.floor(r() * 3)];
    }

    function randomValue(r: () => number, depth: number, ws: () => string): string {
      const roll = r();
      // Top-level values are mostly objects (records); deeper ones mostly scalars.
      if (depth < 3 && roll < (depth === 0 ? 0.7 : 0.3)) {
        const members = Array.from({ length: Math.floor(r() * 5) }, (_, i) => {
          const value = depth === 0 && r() < 0.9 ? randomScalar(r) : randomValue(r, depth + 1, ws);
          return `${ws()}"m${i}"${ws()}:${ws()}${value}${ws()}`;
        });
        return `{${members.join(',')}${members.length ? '' : ws()}}`;
      }
      if (depth < 3 && roll < (depth === 0 ? 0.8 : 0.4)) {
        const items = Array.from({ length: Math.floor(r() * 4) }, () => ws() + randomValue(r, depth + 1, ws) + ws());
        return `[${items.join(',')}${items.length ? '' : ws()}]`;
      }
      return randomScalar(r);
    }

    /** A top-level value as the sink should see it, derived from JSON.parse. */
    function expected(value: unknown): { names: string[]; values: unknown[] } | { why: string } {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { why: 'not an object' };
      }
      const entries = Object.entries(value as Record<string, unknown>);
      const nested = entries.find(([, v]) => typeof v === 'object' && v !== null);
      if (nested) {
        return {
          why: `member "${nested[0]}" is ${Array.isArray(nested[1]) ? 'an array' : 'an object'}`,
        };
      }
      const values = entries.map(([, v]) => (typeof v === 'boolean' ? String(v) : v));
      return { names: entries.map(([name]) => name), values };
    }

    /** What the sink saw, with numbers turned back into numbers where JSON.parse has one. */
    function comparable(seen: Seen, value: unknown): { names: string[]; values: unknown[] } | { why: string } {
      if ('why' in seen) {
        return { why: seen.why };
      }
      const members = value as Record<string, unknown>;
      const values = seen.values.map((v, i) => (typeof members[seen.names[i]] === 'number' ? Number(v) : v));
      return { names: seen.names, values };
    }

    /** Cuts the file with JsonSplitter and parses each piece in order, as the pipeline does. */
    function parseInPieces(buf: Buffer, format: JsonFormat, chunkSize: () => number): Seen[] {
      const splitter = new JsonSplitter(format);
      const pieces: Array<{ bytes: Buffer; count: number }> = [];
      let pieceStart = 0;
      for (let at = 0; at < buf.length;) {
        const chunk = buf.subarray(at, Math.min(buf.length, at + chunkSize()));
        const boundary = splitter.lastBoundary(chunk);
        if (boundary !== -1) {
          pieces.push({
            bytes: buf.subarray(pieceStart, at + boundary),
            count: splitter.takeRecordCount(),
          });
          pieceStart = at + boundary;
        }
        at += chunk.length;
      }
      // The final piece is parsed even when empty: a json-array file must still close there.
      pieces.push({ bytes: buf.subarray(pieceStart), count: splitter.finish() });
      const seen: Seen[] = [];
      let ordinal = 1;
      pieces.forEach(({ bytes, count }, i) => {
        const opts = { isFirst: i === 0, isLast: i === pieces.length - 1, firstOrdinal: ordinal };
        const records = parse(bytes.toString('utf8'), format, opts);
        expect(records).toHaveLength(count);
        seen.push(...records);
        ordinal += count;
      });
      return seen;
    }

    function expectSameAsJsonParse(seen: Seen[], values: unknown[]): void {
      expect(seen.map((s) => s.ordinal)).toEqual(values.map((_, i) => i + 1));
      expect(seen.map((s, i) => comparable(s, values[i]))).toEqual(values.map(expected));
      expect(seen.map((s) => JSON.parse(s.raw))).toEqual(values);
    }

    it('should give the records JSON.parse gives for a random json-array file', () => {
      for (let seed = 1; seed <= 60; seed++) {
        const r = rng(seed);
        const pool = ['', '', ' ', '\n', '\r\n', '\t', '\n    '];
        const ws = (): string => pool[Math.floor(r() * pool.length)];
        const records = Array.from({ length: Math.floor(r() * 30) }, () => randomValue(r, 0, ws));
        const items = records.map((v) => ws() + v + ws()).join(',');
        const text = `${r() < 0.3 ? '\ufeff' : ''}${ws()}[${items}${ws()}]${ws()}`;
        const buf = Buffer.from(text);
        const maxChunk = 1 + Math.floor(r() * 64);
        const seen = parseInPieces(buf, 'json-array', () => 1 + Math.floor(r() * maxChunk));
        expectSameAsJsonParse(seen, JSON.parse(text.replace(/^\ufeff/, '')));
      }
    });

    it('should give the records JSON.parse gives for a random ndjson file', () => {
      for (let seed = 1; seed <= 60; seed++) {
        const r = rng(seed);
        const pool = ['', '', ' ', '\t'];
        const ws = (): string => pool[Math.floor(r() * pool.length)];
        const lines = Array.from({ length: Math.floor(r() * 30) }, () => (r() < 0.15 ? ws() : ws() + randomValue(r, 0, ws) + ws() + (r() < 0.3 ? '\r' : '')));
        const text = (r() < 0.3 ? '\ufeff' : '') + lines.join('\n') + (r() < 0.5 ? '\n' : '');
        const buf = Buffer.from(text);
        const maxChunk = 1 + Math.floor(r() * 64);
        const seen = parseInPieces(buf, 'ndjson', () => 1 + Math.floor(r() * maxChunk));
        const values = lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
        expectSameAsJsonParse(seen, values);
      }
    });
  });
});
