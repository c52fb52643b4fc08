import { copyTextChunks, CopyTextWriter, decodeCopyRow as decodeRow, encodeCopyRow, escapeCopyValue } from './copy-encoder';

/** Reference decoder for COPY TEXT format rows (as PostgreSQL reads them), used for round-trip checks. */
function decodeCopyRow(line: string): Array<string | null> {
  expect(line.endsWith('\n')).toBe(true);
  return line
    .slice(0, -1)
    .split('\t')
    .map((field) => {
      if (field === '\\N') return null;
      return field.replace(/\\(.)/g, (_m, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);
    });
}

describe('encodeCopyRow', () => {
  it('should join values with tabs and end with a newline when no value needs escaping', () => {
    expect(encodeCopyRow(['TXN_1', 'MERCH_2', '833.27', '2025-11-15T23:05:31.874509+00:00'])).toBe('TXN_1\tMERCH_2\t833.27\t2025-11-15T23:05:31.874509+00:00\n');
  });

  it('should write \\N when a value is null', () => {
    expect(encodeCopyRow(['a', null, 'c'])).toBe('a\t\\N\tc\n');
    expect(encodeCopyRow([null])).toBe('\\N\n');
  });

  it('should keep an empty string empty when the value is empty rather than null', () => {
    expect(encodeCopyRow(['', 'x', ''])).toBe('\tx\t\n');
    expect(encodeCopyRow([''])).toBe('\n');
    expect(encodeCopyRow(['', null])).toBe('\t\\N\n');
  });

  it('should escape a backslash when a value contains one', () => {
    expect(encodeCopyRow(['C:\\dir\\file'])).toBe('C:\\\\dir\\\\file\n');
  });

  it('should escape the literal text \\N when a value is that string, so it is not read as NULL', () => {
    expect(encodeCopyRow(['\\N'])).toBe('\\\\N\n');
  });

  it('should escape a tab when a value contains one', () => {
    expect(encodeCopyRow(['a\tb', 'c'])).toBe('a\\tb\tc\n');
  });

  it('should escape a newline when a value contains one', () => {
    expect(encodeCopyRow(['line1\nline2'])).toBe('line1\\nline2\n');
  });

  it('should escape a carriage return when a value contains one', () => {
    expect(encodeCopyRow(['a\r\nb', '\r'])).toBe('a\\r\\nb\t\\r\n');
  });

  it('should escape every special character when a value mixes them', () => {
    expect(encodeCopyRow(['\\\t\n\r\\'])).toBe('\\\\\\t\\n\\r\\\\\n');
  });

  it('should pass other characters through unchanged when they are not special in COPY text format', () => {
    expect(encodeCopyRow(['é 日本 😀', 'a,"b"', "it's", '\\'.slice(1)])).toBe('é 日本 😀\ta,"b"\tit\'s\t\n');
  });

  it('should round-trip through a COPY text decoder when values are random', () => {
    const alphabet = ['a', 'Z', '0', ' ', '\\', '\t', '\n', '\r', 'N', 'é', '😀', ','];
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    for (let row = 0; row < 500; row++) {
      const values: Array<string | null> = [];
      const width = 1 + Math.floor(rnd() * 6);
      for (let i = 0; i < width; i++) {
        if (rnd() < 0.15) {
          values.push(null);
          continue;
        }
        let v = '';
        const len = Math.floor(rnd() * 8);
        for (let j = 0; j < len; j++) v += alphabet[Math.floor(rnd() * alphabet.length)];
        values.push(v);
      }
      const encoded = encodeCopyRow(values);
      expect(encoded.slice(0, -1)).not.toMatch(/[\n\r]/);
      expect(decodeCopyRow(encoded)).toEqual(values);
    }
  });
});

describe('escapeCopyValue', () => {
  it('should return the same string when nothing needs escaping', () => {
    const value = 'plain value';
    expect(escapeCopyValue(value)).toBe(value);
  });

  it('should escape special characters when the value contains them', () => {
    expect(escapeCopyValue('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
  });
});

describe('decodeCopyRow', () => {
  it('should undo encodeCopyRow when values hold tabs, newlines, backslashes, nulls and empty strings', () => {
    const values = ['a\tb', 'line1\nline2\r', 'back\\slash', null, '', 'plain', '\\N'];
    expect(decodeRow(encodeCopyRow(values).slice(0, -1))).toEqual(values);
  });
});

describe('CopyTextWriter', () => {
  it('should write the bytes encodeCopyRow writes when values need escaping or are not ASCII', () => {
    const rows = [
      ['plain', 'tab\there', 'back\\slash'],
      ['naïve 東京', 'line\nbreak\r', ''],
    ];
    const writer = new CopyTextWriter();
    for (const row of rows) {
      row.forEach((v) => writer.text(v));
      writer.endRow();
    }
    expect(writer.take()!.toString('utf8')).toBe(rows.map((r) => encodeCopyRow(r)).join(''));
    expect(writer.take()).toBeNull();
  });

  it('should write integers as digits, padded and prefixed, up to 2^53', () => {
    const writer = new CopyTextWriter();
    writer.digits(0).digits(7, 3).digits(1234567890123, 15, '+').digits(Number.MAX_SAFE_INTEGER);
    writer.endRow();
    expect(writer.take()!.toString()).toBe(`0\t007\t+001234567890123\t${Number.MAX_SAFE_INTEGER}\n`);
  });

  it('should cut the rows into chunks of about the size asked, every row whole', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const chunks = [
      ...copyTextChunks(
        items,
        (w, i) => {
          w.digits(i).text(`row ${i}`);
          w.endRow();
        },
        4096,
      ),
    ];
    expect(chunks.length).toBeGreaterThan(10);
    chunks.forEach((c) => expect(c[c.length - 1]).toBe(10));
    expect(Buffer.concat(chunks).toString()).toBe(items.map((i) => `${i}\trow ${i}\n`).join(''));
  });
});
