import { csvDocument, csvLine, csvValue } from './csv-text';

describe('csv text', () => {
  it('writes values as cell text: empty null, ISO instants, joined lists, neutralised text, numbers as they are', () => {
    expect([null, undefined, new Date('2025-06-28T10:00:00Z'), ['a', 'b'], '-2+3', -2.5, true].map(csvValue)).toEqual([
      '',
      '',
      '2025-06-28T10:00:00.000Z',
      'a; b',
      "'-2+3",
      '-2.5',
      'true',
    ]);
  });

  it('quotes a line through fast-csv: quotes doubled, commas and line ends quoted', () => {
    expect(csvLine([1, 'a,b', 'say "hi"', 'x\ny', '@x', 3.5])).toBe(`1,"a,b","say ""hi""","x\ny",'@x,3.5`);
  });

  it('writes a whole document, every line ended', async () => {
    expect(
      await csvDocument(
        ['metric', 'value'],
        [
          ['rows', 3],
          ['note', '=cmd'],
        ],
      ),
    ).toBe("metric,value\nrows,3\nnote,'=cmd\n");
  });
});
