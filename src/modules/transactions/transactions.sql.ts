/*
 * SQL shared by the transactions kind (loaded into the load threads, with a 16 MB heap) and its
 * analytics. This file imports nothing, so that the threads load nothing else with it.
 */

/**
 * One bigint per row that orders it by category, then amount: the category's hashtext in the high
 * 32 bits and the amount in cents (0 … 100,000,000, the cleaner's range, so under 2^32) in the
 * low. The anomaly tail of a category is one range of it. An index on this single bigint builds
 * about 3× faster than one on (category, amount) (7.6 s against 22.5 s over 10M rows): a sort on
 * a text key with ten values compares nearly every pair of rows on both columns. `t` is the
 * table's alias.
 */
export function categoryAmountKey(t: string): string {
  return `(hashtext(${t}category)::bigint * 4294967296 + (${t}amount * 100)::bigint)`;
}

/** The first and last key of a category's rows at or above a threshold in cents ($ parameters). */
export function categoryAmountRange(category: string, minCents: string): { from: string; to: string } {
  return { from: `(hashtext(${category})::bigint * 4294967296 + ${minCents})`, to: `(hashtext(${category})::bigint * 4294967296 + 4294967295)` };
}
