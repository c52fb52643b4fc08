import { JsonSplitter } from './json-splitter';
import type { JsonFormat } from './json-splitter';

/** A file with, from its generator, every place a cut may go and where each record ends. */
interface Sample {
  buf: Buffer;
  /** Absolute offsets just past each ',' (json-array) or LF (ndjson) that ends a record. */
  boundaries: number[];
  /** Absolute offsets where each record ends (past its ',' / ']' / LF, or the end of the file). */
  recordEnds: number[];
}

interface Run {
  /** Per chunk: its absolute start and end, and what lastBoundary returned. */
  calls: Array<{ start: number; end: number; boundary: number }>;
  /** Absolute cut offsets, in order. */
  cuts: number[];
  /** Records per piece: one per cut, then finish() for the final piece. */
  counts: number[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
}

function run(buf: Buffer, format: JsonFormat, chunkSize: () => number): Run {
  const splitter = new JsonSplitter(format);
  const result: Run = { calls: [], cuts: [], counts: [] };
  for (let start = 0; start < buf.length;) {
    const end = Math.min(buf.length, start + chunkSize());
    const boundary = splitter.lastBoundary(buf.subarray(start, end));
    result.calls.push({ start, end, boundary });
    if (boundary !== -1) {
      result.cuts.push(start + boundary);
      result.counts.push(splitter.takeRecordCount());
    }
    start = end;
  }
  result.counts.push(splitter.finish());
  return result;
}

/** Each chunk is cut at the last reference boundary inside it, with the records ending before. */
function expectAgrees(sample: Sample, result: Run): void {
  for (const { start, end, boundary } of result.calls) {
    const inside = sample.boundaries.filter((b) => b > start && b <= end);
    expect(boundary === -1 ? -1 : start + boundary).toBe(inside.length ? inside[inside.length - 1] : -1);
  }
  const edges = [0, ...result.cuts, Infinity];
  const expected = result.counts.map((_, i) => sample.recordEnds.filter((e) => e > edges[i] && e <= edges[i + 1]).length);
  expect(result.counts).toEqual(expected);
}

const TRICKY_STRINGS = ['"a,b"', '"]}],"', '"{[{["', '"x\\"y"', '"\\\\"', '"\\\\\\""', '"\\\\\\\\"', '"é日本😀"', '"\\u00e9\\n"', '""'];

function randomValue(r: () => number, depth: number, ws: () => string): string {
  const roll = r();
  if (depth < 3 && roll < 0.25) {
    const members = Array.from({ length: Math.floor(r() * 4) }, (_, i) => {
      const name = TRICKY_STRINGS[Math.floor(r() * TRICKY_STRINGS.length)].slice(0, -1) + i + '"';
      return `${ws()}${name}${ws()}:${ws()}${randomValue(r, depth + 1, ws)}${ws()}`;
    });
    return `{${members.join(',')}${members.length ? '' : ws()}}`;
  }
  if (depth < 3 && roll < 0.4) {
    const items = Array.from({ length: Math.floor(r() * 4) }, () => ws() + randomValue(r, depth + 1, ws) + ws());
    return `[${items.join(',')}${items.length ? '' : ws()}]`;
  }
  if (roll < 0.8) {
    return TRICKY_STRINGS[Math.floor(r() * TRICKY_STRINGS.length)];
  }
  return ['0', '-12.5e3', 'true', 'false', 'null', '7'][Math.floor(r() * 6)];
}

/** Appends text while tracking its length in bytes. */
class Builder {
  private readonly parts: string[] = [];
  bytes = 0;
  add(text: string): void {
    this.parts.push(text);
    this.bytes += Buffer.byteLength(text);
  }
  toBuffer(): Buffer {
    return Buffer.from(this.parts.join(''));
  }
}

function arraySample(records: string[], ws: () => string, hasBom = false): Sample {
  const b = new Builder();
  const sample: Sample = { buf: Buffer.alloc(0), boundaries: [], recordEnds: [] };
  b.add((hasBom ? '\ufeff' : '') + ws() + '[');
  records.forEach((record, i) => {
    b.add(ws() + record + ws());
    b.add(i < records.length - 1 ? ',' : ']');
    sample.recordEnds.push(b.bytes);
    if (i < records.length - 1) {
      sample.boundaries.push(b.bytes);
    }
  });
  b.add((records.length ? '' : ws() + ']') + ws());
  sample.buf = b.toBuffer();
  return sample;
}

function ndjsonSample(lines: string[], hasFinalLf: boolean, hasBom = false): Sample {
  const b = new Builder();
  const sample: Sample = { buf: Buffer.alloc(0), boundaries: [], recordEnds: [] };
  b.add(hasBom ? '\ufeff' : '');
  lines.forEach((line, i) => {
    const hasLf = hasFinalLf || i < lines.length - 1;
    b.add(line + (hasLf ? '\n' : ''));
    if (hasLf) {
      sample.boundaries.push(b.bytes);
    }
    if (/[^ \t\r\n]/.test(line)) {
      sample.recordEnds.push(b.bytes);
    }
  });
  sample.buf = b.toBuffer();
  return sample;
}

function randomWhitespace(r: () => number, hasLf: boolean): () => string {
  const pool = hasLf ? ['', '', '', ' ', '\n', '\r\n', '\t', '\n    '] : ['', '', ' ', '\t'];
  return () => pool[Math.floor(r() * pool.length)];
}

describe('JsonSplitter', () => {
  const none = (): string => '';
  const pretty = (): string => '\n  ';
  const records = [
    '{"a":"x,y","b":"]}","c":"\\"","d":"\\\\"}',
    '{"nested":{"deep":[1,{"e":"\\\\\\""}]},"arr":[[],{}]}',
    '"a string record, with ] and }"',
    '[1,2,{"x":"{"}]',
    '{"é":"日本😀","u":"\\u00e9"}',
    '-1.5e3',
  ];

  it.each([
    ['compact records with tricky strings', arraySample(records, none)],
    ['pretty-printed records', arraySample(records, pretty)],
    ['a BOM and CRLF whitespace', arraySample(records, () => '\r\n', true)],
    ['an empty array', arraySample([], none)],
    ['an empty array with whitespace and a BOM', arraySample([], () => ' \n ', true)],
    ['one record', arraySample(['{"a":[1,2]}'], pretty)],
  ])('should cut a json-array file with %s alike for every chunk size', (_name, sample) => {
    expect(() => JSON.parse(sample.buf.toString().replace(/^\ufeff/, ''))).not.toThrow();
    for (let size = 1; size <= sample.buf.length; size++) {
      expectAgrees(
        sample,
        run(sample.buf, 'json-array', () => size),
      );
    }
  });

  it.each([
    ['LF lines', ndjsonSample(records, true)],
    [
      'CRLF lines and no final LF',
      ndjsonSample(
        records.map((r) => r + '\r'),
        false,
      ),
    ],
    ['blank and whitespace-only lines', ndjsonSample(['', records[0], '  ', '\t\r', records[1], ' ', ''], true)],
    ['a BOM and leading whitespace', ndjsonSample(['  ' + records[0], '\t' + records[1]], true, true)],
    ['a BOM then a blank line', ndjsonSample(['', records[0]], false, true)],
    ['only blank lines', ndjsonSample(['', ' ', '\r'], true)],
  ])('should cut an ndjson file with %s alike for every chunk size', (_name, sample) => {
    for (let size = 1; size <= sample.buf.length; size++) {
      expectAgrees(
        sample,
        run(sample.buf, 'ndjson', () => size),
      );
    }
  });

  it('should count 0 records in a whitespace-only or empty file', () => {
    for (const format of ['json-array', 'ndjson'] as const) {
      for (const text of ['', ' \r\n\t\n ', '\ufeff', '\ufeff\n']) {
        const result = run(Buffer.from(text), format, () => 1);
        expect(result.counts.reduce((a, b) => a + b, 0)).toBe(0);
      }
    }
  });

  it('should treat a partial BOM as ndjson content', () => {
    const buf = Buffer.from([0xef, 0xbb, 0x0a, 0x20, 0x0a]);
    for (let size = 1; size <= buf.length; size++) {
      const result = run(buf, 'ndjson', () => size);
      expect(result.counts.reduce((a, b) => a + b, 0)).toBe(1);
    }
  });

  it('should agree with the generator on random json-array files cut at random places', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const ws = randomWhitespace(r, true);
      const values = Array.from({ length: Math.floor(r() * 12) }, () => randomValue(r, 0, ws));
      const sample = arraySample(values, ws, r() < 0.3);
      expect(() => JSON.parse(sample.buf.toString().replace(/^\ufeff/, ''))).not.toThrow();
      const maxChunk = 1 + Math.floor(r() * 40);
      expectAgrees(
        sample,
        run(sample.buf, 'json-array', () => 1 + Math.floor(r() * maxChunk)),
      );
    }
  });

