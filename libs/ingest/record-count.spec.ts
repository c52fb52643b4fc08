import { RecordCounter } from './record-count';
import type { InputFormat } from './input-format';

function count(format: InputFormat, text: string, cut = 3): number {
  const c = new RecordCounter(format);
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += cut) {
    c.push(bytes.subarray(at, at + cut));
  }
  return c.finish();
}

describe('RecordCounter', () => {
  it('should count CSV rows after the header, with quoted line breaks, CRLF, blank lines and no final newline', () => {
    expect(count('csv', 'a,b\r\n1,"x\ny"\r\n\r\n2,3')).toBe(2);
    expect(count('csv', 'a,b\n')).toBe(0);
    expect(count('csv', '')).toBe(0);
  });

  it('should read a quote inside an unquoted field as text and a doubled quote inside a quoted one as a quote', () => {
    expect(count('csv', 'name,size\n27" monitor,1\n"say ""hi""\nthere",2\nx,3\n', 1)).toBe(3);
    expect(count('csv', 'a\n"x""\n""y"\n', 2)).toBe(1);
  });

  it('should count the objects of a JSON array, not nested ones or braces inside strings', () => {
    expect(count('json-array', '[{"a":{"b":1},"s":"}{\\"{"},{"a":[{"c":2}]} , {}]', 2)).toBe(3);
    expect(count('json-array', '[]')).toBe(0);
  });

  it('should count NDJSON lines with content', () => {
    expect(count('ndjson', '{"a":1}\n\n{"a":2}\r\n{"a":3}', 4)).toBe(3);
  });
});
