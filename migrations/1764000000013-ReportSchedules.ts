import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Report templates (a source, its parameters and a format, kept under a name), schedules (a
 * template on a cron in an IANA time zone, with deliveries) and their execution log.
 *
 * Exactly once: a schedule's due tick is claimed by moving its next_run_at forward in the same
 * transaction that inserts the run, and (schedule_id, scheduled_for) is unique for ticks, so
 * any number of scheduler processes make one run per tick. Each delivery of a run has its own
 * row (state, attempts, last answer), retried by its own job.
 *
 * reports.details: what a source tells beyond rows and bytes (the store report's now, polls and
 * timings). platform_secrets: the key that signs report download links, shared by every process.
 */
export class ReportSchedules1764000000013 implements MigrationInterface {
  name = 'ReportSchedules1764000000013';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reports ADD COLUMN details jsonb`);
    await q.query(`
      CREATE TABLE report_templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        source text NOT NULL,
        params jsonb NOT NULL,
        format text NOT NULL CHECK (format IN ('csv', 'json', 'xlsx')),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, name)
      )`);
    await q.query(`
      CREATE TABLE report_schedules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        template_id uuid NOT NULL REFERENCES report_templates(id) ON DELETE RESTRICT,
        name text,
        cron text NOT NULL,
        timezone text NOT NULL,
        deliveries jsonb NOT NULL DEFAULT '[]',
        enabled boolean NOT NULL DEFAULT true,
        skip_if_empty boolean NOT NULL DEFAULT false,
        next_run_at timestamptz,
        created_by uuid,
        created_role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX report_schedules_due_idx ON report_schedules (next_run_at) WHERE enabled`);
    await q.query(`CREATE INDEX report_schedules_org_idx ON report_schedules (org_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE report_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        schedule_id uuid NOT NULL REFERENCES report_schedules(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        scheduled_for timestamptz NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('tick', 'catch-up', 'manual')),
        missed_ticks integer NOT NULL DEFAULT 0,
        state text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'RUNNING', 'RETRYING', 'SUCCESS', 'FAILED', 'SKIPPED')),
        report_id uuid REFERENCES reports(id) ON DELETE SET NULL,
        attempts integer NOT NULL DEFAULT 0,
        worker text,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        ended_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX report_runs_tick_uq ON report_runs (schedule_id, scheduled_for) WHERE trigger <> 'manual'`);
    await q.query(`CREATE INDEX report_runs_schedule_idx ON report_runs (schedule_id, scheduled_for DESC)`);
    await q.query(`CREATE INDEX report_runs_open_idx ON report_runs (created_at) WHERE state IN ('PENDING', 'RUNNING', 'RETRYING')`);
    await q.query(`
      CREATE TABLE report_run_deliveries (
        run_id uuid NOT NULL REFERENCES report_runs(id) ON DELETE CASCADE,
        idx integer NOT NULL,
        type text NOT NULL CHECK (type IN ('webhook', 'email')),
        target text NOT NULL,
        state text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'RETRYING', 'SUCCESS', 'FAILED')),
        attempts integer NOT NULL DEFAULT 0,
        last_status integer,
        last_error text,
        detail jsonb,
        next_attempt_at timestamptz,
        delivered_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, idx)
      )`);
    await q.query(`
      CREATE TABLE platform_secrets (
        name text PRIMARY KEY,
        value bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE platform_secrets`);
    await q.query(`DROP TABLE report_run_deliveries`);
    await q.query(`DROP TABLE report_runs`);
    await q.query(`DROP TABLE report_schedules`);
    await q.query(`DROP TABLE report_templates`);
    await q.query(`ALTER TABLE reports DROP COLUMN details`);
  }
}
