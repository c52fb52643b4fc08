import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { modifiedRows } from '@common/modified-rows';
import type { ExportFormat } from '@libs/export';
import type { ReportStatus } from './dto/report.dto';

export interface ReportRow {
  id: string;
  org_id: string;
  name: string | null;
  source: string;
  params: Record<string, unknown>;
  format: ExportFormat;
  status: ReportStatus;
  requested_by: string | null;
  requested_role: string;
  progress: { rowsDone: number; rowsTotal?: number; percent?: number };
  rows: string | null;
  bytes: string | null;
  data_version: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  expired_at: Date | null;
  /** What a job source told beyond rows and bytes (the store report's now, polls and metrics). */
  details: Record<string, unknown> | null;
}

@Injectable()
export class ReportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(r: { orgId: string; name: string | null; source: string; params: object; format: ExportFormat; requestedBy: string; role: string }): Promise<ReportRow> {
    const [row] = await this.db.query<ReportRow[]>(
      `INSERT INTO reports (org_id, name, source, params, format, requested_by, requested_role) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [r.orgId, r.name, r.source, JSON.stringify(r.params), r.format, r.requestedBy, r.role],
    );
    return row;
  }

  async get(orgId: string, id: string): Promise<ReportRow | null> {
    const [row] = await this.db.query<ReportRow[]>(`SELECT * FROM reports WHERE org_id = $1 AND id = $2`, [orgId, id]);
    return row ?? null;
  }

  async list(orgId: string, q: { status?: string; source?: string; page: number; pageSize: number }): Promise<{ rows: ReportRow[]; total: number }> {
    const where = `org_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR source = $3)`;
    const params = [orgId, q.status ?? null, q.source ?? null];
    const [rows, [{ n }]] = await Promise.all([
      this.db.query<ReportRow[]>(`SELECT * FROM reports WHERE ${where} ORDER BY created_at DESC, id LIMIT $4 OFFSET $5`, [...params, q.pageSize, (q.page - 1) * q.pageSize]),
      this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM reports WHERE ${where}`, params),
    ]);
    return { rows, total: n };
  }

  async remove(orgId: string, id: string): Promise<ReportRow | null> {
    const [row] = await modifiedRows<ReportRow>(this.db, `DELETE FROM reports WHERE org_id = $1 AND id = $2 RETURNING *`, [orgId, id]);
    return row ?? null;
  }

  /** Marks a QUEUED (or, after a dead worker, RUNNING) report RUNNING; null when it is gone or ended. */
  async claim(id: string): Promise<ReportRow | null> {
    const [row] = await modifiedRows<ReportRow>(
      this.db,
      `UPDATE reports SET status = 'RUNNING', started_at = now(), progress = '{"rowsDone": 0}', error = NULL
       WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING *`,
      [id],
    );
    return row ?? null;
  }

  async saveProgress(id: string, progress: object): Promise<void> {
    await this.db.query(`UPDATE reports SET progress = $2 WHERE id = $1 AND status = 'RUNNING'`, [id, JSON.stringify(progress)]);
  }

  /** What a running report knows beyond its rows and bytes (a job source's). */
  async saveDetails(id: string, details: object): Promise<void> {
    await this.db.query(`UPDATE reports SET details = $2 WHERE id = $1 AND status = 'RUNNING'`, [id, JSON.stringify(details)]);
  }

  /** Ends a running report; false when it was deleted meanwhile. */
  async complete(id: string, r: { rows: number; bytes: number; dataVersion: string }): Promise<boolean> {
    const res = await modifiedRows<{ id: string }>(
      this.db,
      `UPDATE reports SET status = 'COMPLETED', rows = $2, bytes = $3, data_version = $4, finished_at = now(),
         progress = jsonb_build_object('rowsDone', $2::bigint, 'rowsTotal', $2::bigint, 'percent', 100)
       WHERE id = $1 AND status = 'RUNNING' RETURNING id`,
      [id, r.rows, r.bytes, r.dataVersion],
    );
    return res.length > 0;
  }

  async fail(id: string, error: string): Promise<void> {
    await this.db.query(`UPDATE reports SET status = 'FAILED', error = $2, finished_at = now() WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`, [id, error]);
  }

  /** Marks COMPLETED reports finished more than `days` ago EXPIRED; the ones marked. */
  expireOlderThan(days: number): Promise<Array<Pick<ReportRow, 'id' | 'format'>>> {
    return modifiedRows(
      this.db,
      `UPDATE reports SET status = 'EXPIRED', expired_at = now()
       WHERE status = 'COMPLETED' AND finished_at < now() - make_interval(days => $1) RETURNING id, format`,
      [days],
    );
  }

  async dataVersion(orgId: string): Promise<string> {
    const [row] = await this.db.query<Array<{ v: string }>>(`SELECT data_version::text AS v FROM organizations WHERE id = $1`, [orgId]);
    return row?.v ?? '0';
  }

  /** The organization's published imports of a kind, oldest first, with their loaded rows. */
  async publishedImports(orgId: string, kind: string): Promise<Array<{ id: string; rows_loaded: string }>> {
    return this.db.query(
      `SELECT id, rows_loaded::text AS rows_loaded FROM imports
       WHERE org_id = $1 AND kind = $2 AND status = 'COMPLETED' AND deleted_at IS NULL ORDER BY created_at, id`,
      [orgId, kind],
    );
  }
}