  it('should agree with the generator on random ndjson files cut at random places', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const ws = randomWhitespace(r, false);
      const lines = Array.from({ length: Math.floor(r() * 12) }, () =>
        r() < 0.2 ? ws() + (r() < 0.5 ? '\r' : '') : ws() + randomValue(r, 0, ws) + ws() + (r() < 0.3 ? '\r' : ''),
      );
      const sample = ndjsonSample(lines, r() < 0.5, r() < 0.3);
      const maxChunk = 1 + Math.floor(r() * 40);
      expectAgrees(
        sample,
        run(sample.buf, 'ndjson', () => 1 + Math.floor(r() * maxChunk)),
      );
    }
  });

  it('should cut garbage the same way whatever the chunking, without throwing', () => {
    const alphabet = ['[', ']', '{', '}', ',', '"', '\\', '\n', ' ', 'a', '1', 'é'];
    for (const format of ['json-array', 'ndjson'] as const) {
      for (let seed = 1; seed <= 100; seed++) {
        const r = rng(seed);
        const text = Array.from({ length: Math.floor(r() * 200) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
        const buf = Buffer.from(text);
        // Byte by byte, every boundary is seen: any other chunking must cut only there, at the
        // last one in each chunk, with the same records per stretch.
        const byByte = run(buf, format, () => 1);
        const reference: Sample = { buf, boundaries: byByte.cuts, recordEnds: [] };
        byByte.counts.forEach((count, i) => {
          const end = i < byByte.cuts.length ? byByte.cuts[i] : buf.length + 1;
          for (let k = 0; k < count; k++) {
            reference.recordEnds.push(end);
          }
        });
        expectAgrees(
          reference,
          run(buf, format, () => 1 + Math.floor(r() * 30)),
        );
      }
    }
  });

  it('should keep string and escape state when a backslash run spans chunks', () => {
    // 1..6 backslashes before a quote: an odd run escapes it, an even run does not.
    for (let run1 = 1; run1 <= 6; run1++) {
      const inner = '\\'.repeat(run1) + (run1 % 2 === 1 ? '"' : '') + ',';
      const sample = arraySample([`"${inner}"`, '"b"'], none);
      expect(JSON.parse(sample.buf.toString())).toHaveLength(2);
      for (let size = 1; size <= sample.buf.length; size++) {
        expectAgrees(
          sample,
          run(sample.buf, 'json-array', () => size),
        );
      }
    }
  });
});
