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
 * for the merge and customer counts, one eighth (at most 32 MB) for the Bloom filter. A thread's
 * share is also held to 60 % of its heap cap: some folds are JS objects (sales cells,
 * dictionaries) that live in the capped heap beside the pieces being parsed.
 */
export function importBudget(totalBytes: number, threads: number, threadHeapBytes = Infinity): ImportBudget {
  const bloomBytes = Math.min(32 << 20, Math.floor(totalBytes / 8));
  const threadShare = Math.floor(totalBytes / 2 / Math.max(threads, 1));
  const threadFoldBytes = Math.min(threadShare, Math.floor(threadHeapBytes * 0.6));
  return { threadFoldBytes, mainFoldBytes: totalBytes - bloomBytes - threadShare * Math.max(threads, 1), bloomBytes };
}
