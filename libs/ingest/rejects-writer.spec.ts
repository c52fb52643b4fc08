import { readFileSync } from 'fs';
import { RejectsWriter } from './rejects-writer';
import { readRejects, tempDir } from './test-kind.spec-helper';

describe('RejectsWriter', () => {
  const tmp = tempDir();

  afterAll(() => tmp.remove());

  it('should write line,reason,raw rows, quoting raw text only when it holds a quote, comma, CR or LF, formulas neutralised, NUL shown', async () => {
    const path = tmp.file('rejects.csv');
    const writer = new RejectsWriter(path);
    writer.write(2, 'MISSING_ID', ' ,Nobody,2');
    writer.write(3, 'INVALID_AMOUNT', 'plain');
    writer.write(4, 'WRONG_FIELD_COUNT', 'say "hi"');
    writer.write(7, 'INVALID_JSON_RECORD', '{\r\n  "id": "x"\n}');
    writer.write(9, 'NUL_CHARACTER', 'a\0b');
    writer.write(11, 'INVALID_AMOUNT', '=HYPERLINK("http://x"),-5');
    await writer.close();

    expect(readFileSync(path, 'utf8')).toBe(
      'line,reason,raw\n2,MISSING_ID," ,Nobody,2"\n3,INVALID_AMOUNT,plain\n4,WRONG_FIELD_COUNT,"say ""hi"""\n7,INVALID_JSON_RECORD,"{\r\n  ""id"": ""x""\n}"\n9,NUL_CHARACTER,a\u2400b\n11,INVALID_AMOUNT,"\'=HYPERLINK(""http://x""),-5"\n',
    );
    expect(readRejects(path)).toEqual([
      [2, 'MISSING_ID', ' ,Nobody,2'],
      [3, 'INVALID_AMOUNT', 'plain'],
      [4, 'WRONG_FIELD_COUNT', 'say "hi"'],
      [7, 'INVALID_JSON_RECORD', '{\r\n  "id": "x"\n}'],
      [9, 'NUL_CHARACTER', 'a\u2400b'],
      [11, 'INVALID_AMOUNT', `'=HYPERLINK("http://x"),-5`],
    ]);
  });

  it('should count rejects in total and by reason when several reasons repeat', async () => {
    const writer = new RejectsWriter(tmp.file('counts.csv'));
    ['A', 'B', 'A', 'A'].forEach((reason, i) => writer.write(i + 2, reason, 'x'));
    expect(writer.count).toBe(4);
    expect(writer.byReason).toEqual({ A: 3, B: 1 });
    await writer.close();
  });

  it('should write a file holding only the header when nothing is rejected, and close twice without error', async () => {
    const path = tmp.file('empty.csv');
    const writer = new RejectsWriter(path);
    await writer.close();
    await expect(writer.close()).resolves.toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe('line,reason,raw\n');
  });

  it('should write every reject whole when rejects are larger than its batch, between small ones', async () => {
    const path = tmp.file('many.csv');
    const writer = new RejectsWriter(path);
    const big = 'r'.repeat(64 * 1024);
    const expected: Array<[number, string, string]> = [];
    for (let i = 0; i < 100; i++) {
      const raw = i % 3 === 0 ? big : `small ${i} é`;
      writer.write(i + 2, 'BIG', raw);
      expected.push([i + 2, 'BIG', raw]);
    }
    await writer.close();
    expect(readRejects(path)).toEqual(expected);
  });
});
