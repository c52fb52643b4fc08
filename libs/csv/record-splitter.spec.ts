import { CsvParser } from './csv-parser';
import { RecordSplitter } from './record-splitter';

type Rec = [string[], number];

function parseWhole(buf: Buffer): Rec[] {
  const out: Rec[] = [];
  const p = new CsvParser();
  p.push(buf, (f, l) => out.push([f, l]));
  p.end((f, l) => out.push([f, l]));
  return out;
}

/** Feeds `buf` in chunks to a splitter, cuts at its boundaries and parses each piece on its own. */
function parseInPieces(buf: Buffer, chunkSizes: () => number): Rec[] {
  const splitter = new RecordSplitter();
  const pieces: Buffer[] = [];
  let carry = Buffer.alloc(0);
  for (let at = 0; at < buf.length;) {
    const chunk = buf.subarray(at, Math.min(buf.length, at + chunkSizes()));
    at += chunk.length;
    const b = splitter.lastBoundary(chunk);
    if (b === -1) {
      carry = Buffer.concat([carry, chunk]);
      continue;
    }
    pieces.push(Buffer.concat([carry, chunk.subarray(0, b)]));
    carry = Buffer.from(chunk.subarray(b));
  }
  if (carry.length) pieces.push(carry);
  const out: Rec[] = [];
  let linesBefore = 0;
  for (const piece of pieces) {
    const p = new CsvParser();
    const offset = linesBefore;
    p.push(piece, (f, l) => out.push([f, l + offset]));
    p.end((f, l) => out.push([f, l + offset]));
    for (const byte of piece) if (byte === 10) linesBefore++;
  }
  return out;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
}

describe('RecordSplitter', () => {
  it.each([
    ['plain rows', 'a,b\n1,2\n3,4\n'],
    ['quoted fields with delimiters, escapes and newlines', 'a,b\n"x,y","he said ""hi"""\n"multi\nline",2\n'],
    ['CRLF endings and a quote after CR', 'a,b\r\n1,"2"\r\nx\r"y,3\r\n'],
    ['stray quotes inside unquoted fields', 'a,b\n12"x,y\nab"c"d,"e\nf"\n'],
    ['a BOM before a quoted header', '\ufeff"a,1",b\n1,2\n'],
    ['text after a closing quote', '"ab"c,"d"" e"\n"x""",y\n'],
    ['empty lines and no final newline', 'a\n\n\r\nb,"c\n\nd"\ne'],
    ['multi-byte characters', 'é,"日本\n語"\n😀,x\n'],
  ])('should cut %s where a whole-file parse ends records', (_name, text) => {
    const buf = Buffer.from(text);
    const whole = parseWhole(buf);
    for (let size = 1; size <= 7; size++) {
      expect(parseInPieces(buf, () => size)).toEqual(whole);
    }
  });

  it('should agree with a whole-file parse on random CSV cut at random places', () => {
    const alphabet = ['a', 'b', ',', ',', '"', '"', '\n', '\r\n', '\r', 'é', ' ', '""'];
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      let text = r() < 0.3 ? '\ufeff' : '';
      const len = 20 + Math.floor(r() * 200);
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(r() * alphabet.length)];
      const buf = Buffer.from(text);
      expect(parseInPieces(buf, () => 1 + Math.floor(r() * 16))).toEqual(parseWhole(buf));
    }
  });
});
