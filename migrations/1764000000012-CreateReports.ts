import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * reports: one export of a report source (an analytics answer, or a kind's cleaned rows) in one
 * format, written by a worker into DATA_DIR/reports; the row keeps its state, progress and size.
 * A COMPLETED report older than REPORT_RETENTION_DAYS loses its file and becomes EXPIRED.
 */
export class CreateReports1764000000012 implements MigrationInterface {
  name = 'CreateReports1764000000012';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text,
        source text NOT NULL,
        params jsonb NOT NULL,
        format text NOT NULL CHECK (format IN ('csv', 'json', 'xlsx')),
        status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'EXPIRED')),
        requested_by uuid,
        requested_role text NOT NULL,
        progress jsonb NOT NULL DEFAULT '{}',
        rows bigint,
        bytes bigint,
        data_version bigint,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        expired_at timestamptz
      )`);
    await q.query(`CREATE INDEX reports_org_created_idx ON reports (org_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reports`);
  }
}
