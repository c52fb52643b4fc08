import { MigrationInterface, QueryRunner } from 'typeorm';

/** The columns a superseded marketing row keeps of itself: its grouping keys and its figures. */
const KEPT = [
  ['platform', 'text COLLATE "C"'],
  ['campaign_id', 'text COLLATE "C"'],
  ['ad_group_id', 'text COLLATE "C"'],
  ['ad_id', 'text COLLATE "C"'],
  ['currency', 'text COLLATE "C"'],
  ['day', 'date'],
  ['impressions', 'bigint'],
  ['clicks', 'bigint'],
  ['conversions', 'bigint'],
  ['cost_cents', 'bigint'],
  ['revenue_cents', 'bigint'],
] as const;

/**
 * A superseded marketing row's entry keeps the row's keys and figures, so ad-level sums are the
 * sums of every row in scope minus those of its superseded rows: a scan and a subtraction instead
 * of checking each of ~400K rows of a 30-day window against the superseded list (a sorted anti
 * join that was most of the cold insights' 0.7–1.0 s at 10M rows). Entries already there are
 * filled from their rows.
 */
export class SupersededFigures1764000000009 implements MigrationInterface {
  name = 'SupersededFigures1764000000009';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE marketing_superseded ${KEPT.map(([c, t]) => `ADD COLUMN ${c} ${t}`).join(', ')}`);
    await q.query(
      `UPDATE marketing_superseded s SET ${KEPT.map(([c]) => `${c} = m.${c}`).join(', ')}
       FROM marketing m WHERE m.import_id = s.import_id AND m.line_no = s.line_no`,
    );
    await q.query(`ALTER TABLE marketing_superseded ${KEPT.map(([c]) => `ALTER COLUMN ${c} SET NOT NULL`).join(', ')}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE marketing_superseded ${KEPT.map(([c]) => `DROP COLUMN ${c}`).join(', ')}`);
  }
}
