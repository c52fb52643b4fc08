import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each index of a sales partition: the one it replaces, and its columns. */
const INDEXES = [
  { from: 'revenue', to: 'revenue_at', columns: '(revenue, sale_at) INCLUDE (quantity, unit_price, fixed_score, line_no)', old: '(revenue)' },
  { from: 'qty', to: 'qty_at', columns: '(quantity, sale_at) INCLUDE (revenue, unit_price, fixed_score, line_no)', old: '(quantity)' },
  { from: 'price', to: 'price_at', columns: '(unit_price, sale_at) INCLUDE (revenue, quantity, fixed_score, line_no)', old: '(unit_price)' },
  {
    from: 'fixed',
    to: 'fixed_at',
    columns: '(fixed_score, sale_at) INCLUDE (revenue, quantity, unit_price, line_no) WHERE fixed_score >= 2',
    old: '(fixed_score) WHERE fixed_score >= 2',
  },
];

/**
 * The sales anomaly candidates (one range per rule) and top transactions are read from indexes
 * that carry sale_at as their second column, so that a time window is tested inside the index,
 * and include the other rules' inputs, so that candidates are scored without reading their rows:
 * over 3 days of a 10M-row import, the single-column indexes made every candidate of all time
 * (345K rows, nearly every page) be read and then dropped (1.2 s). The partitions already there
 * get the new indexes in place of the old.
 */
export class SalesCandidateWindows1764000000018 implements MigrationInterface {
  name = 'SalesCandidateWindows1764000000018';

  async up(q: QueryRunner): Promise<void> {
    for (const table of await partitions(q)) {
      for (const i of INDEXES) {
        await q.query(`CREATE INDEX IF NOT EXISTS ${table}_${i.to}_idx ON ${table} ${i.columns}`);
        await q.query(`DROP INDEX IF EXISTS ${table}_${i.from}_idx`);
      }
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of await partitions(q)) {
      for (const i of INDEXES) {
        await q.query(`CREATE INDEX IF NOT EXISTS ${table}_${i.from}_idx ON ${table} ${i.old}`);
        await q.query(`DROP INDEX IF EXISTS ${table}_${i.to}_idx`);
      }
    }
  }
}

/** The sales table's partitions (one per import). */
async function partitions(q: QueryRunner): Promise<string[]> {
  const rows = (await q.query(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'sales'::regclass ORDER BY 1`)) as Array<{
    name: string;
  }>;
  return rows.map((r) => r.name);
}
