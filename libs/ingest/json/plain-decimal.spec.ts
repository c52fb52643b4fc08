import { plainDecimal } from './plain-decimal';

describe('plainDecimal', () => {
  it.each([
    ['1e3', '1000'],
    ['1.5E+2', '150'],
    ['-2.5e-3', '-0.0025'],
    ['0e10', '0'],
    ['-0e5', '-0'],
    ['1E-2', '0.01'],
    ['123.456e1', '1234.56'],
    ['123.456e-1', '12.3456'],
    ['123.456e3', '123456'],
    ['123.456e5', '12345600'],
    ['123.456e-3', '0.123456'],
    ['123.456e-4', '0.0123456'],
    ['0.5e1', '5'],
    ['0.05e1', '0.5'],
    ['0.0e0', '0.0'],
    ['1.50e1', '15.0'],
    ['10e-1', '1.0'],
    ['-7E0', '-7'],
    ['5e-0', '5'],
    ['0e-3', '0.000'],
    ['1e399', '1' + '0'.repeat(399)],
    ['1e-398', '0.' + '0'.repeat(397) + '1'],
    ['1e-399', '0.' + '0'.repeat(398) + '1'],
  ])('should write %s as %s', (input, expected) => {
    expect(plainDecimal(input)).toBe(expected);
  });

  it.each(['12.50', '-0', '0', '7', '-3.14159', '100'])('should keep %s unchanged when it has no exponent', (input) => {
    expect(plainDecimal(input)).toBe(input);
  });

  it.each(['1e400', '-1e400', '1e-400', '1e999999999999', '1e-999999999999', '0.000e-400'])('should return %s unchanged when the result would exceed 400 digits', (input) => {
    expect(plainDecimal(input)).toBe(input);
  });

  it.each(['', '-', '01e2', '1.e2', '.5e1', '1e', '+1e2', 'abc', '1e2 '])('should return %j unchanged when it is not JSON number text', (input) => {
    expect(plainDecimal(input)).toBe(input);
  });

  it('should denote the same number as the input for random mantissas and exponents', () => {
    let s = 12345;
    const next = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % n;
    };
    for (let i = 0; i < 2000; i++) {
      const int = next(3) === 0 ? '0' : String(1 + next(99999));
      const frac = next(2) === 0 ? '' : '.' + String(next(100000)).padStart(1 + next(5), '0');
      const exp = `${['e', 'E'][next(2)]}${['', '+', '-'][next(3)]}${next(30)}`;
      const input = `${next(2) === 0 ? '-' : ''}${int}${frac}${exp}`;
      const output = plainDecimal(input);
      expect(output).toMatch(/^-?(0|[1-9]\d*)(\.\d+)?$/);
      expect(Number(output)).toBe(Number(input));
    }
  });
});
