import { neutraliseFormula } from './formula';

describe('neutraliseFormula', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
    ['+1+2', `'+1+2`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tTAB', `'\tTAB`],
    ['\rCR', `'\rCR`],
  ])('prefixes %j with an apostrophe', (text, expected) => {
    expect(neutraliseFormula(text)).toBe(expected);
  });

  it.each(['plain', '', ' =not first', 'a=b', "'already"])('leaves %j as it is', (text) => {
    expect(neutraliseFormula(text)).toBe(text);
  });
});
