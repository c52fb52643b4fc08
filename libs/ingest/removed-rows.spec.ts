import { bareLineNumber } from './removed-rows';

describe('bareLineNumber', () => {
  const read = (line: string) => bareLineNumber(Buffer.from(line), 0, Buffer.byteLength(line));

  it.each([
    ['42\t\\N', 42],
    ['1\t\\N', 1],
    ['9007199254740\t\\N', 9007199254740],
  ])('should read %p as line %p', (line, expected) => {
    expect(read(line)).toBe(expected);
  });

  it('should read a row in the middle of a chunk, by its offsets', () => {
    const data = Buffer.from('7\tx\n123\t\\N\n8\t\\N');
    expect(bareLineNumber(data, 4, 10)).toBe(123);
    expect(bareLineNumber(data, 0, 3)).toBe(-1);
    expect(bareLineNumber(data, 11, 15)).toBe(8);
  });

  it.each([
    ['a row with raw text', '42\tsome text'],
    ['a row with more fields', '42\t\\N\t3'],
    ['a row whose raw text starts like null', '42\t\\Nx'],
    ['a line number that is not digits', '4a\t\\N'],
    ['no line number', '\t\\N'],
    ['no tab', '42'],
  ])('should answer -1 for %s', (_name, line) => {
    expect(read(line)).toBe(-1);
  });
});
