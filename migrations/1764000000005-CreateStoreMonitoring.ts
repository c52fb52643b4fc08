import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Store monitoring: the three feeds (polls, business hours, time zones), each partitioned by
 * import like every dataset table, the report runs, and `imports.warnings_by_reason` for rows that
 * were kept with a substituted value (an unknown time zone read as America/Chicago).
 * Business hours are stored as seconds since local midnight (0..86400): the report does
 * arithmetic on them, and GET data/businesshour prints them back as HH:MM:SS.
 */
export class CreateStoreMonitoring1764000000005 implements MigrationInterface {
  name = 'CreateStoreMonitoring1764000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE imports ADD COLUMN warnings_by_reason jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`
      CREATE TABLE store_status (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        store_id text COLLATE "C" NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'inactive')),
        timestamp_utc timestamptz NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE store_hours (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        store_id text COLLATE "C" NOT NULL,
        day_of_week integer NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),
        start_sec integer NOT NULL CHECK (start_sec BETWEEN 0 AND 86399),
        end_sec integer NOT NULL CHECK (end_sec BETWEEN 0 AND 86400)
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE store_timezones (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        store_id text COLLATE "C" NOT NULL,
        timezone_str text,
        timezone text NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE store_reports (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'COMPLETE', 'FAILED')),
        requested_now timestamptz,
        report_now timestamptz,
        phase text,
        stores_done integer NOT NULL DEFAULT 0,
        stores_total integer,
        polls_done bigint NOT NULL DEFAULT 0,
        polls_total bigint,
        csv text,
        error text,
        metrics jsonb,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX store_reports_org_created_idx ON store_reports (org_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE store_reports`);
    await q.query(`DROP TABLE store_timezones`);
    await q.query(`DROP TABLE store_hours`);
    await q.query(`DROP TABLE store_status`);
    await q.query(`ALTER TABLE imports DROP COLUMN warnings_by_reason`);
  }
}
