/**
 * Exact percentiles of many values without sorting them: each needed rank is selected in place
 * (quickselect, expected linear time), and the percentile interpolates between the two closest
 * ranks exactly as Postgres percentile_cont does (the same double arithmetic). A month of
 * delivery latencies (1M values from 2,880 quarter hours) takes ~20 ms this way; merging the
 * quarter hours' sorted runs took 230 ms and sorting everything 130 ms.
 */

/**
 * The percentiles at `fractions` (each 0–1) of `values`, which this reorders; null for each when
 * there are no values. NaN is not a latency and must not be among them.
 */
export function percentilesOf(values: Float64Array, fractions: readonly number[]): Array<number | null> {
  const n = values.length;
  if (n === 0) {
    return fractions.map(() => null);
  }
  const rng = lcg(n);
  // Ranks ascending, so each selection searches only the part right of the previous one.
  const ranks = [...new Set(fractions.flatMap((f) => [Math.floor(f * (n - 1)), Math.ceil(f * (n - 1))]))].sort((a, b) => a - b);
  const at = new Map<number, number>();
  let left = 0;
  for (const rank of ranks) {
    select(values, left, n - 1, rank, rng);
    at.set(rank, values[rank]);
    left = rank;
  }
  return fractions.map((f) => {
    const pos = f * (n - 1);
    const lo = at.get(Math.floor(pos))!;
    const hi = at.get(Math.ceil(pos))!;
    return lo + (hi - lo) * (pos - Math.floor(pos));
  });
}

/** Reorders a[left..right] so that a[k] holds the value of rank k, smaller ones before it, larger after. */
function select(a: Float64Array, left: number, right: number, k: number, rng: () => number): void {
  while (right > left) {
    const pivot = a[left + Math.floor(rng() * (right - left + 1))];
    // Three-way partition: [left, lt) < pivot, [lt, gt] = pivot, (gt, right] > pivot.
    let lt = left;
    let gt = right;
    let i = left;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) {
        a[i++] = a[lt];
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt];
        a[gt--] = v;
      } else {
        i++;
      }
    }
    if (k < lt) right = lt - 1;
    else if (k > gt) left = gt + 1;
    else return;
  }
}

/** A small deterministic generator for pivot choice (answers never depend on it, only the time). */
function lcg(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
