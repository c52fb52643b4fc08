import { countLineFeeds, InputFormat, recordCutter, sniffJsonFormat, unitName } from './input-format';
import { parseJsonPiece } from './json';
import { seededRandom } from './test-kind.spec-helper';

/** A generated file and, from its generator, where records may be cut and how many units it holds. */
interface Sample {
  buf: Buffer;
  /** Absolute offsets where a piece may end (just past a record-ending LF or top-level ','). */
  cuts: Set<number>;
  /** Absolute offset where each record (CSV line feeds: each LF) is counted. */
  unitAt: number[];
}

const TRICKY_TEXT = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'crlf\r\ninside', 'é€😀', '', ' padded ', 'x\r', '""'];

function csvSample(seed: number, records: number): Sample {
  const rand = seededRandom(seed);
  const parts: Buffer[] = [Buffer.from('\ufeffID,NAME,AMOUNT\n')];
  let size = parts[0].length;
  const cuts = new Set<number>([size]);
  const pick = () => TRICKY_TEXT[Math.floor(rand() * TRICKY_TEXT.length)];
  const quote = (s: string) => (/[",\r\n]/.test(s) || rand() < 0.2 ? `"${s.replace(/"/g, '""')}"` : s);
  for (let i = 0; i < records; i++) {
    const isLast = i === records - 1;
    let line = [quote(pick()), quote(pick()), String(i)].join(',');
    if (rand() < 0.1) {
      line += '\n'; // an empty line after the record: another place to cut
    }
    const ending = isLast && rand() < 0.5 ? '' : rand() < 0.5 ? '\r\n' : '\n';
    const bytes = Buffer.from(line + ending);
    parts.push(bytes);
    // Every LF outside quotes ends a record (or an empty line): a cut may go right after it.
    const text = line + ending;
    let inQuotes = false;
    let offset = size;
    for (const ch of text) {
      const width = Buffer.byteLength(ch);
      if (ch === '"') {
        inQuotes = !inQuotes;
      } else if (ch === '\n' && !inQuotes) {
        cuts.add(offset + 1);
      }
      offset += width;
    }
    size += bytes.length;
  }
  const buf = Buffer.concat(parts);
  const unitAt: number[] = [];
  for (let at = buf.indexOf(10); at !== -1; at = buf.indexOf(10, at + 1)) {
    unitAt.push(at);
  }
  return { buf, cuts, unitAt };
}

/** A JSON string literal with escapes and characters that look like structure. */
function jsonString(rand: () => number): string {
  const options = ['"plain"', '"a,b]"', '"q\\"},{"', '"back\\\\"', '"é€😀"', '"\\u0041\\n"', '""', '"[{"'];
  return options[Math.floor(rand() * options.length)];
}

function jsonSample(seed: number, records: number, format: 'json-array' | 'ndjson'): Sample {
  const rand = seededRandom(seed);
  let text = format === 'json-array' ? '\ufeff [\n' : '\ufeff';
  const cuts = new Set<number>();
  const unitAt: number[] = [];
  const bytes = () => Buffer.byteLength(text);
  for (let i = 0; i < records; i++) {
    const nested = rand() < 0.2 ? `,"deep":{"a":[1,{"b":${jsonString(rand)}}]}` : '';
    const record = `{"id":${jsonString(rand)},"name":${jsonString(rand)},"amount":${i}.5${nested}}`;
    if (format === 'json-array') {
      const isLast = i === records - 1;
      text += `${rand() < 0.3 ? '\n  ' : ''}${record}`;
      unitAt.push(bytes());
      if (!isLast) {
        text += rand() < 0.5 ? ',' : ' ,';
        cuts.add(bytes());
      }
    } else {
      if (rand() < 0.1) {
        text += ' \t\r\n'; // a blank line: a cut, but no record
        cuts.add(bytes());
      }
      unitAt.push(bytes());
      text += record;
      if (i < records - 1 || rand() < 0.5) {
        text += rand() < 0.5 ? '\r\n' : '\n';
        cuts.add(bytes());
      }
    }
  }
  if (format === 'json-array') {
    text += '\n]\n';
  }
  return { buf: Buffer.from(text), cuts, unitAt };
}

interface Cut {
  pieces: Buffer[];
  units: number[];
}

/** Feeds `buf` to a cutter in chunks as streamIntoCopy does; the last piece is the tail. */
function cutFile(buf: Buffer, format: InputFormat, nextSize: () => number): Cut {
  const cutter = recordCutter(format);
  const result: Cut = { pieces: [], units: [] };
  let carry: Buffer[] = [];
  for (let start = 0; start < buf.length;) {
    const chunk = buf.subarray(start, Math.min(buf.length, start + nextSize()));
    start += chunk.length;
    const boundary = cutter.lastBoundary(chunk);
    if (boundary === -1) {
      carry.push(chunk);
      continue;
    }
    const piece = Buffer.concat([...carry, chunk.subarray(0, boundary)]);
    result.pieces.push(piece);
    result.units.push(cutter.unitsInPiece(piece));
    carry = [chunk.subarray(boundary)];
  }
  const tail = Buffer.concat(carry);
  result.pieces.push(tail);
  result.units.push(cutter.unitsInTail(tail));
  return result;
}

function expectCutsAgree(sample: Sample, cut: Cut): void {
  expect(Buffer.concat(cut.pieces).equals(sample.buf)).toBe(true);
  let start = 0;
  cut.pieces.forEach((piece, i) => {
    const end = start + piece.length;
    if (i < cut.pieces.length - 1) {
      expect(sample.cuts.has(end)).toBe(true);
    }
    expect(cut.units[i]).toBe(sample.unitAt.filter((at) => at >= start && at < end).length);
    start = end;
  });
  expect(cut.units.reduce((a, b) => a + b, 0)).toBe(sample.unitAt.length);
}

const SIZES: Array<[string, (seed: number) => () => number]> = [
  ['1 byte', () => () => 1],
  ['2 bytes', () => () => 2],
  ['3 bytes', () => () => 3],
  ['7 bytes', () => () => 7],
  ['64 bytes', () => () => 64],
  ['1000 bytes', () => () => 1000],
  ['the whole file', () => () => 1 << 30],
  [
    'random 1..40 bytes',
    (seed) => {
      const r = seededRandom(seed);
      return () => 1 + Math.floor(r() * 40);
    },
  ],
  [
    'random 1..600 bytes',
    (seed) => {
      const r = seededRandom(seed);
      return () => 1 + Math.floor(r() * 600);
    },
  ],
];

describe('recordCutter', () => {
  describe.each(SIZES)('with chunks of %s', (_name, sizes) => {
    it('should cut a CSV at record-ending line feeds and count every line feed when quotes hold CR, LF, commas and quotes', () => {
      for (const seed of [1, 2, 3]) {
        const sample = csvSample(seed, 150);
        expectCutsAgree(sample, cutFile(sample.buf, 'csv', sizes(seed)));
      }
    });

    it.each(['json-array', 'ndjson'] as const)('should cut %s between records and count every record when strings hold structure characters', (format) => {
      for (const seed of [4, 5, 6]) {
        const sample = jsonSample(seed, 120, format);
        expectCutsAgree(sample, cutFile(sample.buf, format, sizes(seed)));
      }
    });
  });

  it.each(['json-array', 'ndjson'] as const)('should give %s pieces that parse on their own with the ordinals their counts imply when cut in 97-byte chunks', (format) => {
    const sample = jsonSample(9, 300, format);
    const { pieces, units } = cutFile(sample.buf, format, () => 97);
    const seen: number[] = [];
    let before = 0;
    pieces.forEach((piece, i) => {
      const sink = { record: (_n: string[], _v: Array<string | null>, ordinal: number) => seen.push(ordinal), invalid: (ordinal: number) => seen.push(ordinal) };
      const count = parseJsonPiece(piece.toString('utf8'), format, { isFirst: i === 0, isLast: i === pieces.length - 1, firstOrdinal: before + 1 }, sink);
      expect(count).toBe(units[i]);
      before += units[i];
    });
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('should leave the last CSV line to the tail with no unit when it has no line feed and an open quote', () => {
    const cut = cutFile(Buffer.from('ID,NAME\na,b\nc,"d'), 'csv', () => 1 << 20);
    expect(cut.pieces.map(String)).toEqual(['ID,NAME\na,b\n', 'c,"d']);
    expect(cut.units).toEqual([2, 0]);
  });

  it('should count the last NDJSON line as a record of the tail when it has no line feed', () => {
    const cut = cutFile(Buffer.from('{"a":1}\n{"a":2}'), 'ndjson', () => 1 << 20);
    expect(cut.pieces.map(String)).toEqual(['{"a":1}\n', '{"a":2}']);
    expect(cut.units).toEqual([1, 1]);
  });

  it('should leave the last record and the closing bracket to the tail when a JSON array ends', () => {
    const cut = cutFile(Buffer.from('[{"a":1},{"a":2},{"a":3}]'), 'json-array', () => 1 << 20);
    expect(cut.pieces.map(String)).toEqual(['[{"a":1},{"a":2},', '{"a":3}]']);
    expect(cut.units).toEqual([2, 1]);
  });
});

describe('sniffJsonFormat', () => {
  it.each([
    ['[{"a":1}]', 'json-array'],
    ['{"a":1}\n{"a":2}', 'ndjson'],
    ['\ufeff[', 'json-array'],
    ['\ufeff{', 'ndjson'],
    [' \t\r\n [', 'json-array'],
    ['\ufeff\n\n  {"a":1}', 'ndjson'],
    ['', null],
    [' \n\t\r ', null],
    ['\ufeff', null],
    ['ID,NAME\n', null],
    ['"a"', null],
    ['\ufeff\ufeff[', null],
  ])('should read %j as %s when it starts the file', (head, expected) => {
    expect(sniffJsonFormat(Buffer.from(head))).toBe(expected);
  });

  it('should give null when the file starts with a partial BOM', () => {
    expect(sniffJsonFormat(Buffer.from([0xef, 0xbb, 0x5b]))).toBeNull();
  });
});

describe('countLineFeeds', () => {
  it.each([
    ['', 0],
    ['no line feed', 0],
    ['a\n', 1],
    ['a\r\nb\r\n', 2],
    ['\n\n\n', 3],
    ['"quoted\nline"\n', 2],
    ['cr\ronly', 0],
    ['é\n€\n😀', 2],
  ])('should count the LF bytes when the piece is %j', (text, expected) => {
    expect(countLineFeeds(Buffer.from(text))).toBe(expected);
  });
});

describe('unitName', () => {
  it('should call a unit a line when the file is CSV and a record when it is JSON', () => {
    expect([unitName('csv'), unitName('json-array'), unitName('ndjson')]).toEqual(['line', 'record', 'record']);
  });
});
