/** Runs one statement. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * The RETURNING rows of an UPDATE or DELETE: TypeORM's Postgres driver answers those with
 * `[rows, affected]`, not the rows as it does for SELECT and INSERT.
 */
export async function modifiedRows<T>(db: Queryable, sql: string, params: unknown[]): Promise<T[]> {
  const [rows] = (await db.query(sql, params)) as [T[], number];
  return rows;
}
