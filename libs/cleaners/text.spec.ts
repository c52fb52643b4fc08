import { emptyToNull, isWhitespaceCode, titleCase, trimField } from './text';

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
