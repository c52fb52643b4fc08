import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'crypto';
import { DataSource, EntityManager } from 'typeorm';
import { modifiedRows } from '@common/modified-rows';
import type { ExportFormat } from '@libs/export';
import type { Delivery } from './deliveries';

export interface TemplateRow {
  id: string;
  org_id: string;
  name: string;
  source: string;
  params: Record<string, unknown>;
  format: ExportFormat;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ScheduleRow {
  id: string;
  org_id: string;
  template_id: string;
  name: string | null;
  cron: string;
  timezone: string;
  deliveries: Delivery[];
  enabled: boolean;
  skip_if_empty: boolean;
  next_run_at: Date | null;
  created_by: string | null;
  created_role: string;
  created_at: Date;
  updated_at: Date;
}

export type RunState = 'PENDING' | 'RUNNING' | 'RETRYING' | 'SUCCESS' | 'FAILED' | 'SKIPPED';
export type RunTrigger = 'tick' | 'catch-up' | 'manual';

export interface RunRow {
  id: string;
  schedule_id: string;
  org_id: string;
  scheduled_for: Date;
  trigger: RunTrigger;
  missed_ticks: number;
  state: RunState;
  report_id: string | null;
  attempts: number;
  worker: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  ended_at: Date | null;
}

export type DeliveryState = 'PENDING' | 'RETRYING' | 'SUCCESS' | 'FAILED';

export interface DeliveryRow {
  run_id: string;
  idx: number;
  type: 'webhook' | 'email';
  target: string;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  detail: Record<string, unknown> | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  updated_at: Date;
}

/** A due schedule as the scheduler claims it (row locked until its transaction ends). */
export interface DueSchedule {
  id: string;
  org_id: string;
  cron: string;
  timezone: string;
  next_run_at: Date;
}

@Injectable()
export class SchedulesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  // ── templates ──────────────────────────────────────────────────────────────────────────────

  async insertTemplate(t: { orgId: string; name: string; source: string; params: object; format: ExportFormat; createdBy: string }): Promise<TemplateRow | null> {
    const rows = await this.db.query<TemplateRow[]>(
      `INSERT INTO report_templates (org_id, name, source, params, format, created_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, name) DO NOTHING RETURNING *`,
      [t.orgId, t.name, t.source, JSON.stringify(t.params), t.format, t.createdBy],
    );
    return rows[0] ?? null;
  }

  async templateById(id: string): Promise<TemplateRow | null> {
    const [row] = await this.db.query<TemplateRow[]>(`SELECT * FROM report_templates WHERE id = $1`, [id]);
    return row ?? null;
  }

  async template(orgId: string, id: string): Promise<TemplateRow | null> {
    const [row] = await this.db.query<TemplateRow[]>(`SELECT * FROM report_templates WHERE org_id = $1 AND id = $2`, [orgId, id]);
    return row ?? null;
  }

