/**
 * SQL shared by the sales publish hook and the sales queries. This file imports nothing: the
 * publish hook is loaded into the import's load threads (with the kind), whose heap is capped, so
 * it must not pull the repository's Nest and TypeORM modules in with it.
 */

/** SQL: `ids` (order ids on more than one row of `source`) and `rows` (the rows beyond the first of each). */
export function repeatedOrderIds(source: string): string {
  return `SELECT count(*) AS ids, coalesce(sum(n - 1), 0) AS rows FROM (SELECT order_id, count(*) AS n FROM ${source} GROUP BY order_id HAVING count(*) > 1) d`;
}
