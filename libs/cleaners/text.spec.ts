import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import { emptyToNull, isWhitespaceCode, ownString, titleCase, trimField } from './text';

describe('text helpers', () => {
  describe('trimField', () => {
    it('should trim ASCII and Unicode whitespace when present', () => {
      expect(trimField(' \t a b \u00a0\ufeff')).toBe('a b');
    });

    it('should return an empty string when the field is undefined', () => {
      expect(trimField(undefined)).toBe('');
    });
  });

  describe('emptyToNull', () => {
    it('should return null when the value is empty and the value otherwise', () => {
      expect(emptyToNull('')).toBeNull();
      expect(emptyToNull('x')).toBe('x');
    });
  });

  describe('isWhitespaceCode', () => {
    it('should agree with the regex \\s class when checking every BMP code unit', () => {
      for (let c = 0; c <= 0xffff; c++) {
        if (isWhitespaceCode(c) !== /\s/.test(String.fromCharCode(c))) {
          throw new Error(`mismatch at U+${c.toString(16)}`);
        }
      }
    });
  });

  describe('titleCase', () => {
    it.each([
      ['home', 'Home'],
      ['HOME', 'Home'],
      ['home appliances', 'Home Appliances'],
      ['hOME   aPPLIANCES', 'Home Appliances'],
      ['  padded\tword  ', 'Padded Word'],
      ["o'neil's shop", "O'neil's Shop"],
      ['élan vital', 'Élan Vital'],
      ['x', 'X'],
      ['', ''],
      ['   ', ''],
    ])('should turn %p into %p when title-casing', (input, expected) => {
      expect(titleCase(input)).toBe(expected);
    });
  });
});

describe('ownString', () => {
  /**
   * Heap bytes still used after keeping one 30-character slice of each of 200 pieces of 1 MiB
   * (~200 MB when the slices pin their pieces: far above the few tens of MB the heap's baseline
   * moves by when the whole suite runs in parallel; one CI run measured only 138 MB for the
   * pinning control, so it is held to 100 MB, still three times ownString's bound).
   */
  const retainedBytes = (keep: (slice: string) => string): number => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: string[] = [];
    for (let i = 0; i < 200; i++) {
      const piece = `${'x'.repeat(1024 * 1024)}${i}`;
      kept.push(keep(piece.slice(1000 + i, 1030 + i)));
    }
    gc();
    const retained = process.memoryUsage().heapUsed - before;
    expect(kept).toHaveLength(200);
    return retained;
  };

  it('should answer the same text, short or long', () => {
    expect(ownString('')).toBe('');
    expect(ownString('abc')).toBe('abc');
    const long = `${'é'.repeat(40)}-${'z'.repeat(40)}`.slice(3, 70);
    expect(ownString(long)).toBe(long);
  });

  it('should not keep the piece a long slice was cut from alive, where the slice itself does', () => {
    expect(retainedBytes((s) => s)).toBeGreaterThan(100 * 1048576);
    expect(retainedBytes(ownString)).toBeLessThan(30 * 1048576);
  });
});