  async templates(orgId: string, page: number, pageSize: number): Promise<{ rows: TemplateRow[]; total: number }> {
    const [rows, [{ n }]] = await Promise.all([
      this.db.query<TemplateRow[]>(`SELECT * FROM report_templates WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`, [orgId, pageSize, (page - 1) * pageSize]),
      this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM report_templates WHERE org_id = $1`, [orgId]),
    ]);
    return { rows, total: n };
  }

  /** 'conflict' when the new name is taken. */
  async updateTemplate(orgId: string, id: string, t: { name: string; source: string; params: object; format: ExportFormat }): Promise<TemplateRow | null | 'conflict'> {
    try {
      const [row] = await modifiedRows<TemplateRow>(
        this.db,
        `UPDATE report_templates SET name = $3, source = $4, params = $5, format = $6, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING *`,
        [orgId, id, t.name, t.source, JSON.stringify(t.params), t.format],
      );
      return row ?? null;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return 'conflict';
      throw err;
    }
  }

  /** 'in-use' when schedules still run it. */
  async deleteTemplate(orgId: string, id: string): Promise<TemplateRow | null | 'in-use'> {
    try {
      const [row] = await modifiedRows<TemplateRow>(this.db, `DELETE FROM report_templates WHERE org_id = $1 AND id = $2 RETURNING *`, [orgId, id]);
      return row ?? null;
    } catch (err) {
      if ((err as { code?: string }).code === '23503') return 'in-use';
      throw err;
    }
  }

  async schedulesOfTemplate(templateId: string): Promise<string[]> {
    const rows = await this.db.query<Array<{ id: string }>>(`SELECT id FROM report_schedules WHERE template_id = $1 ORDER BY created_at`, [templateId]);
    return rows.map((r) => r.id);
  }

  // ── schedules ──────────────────────────────────────────────────────────────────────────────

  async insertSchedule(s: Omit<ScheduleRow, 'id' | 'created_at' | 'updated_at'>): Promise<ScheduleRow> {
    const [row] = await this.db.query<ScheduleRow[]>(
      `INSERT INTO report_schedules (org_id, template_id, name, cron, timezone, deliveries, enabled, skip_if_empty, next_run_at, created_by, created_role)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
      [s.org_id, s.template_id, s.name, s.cron, s.timezone, JSON.stringify(s.deliveries), s.enabled, s.skip_if_empty, s.next_run_at, s.created_by, s.created_role],
    );
    return row;
  }

  async schedule(orgId: string, id: string): Promise<ScheduleRow | null> {
    const [row] = await this.db.query<ScheduleRow[]>(`SELECT * FROM report_schedules WHERE org_id = $1 AND id = $2`, [orgId, id]);
    return row ?? null;
  }

  async scheduleById(id: string): Promise<ScheduleRow | null> {
    const [row] = await this.db.query<ScheduleRow[]>(`SELECT * FROM report_schedules WHERE id = $1`, [id]);
    return row ?? null;
  }

  async schedules(orgId: string, q: { templateId?: string; enabled?: boolean; page: number; pageSize: number }): Promise<{ rows: ScheduleRow[]; total: number }> {
    const where = `org_id = $1 AND ($2::uuid IS NULL OR template_id = $2) AND ($3::boolean IS NULL OR enabled = $3)`;
    const params = [orgId, q.templateId ?? null, q.enabled ?? null];
    const [rows, [{ n }]] = await Promise.all([
      this.db.query<ScheduleRow[]>(`SELECT * FROM report_schedules WHERE ${where} ORDER BY created_at DESC, id LIMIT $4 OFFSET $5`, [
        ...params,
        q.pageSize,
        (q.page - 1) * q.pageSize,
      ]),
      this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM report_schedules WHERE ${where}`, params),
    ]);
    return { rows, total: n };
  }

  /**
   * Saves a schedule's new settings and its next tick in one statement, under the row's lock:
   * a scheduler claiming the old tick at the same moment either ran first (and its run stands)
   * or waits and then sees the new next_run_at.
   */
  async updateSchedule(
    orgId: string,
    id: string,
    s: Pick<ScheduleRow, 'template_id' | 'name' | 'cron' | 'timezone' | 'deliveries' | 'enabled' | 'skip_if_empty' | 'next_run_at'>,
  ): Promise<ScheduleRow | null> {
    const [row] = await modifiedRows<ScheduleRow>(
      this.db,
      `UPDATE report_schedules SET template_id = $3, name = $4, cron = $5, timezone = $6, deliveries = $7, enabled = $8, skip_if_empty = $9,
         next_run_at = $10, updated_at = now()
       WHERE org_id = $1 AND id = $2 RETURNING *`,
      [orgId, id, s.template_id, s.name, s.cron, s.timezone, JSON.stringify(s.deliveries), s.enabled, s.skip_if_empty, s.next_run_at],
    );
    return row ?? null;
  }

  async deleteSchedule(orgId: string, id: string): Promise<ScheduleRow | null> {
    const [row] = await modifiedRows<ScheduleRow>(this.db, `DELETE FROM report_schedules WHERE org_id = $1 AND id = $2 RETURNING *`, [orgId, id]);
    return row ?? null;
  }

  /** The last run of each schedule given. */
  async lastRuns(scheduleIds: string[]): Promise<Map<string, RunRow>> {
    if (scheduleIds.length === 0) return new Map();
    const rows = await this.db.query<RunRow[]>(
      `SELECT DISTINCT ON (schedule_id) * FROM report_runs WHERE schedule_id = ANY($1::uuid[]) ORDER BY schedule_id, created_at DESC, id`,
      [scheduleIds],
    );
    return new Map(rows.map((r) => [r.schedule_id, r]));
  }

  // ── ticks ─────────────────────────────────────────────────────────────────────────────────

  /** The database's clock: every process decides what is due by the same one. */
  async now(m: EntityManager | DataSource = this.db): Promise<Date> {
    const [{ now }] = await m.query<Array<{ now: Date }>>(`SELECT clock_timestamp() AS now`);
    return now;
  }

  /**
   * Runs `claim` for the enabled schedules due at `now` (at most `limit`), each row locked for the
   * transaction; rows another process holds are skipped, and one it has just moved on is re-read
   * by Postgres and no longer due. `claim` inserts the run and moves next_run_at forward.
   */
  async claimDue(limit: number, claim: (m: EntityManager, s: DueSchedule, now: Date) => Promise<void>): Promise<number> {
    return this.db.transaction(async (m) => {
      const now = await this.now(m);
      const due = await m.query<DueSchedule[]>(
        `SELECT id, org_id, cron, timezone, next_run_at FROM report_schedules
         WHERE enabled AND next_run_at <= $1 ORDER BY next_run_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      for (const s of due) await claim(m, s, now);
      return due.length;
    });
  }

  /** A tick's run; null when that tick already has one (the unique index: one run per tick). */
  async insertTickRun(m: EntityManager, r: { scheduleId: string; orgId: string; scheduledFor: Date; trigger: RunTrigger; missedTicks: number }): Promise<string | null> {
    const rows = await m.query<Array<{ id: string }>>(
      `INSERT INTO report_runs (schedule_id, org_id, scheduled_for, trigger, missed_ticks) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (schedule_id, scheduled_for) WHERE trigger <> 'manual' DO NOTHING RETURNING id`,
      [r.scheduleId, r.orgId, r.scheduledFor, r.trigger, r.missedTicks],
    );
    return rows[0]?.id ?? null;
  }

  async setNextRun(m: EntityManager, id: string, next: Date | null): Promise<void> {
    await m.query(`UPDATE report_schedules SET next_run_at = $2 WHERE id = $1`, [id, next]);
  }

  async insertManualRun(scheduleId: string, orgId: string): Promise<RunRow> {
    const [row] = await this.db.query<RunRow[]>(`INSERT INTO report_runs (schedule_id, org_id, scheduled_for, trigger) VALUES ($1, $2, clock_timestamp(), 'manual') RETURNING *`, [
      scheduleId,
      orgId,
    ]);
    return row;
  }

  // ── runs ──────────────────────────────────────────────────────────────────────────────────

  async run(id: string): Promise<RunRow | null> {
    const [row] = await this.db.query<RunRow[]>(`SELECT * FROM report_runs WHERE id = $1`, [id]);
    return row ?? null;
  }

  async runs(orgId: string, scheduleId: string, q: { state?: RunState; page: number; pageSize: number }): Promise<{ rows: RunRow[]; total: number }> {
    const where = `org_id = $1 AND schedule_id = $2 AND ($3::text IS NULL OR state = $3)`;
    const params = [orgId, scheduleId, q.state ?? null];
    const [rows, [{ n }]] = await Promise.all([
      this.db.query<RunRow[]>(`SELECT * FROM report_runs WHERE ${where} ORDER BY scheduled_for DESC, created_at DESC LIMIT $4 OFFSET $5`, [
        ...params,
        q.pageSize,
        (q.page - 1) * q.pageSize,
      ]),
      this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM report_runs WHERE ${where}`, params),
    ]);
    return { rows, total: n };
  }

  async deliveriesOf(runIds: string[]): Promise<DeliveryRow[]> {
    if (runIds.length === 0) return [];
    return this.db.query<DeliveryRow[]>(`SELECT * FROM report_run_deliveries WHERE run_id = ANY($1::uuid[]) ORDER BY run_id, idx`, [runIds]);
  }

  /**
   * Takes a run for (another) attempt at its report: a PENDING one, or one whose worker died or
   * whose attempt failed before any delivery was made. Null when it has ended, moved on to its
   * deliveries, or its schedule is gone.
   */
  async claimRun(id: string, worker: string): Promise<RunRow | null> {
    const [row] = await modifiedRows<RunRow>(
      this.db,
      `UPDATE report_runs r SET state = 'RUNNING', attempts = attempts + 1, worker = $2, started_at = coalesce(started_at, clock_timestamp())
       WHERE id = $1 AND state IN ('PENDING', 'RUNNING', 'RETRYING')
         AND NOT EXISTS (SELECT 1 FROM report_run_deliveries d WHERE d.run_id = r.id)
       RETURNING *`,
      [id, worker],
    );
    return row ?? null;
  }

  /**
   * The run's report, made once: the report row and the run's link to it in one statement, so a
   * worker dying between the two cannot leave a report that no run owns (the sweep would then
   * make it as a standalone one). The id of the run's report, made now or before.
   */
  async createRunReport(
    runId: string,
    r: { orgId: string; name: string; source: string; params: object; format: string; requestedBy: string | null; role: string },
  ): Promise<string> {
    const [made] = await modifiedRows<{ report_id: string }>(
      this.db,
      `WITH made AS (
         INSERT INTO reports (org_id, name, source, params, format, requested_by, requested_role)
         SELECT $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM report_runs WHERE id = $1 AND report_id IS NULL)
         RETURNING id)
       UPDATE report_runs SET report_id = made.id FROM made WHERE report_runs.id = $1 AND report_runs.report_id IS NULL RETURNING report_runs.report_id`,
      [runId, r.orgId, r.name, r.source, JSON.stringify(r.params), r.format, r.requestedBy, r.role],
    );
    if (made) return made.report_id;
    const run = await this.run(runId);
    if (!run?.report_id) throw new Error(`Run ${runId} is gone`);
    return run.report_id;
  }

  async retrying(runId: string, error: string): Promise<void> {
    await this.db.query(`UPDATE report_runs SET state = 'RETRYING', error = $2 WHERE id = $1 AND state IN ('PENDING', 'RUNNING')`, [runId, error]);
  }

  /** Ends a run that has no deliveries (or none left to make); false when it had ended already. */
  async endRun(runId: string, state: 'SUCCESS' | 'FAILED' | 'SKIPPED', error: string | null): Promise<boolean> {
    const ended = await modifiedRows(
      this.db,
      `UPDATE report_runs SET state = $2, error = $3, ended_at = clock_timestamp() WHERE id = $1 AND state IN ('PENDING', 'RUNNING', 'RETRYING') RETURNING id`,
      [runId, state, error],
    );
    return ended.length > 0;
  }

  /** The run's deliveries, once (a retried run finds them made), each with its settings as they were (`detail.spec`, never shown). */
  async insertDeliveries(runId: string, deliveries: Array<{ type: string; target: string; spec: object }>): Promise<void> {
    if (deliveries.length === 0) return;
    await this.db.query(
      `INSERT INTO report_run_deliveries (run_id, idx, type, target, detail)
       SELECT $1, d.idx, d.type, d.target, jsonb_build_object('spec', d.spec)
       FROM jsonb_to_recordset($2::jsonb) AS d(idx int, type text, target text, spec jsonb)
       ON CONFLICT DO NOTHING`,
      [runId, JSON.stringify(deliveries.map((d, idx) => ({ idx, ...d })))],
    );
  }

  async delivery(runId: string, idx: number): Promise<DeliveryRow | null> {
    const [row] = await this.db.query<DeliveryRow[]>(`SELECT * FROM report_run_deliveries WHERE run_id = $1 AND idx = $2`, [runId, idx]);
    return row ?? null;
  }

  /** Counts one more try of a delivery still open; null when it has ended. */
  async startDeliveryAttempt(runId: string, idx: number): Promise<DeliveryRow | null> {
    const [row] = await modifiedRows<DeliveryRow>(
      this.db,
      `UPDATE report_run_deliveries SET attempts = attempts + 1, updated_at = clock_timestamp()
       WHERE run_id = $1 AND idx = $2 AND state IN ('PENDING', 'RETRYING') RETURNING *`,
      [runId, idx],
    );
    return row ?? null;
  }

  async endDeliveryAttempt(
    runId: string,
    idx: number,
    r: { state: DeliveryState; status: number | null; error: string | null; detail: object | null; nextAttemptAt: Date | null },
  ): Promise<void> {
    await this.db.query(
      `UPDATE report_run_deliveries SET state = $3, last_status = $4, last_error = $5, detail = coalesce(detail, '{}') || coalesce($6::jsonb, '{}'), next_attempt_at = $7,
         delivered_at = CASE WHEN $3 = 'SUCCESS' THEN clock_timestamp() ELSE delivered_at END, updated_at = clock_timestamp()
       WHERE run_id = $1 AND idx = $2 AND state IN ('PENDING', 'RETRYING')`,
      [runId, idx, r.state, r.status, r.error, r.detail === null ? null : JSON.stringify(r.detail), r.nextAttemptAt],
    );
  }

  /**
   * The run's state from its deliveries: open while any is (RETRYING once one has failed a try),
   * then SUCCESS, or FAILED naming the deliveries that failed. Answers the end state when this
   * call ended the run, else null.
   */
  async settleRun(runId: string): Promise<'SUCCESS' | 'FAILED' | null> {
    const [settled] = await modifiedRows<{ state: RunState; ended: boolean }>(
      this.db,
      `WITH d AS (
         SELECT count(*) FILTER (WHERE state IN ('PENDING', 'RETRYING')) AS open,
                count(*) FILTER (WHERE state = 'RETRYING') AS retrying,
                count(*) FILTER (WHERE state = 'FAILED') AS failed, count(*) AS total,
                string_agg(CASE WHEN state = 'FAILED' THEN type || ' ' || target || ': ' || coalesce(last_error, 'failed') END, '; ' ORDER BY idx) AS errors
         FROM report_run_deliveries WHERE run_id = $1)
       UPDATE report_runs r SET
         state = CASE WHEN d.open > 0 THEN (CASE WHEN d.retrying > 0 THEN 'RETRYING' ELSE 'RUNNING' END)
                      WHEN d.failed > 0 THEN 'FAILED' ELSE 'SUCCESS' END,
         error = CASE WHEN d.open = 0 AND d.failed > 0 THEN d.failed || ' of ' || d.total || ' deliveries failed: ' || d.errors ELSE NULL END,
         ended_at = CASE WHEN d.open = 0 THEN clock_timestamp() ELSE NULL END
       FROM d WHERE r.id = $1 AND r.state IN ('RUNNING', 'RETRYING')
       RETURNING r.state, r.ended_at IS NOT NULL AS ended`,
      [runId],
    );
    return settled?.ended ? (settled.state as 'SUCCESS' | 'FAILED') : null;
  }

  // ── housekeeping ──────────────────────────────────────────────────────────────────────────

  /** Runs still waiting for their report after `staleMs` (their job may be lost). */
  async staleRuns(staleMs: number): Promise<string[]> {
    const rows = await this.db.query<Array<{ id: string }>>(
      `SELECT r.id FROM report_runs r WHERE r.state IN ('PENDING', 'RUNNING', 'RETRYING') AND r.created_at < clock_timestamp() - make_interval(secs => $1 / 1000.0)
         AND NOT EXISTS (SELECT 1 FROM report_run_deliveries d WHERE d.run_id = r.id) LIMIT 500`,
      [staleMs],
    );
    return rows.map((r) => r.id);
  }

  /** Open deliveries untouched for `staleMs` (their job may be lost). */
  async staleDeliveries(staleMs: number): Promise<Array<{ run_id: string; idx: number }>> {
    return this.db.query(
      `SELECT run_id, idx FROM report_run_deliveries WHERE state IN ('PENDING', 'RETRYING')
         AND coalesce(next_attempt_at, updated_at) < clock_timestamp() - make_interval(secs => $1 / 1000.0) LIMIT 500`,
      [staleMs],
    );
  }

  /** Runs left open although every delivery has ended (a worker died between recording a delivery and settling its run). */
  async unsettledRuns(): Promise<string[]> {
    const rows = await this.db.query<Array<{ id: string }>>(
      `SELECT r.id FROM report_runs r WHERE r.state IN ('RUNNING', 'RETRYING')
         AND EXISTS (SELECT 1 FROM report_run_deliveries d WHERE d.run_id = r.id)
         AND NOT EXISTS (SELECT 1 FROM report_run_deliveries d WHERE d.run_id = r.id AND d.state IN ('PENDING', 'RETRYING')) LIMIT 500`,
    );
    return rows.map((r) => r.id);
  }

  /** Standalone reports still QUEUED after `staleMs` (a run's report is made by its run). */
  async staleReports(staleMs: number): Promise<string[]> {
    const rows = await this.db.query<Array<{ id: string }>>(
      `SELECT p.id FROM reports p WHERE p.status = 'QUEUED' AND p.created_at < clock_timestamp() - make_interval(secs => $1 / 1000.0)
         AND NOT EXISTS (SELECT 1 FROM report_runs r WHERE r.report_id = p.id) LIMIT 500`,
      [staleMs],
    );
    return rows.map((r) => r.id);
  }

  /** Removes the execution log of runs that ended more than `days` ago. */
  async pruneRuns(days: number): Promise<number> {
    const rows = await modifiedRows<{ id: string }>(this.db, `DELETE FROM report_runs WHERE ended_at < now() - make_interval(days => $1) RETURNING id`, [days]);
    return rows.length;
  }

  async reportOrg(reportId: string): Promise<string | null> {
    const [row] = await this.db.query<Array<{ org_id: string }>>(`SELECT org_id FROM reports WHERE id = $1`, [reportId]);
    return row?.org_id ?? null;
  }

  /** The key that signs download links, made once for every process. */
  async linkSecret(): Promise<Buffer> {
    await this.db.query(`INSERT INTO platform_secrets (name, value) VALUES ('report-links', $1) ON CONFLICT DO NOTHING`, [randomBytes(32)]);
    const [row] = await this.db.query<Array<{ value: Buffer }>>(`SELECT value FROM platform_secrets WHERE name = 'report-links'`);
    return row.value;
  }
}
