/**
 * What one import may hold in memory besides its pieces in flight, split from one figure
 * (IMPORT_MEMORY_MB): every per-import structure that grows with the data has a fixed share, and
 * past it degrades (spills to disk, or leaves the work to SQL at publish) instead of growing.
 */
export interface ImportBudget {
  /** Rollup folds of each load thread (typed arrays and dictionaries). */
  threadFoldBytes: number;
  /** The importing thread's merged folds and counters (customers spill past their share). */
  mainFoldBytes: number;
  /** The duplicate guard's Bloom filter (a larger file gets fewer bits a row, not more memory). */
  bloomBytes: number;
}

/**
 * Half for the threads' folds (what grows with distinct values lives there first), three eighths
 * for the merge and customer counts, one eighth (at most 32 MB) for the Bloom filter. (Folds made
 * of JS objects are also held under the thread's heap cap: see FoldBudget.heapBytes.)
 */
export function importBudget(totalBytes: number, threads: number): ImportBudget {
  const bloomBytes = Math.min(32 << 20, Math.floor(totalBytes / 8));
  const threadFoldBytes = Math.floor(totalBytes / 2 / Math.max(threads, 1));
  return { threadFoldBytes, mainFoldBytes: totalBytes - bloomBytes - threadFoldBytes * Math.max(threads, 1), bloomBytes };
}
