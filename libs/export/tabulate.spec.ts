import { tabulate } from './tabulate';

describe('tabulate', () => {
  it('flattens nested objects into dotted columns, every key met in first-met order', () => {
    const t = tabulate([
      { start: 'a', messages: 2, latency_ms: { p50: 1.5, p99: null } },
      { start: 'b', messages: 0, latency_ms: { p50: null, p99: null }, extra: true },
    ]);
    expect(t.columns).toEqual(['start', 'messages', 'latency_ms.p50', 'latency_ms.p99', 'extra']);
    expect(t.rows).toEqual([
      ['a', 2, 1.5, null, null],
      ['b', 0, null, null, true],
    ]);
  });

  it('joins arrays of plain values and writes others as JSON', () => {
    const t = tabulate([{ reasons: ['x', 'y'], cohorts: [{ m: 1 }] }]);
    expect(t.rows).toEqual([['x; y', '[{"m":1}]']]);
  });

  it('gives no columns and no rows for no items', () => {
    expect(tabulate([])).toEqual({ columns: [], rows: [] });
  });
});
