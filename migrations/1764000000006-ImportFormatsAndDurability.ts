import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The import engine's robustness: the input format of each import (CSV, a JSON array, NDJSON); a
 * failure's code and details (the line or byte offset) beside its message; `indexed_at`, set when
 * the post-commit work (indexes, statistics) is done, so a worker that dies in between has it
 * redone; `deleted_at`, set when a delete hid an import whose partitions are still being detached
 * and dropped (concurrently, without blocking other organizations' reads).
 */
export class ImportFormatsAndDurability1764000000006 implements MigrationInterface {
  name = 'ImportFormatsAndDurability1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE imports ADD COLUMN format text NOT NULL DEFAULT 'csv' CHECK (format IN ('csv', 'json-array', 'ndjson'))`);
    await q.query(`ALTER TABLE imports ADD COLUMN error_code text`);
    await q.query(`ALTER TABLE imports ADD COLUMN error_details jsonb`);
    await q.query(`ALTER TABLE imports ADD COLUMN indexed_at timestamptz`);
    await q.query(`ALTER TABLE imports ADD COLUMN deleted_at timestamptz`);
    // Imports published before this migration had their indexes built right after their commit.
    await q.query(`UPDATE imports SET indexed_at = finished_at WHERE status = 'COMPLETED'`);
    // The sweeper's questions: published imports whose post-commit work is pending, deletes to finish.
    await q.query(`CREATE INDEX imports_unindexed_idx ON imports (finished_at) WHERE status = 'COMPLETED' AND indexed_at IS NULL`);
    await q.query(`CREATE INDEX imports_deleted_idx ON imports (deleted_at) WHERE deleted_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX imports_deleted_idx`);
    await q.query(`DROP INDEX imports_unindexed_idx`);
    for (const column of ['deleted_at', 'indexed_at', 'error_details', 'error_code', 'format']) {
      await q.query(`ALTER TABLE imports DROP COLUMN ${column}`);
    }
  }
}
