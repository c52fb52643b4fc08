import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rollups an import's publish did not build: a fold that could not hold the data in its
 * memory budget (a hundred thousand zones over ten years, say) would have made a rollup about as
 * large as the rows themselves, so none is built and answers read that import's rows instead.
 */
export class MissingRollups1764000000007 implements MigrationInterface {
  name = 'MissingRollups1764000000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE imports ADD COLUMN missing_rollups text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE imports DROP COLUMN missing_rollups`);
  }
}
