import { percentilesOf } from './percentile-select';

/** percentile_cont over a sorted copy, written out independently. */
function byFullSort(values: number[], f: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = f * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.ceil(pos)] - s[lo]) * (pos - lo);
}

describe('percentilesOf', () => {
  const FRACTIONS = [0.5, 0.9, 0.95, 0.99];

  it('interpolates between the closest ranks as percentile_cont (hand-worked)', () => {
    // 4 values: p50 at position 1.5 → 20 + (30 − 20) × 0.5; p90 at 2.7 → 30 + (100 − 30) × 0.7.
    const [p50, p90, p0, p100] = percentilesOf(Float64Array.from([100, 30, 10, 20]), [0.5, 0.9, 0, 1]);
    expect(p50).toBe(25);
    expect(p90).toBeCloseTo(79, 10);
    expect(p0).toBe(10);
    expect(p100).toBe(100);
    expect(percentilesOf(Float64Array.from([42]), FRACTIONS)).toEqual([42, 42, 42, 42]);
    expect(percentilesOf(new Float64Array(0), FRACTIONS)).toEqual([null, null, null, null]);
  });

  it('equals a full sort for random, sorted, reversed, constant and many-tie inputs of many sizes', () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const shapes: Array<(n: number) => number[]> = [
      (n) => Array.from({ length: n }, () => rnd() * 1e6),
      (n) => Array.from({ length: n }, (_v, i) => i * 1.5),
      (n) => Array.from({ length: n }, (_v, i) => n - i),
      (n) => Array.from({ length: n }, () => 7),
      (n) => Array.from({ length: n }, () => Math.floor(rnd() * 5)),
      // Sorted runs one after another, as quarter hours' latencies arrive.
      (n) =>
        Array.from({ length: 9 }, () => Array.from({ length: Math.ceil(n / 9) }, () => rnd() * 1e4).sort((a, b) => a - b))
          .flat()
          .slice(0, n),
    ];
    for (const shape of shapes) {
      for (const n of [1, 2, 3, 10, 101, 1000, 4099]) {
        const values = shape(n);
        expect(percentilesOf(Float64Array.from(values), FRACTIONS)).toEqual(FRACTIONS.map((f) => byFullSort(values, f)));
      }
    }
  });
});
