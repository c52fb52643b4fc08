import { formatBytes, formatDuration, formatPercent, formatTable } from './format';

describe('cli format', () => {
  it('should print sizes in binary units with three significant digits', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00 GiB');
    expect(formatBytes(150 * 1024 ** 2)).toBe('150 MiB');
  });

  it('should print durations in the largest sensible unit', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });

  it('should clamp percentages and keep a decimal below 10 %', () => {
    expect(formatPercent(0.054)).toBe('5.4%');
    expect(formatPercent(0.5)).toBe('50%');
    expect(formatPercent(1.2)).toBe('100%');
  });

  it('should pad columns to their widest cell and align numbers right', () => {
    expect(
      formatTable(
        ['ID', 'ROWS'],
        [
          ['a', '5'],
          ['bbb', '1,000'],
        ],
        new Set([1]),
      ),
    ).toBe(['ID    ROWS', 'a        5', 'bbb  1,000'].join('\n'));
  });
});
