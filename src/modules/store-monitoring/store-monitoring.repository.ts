import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type ReportStatus = 'QUEUED' | 'RUNNING' | 'COMPLETE' | 'FAILED';
/** snapshot: finding the stores; stores: their hours, zones and starting status; polls: the week's polls in time order. */
export type ReportPhase = 'snapshot' | 'stores' | 'polls';

export interface ReportProgress {
  phase: ReportPhase;
  storesDone: number;
  storesTotal: number;
  pollsDone: number;
  pollsTotal: number;
}

export interface ReportRow {
  id: string;
  orgId: string;
  status: ReportStatus;
  requestedNow: Date | null;
  reportNow: Date | null;
  phase: ReportPhase | null;
  storesDone: number;
  storesTotal: number | null;
  pollsDone: number;
  pollsTotal: number | null;
  error: string | null;
  /** Present once COMPLETE. */
  csv: string | null;
  metrics: Record<string, number> | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** The tables behind GET data/{table}: the public name, the table and its select list. */
export const STORE_TABLES = {
  storestatus: {
    table: 'store_status',
    select: `store_id AS "storeId", status,
      to_char(timestamp_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "timestampUtc", import_id AS "importId"`,
    order: 'store_id, timestamp_utc',
  },
  businesshour: {
    table: 'store_hours',
    select: `store_id AS "storeId", day_of_week AS "dayOfWeek", ${hms('start_sec')} AS "startTimeLocal", ${hms('end_sec')} AS "endTimeLocal",
      import_id AS "importId"`,
    order: 'store_id, day_of_week, start_sec, line_no',
  },
  timezone: {
    table: 'store_timezones',
    select: `store_id AS "storeId", timezone_str AS "timezoneStr", timezone AS "timezone", import_id AS "importId"`,
    order: 'store_id, line_no',
  },
} as const;
export type StoreTableName = keyof typeof STORE_TABLES;

/**
 * The organization's ($1) published, not deleted, imports of each feed, by table name: reads name
 * them, so only its partitions are read (a filter on org_id alone would scan every tenant's).
 */
export const FEED_IMPORTS_SQL = `SELECT coalesce(array_agg(id) FILTER (WHERE kind = 'store-status'), '{}') AS storestatus,
    coalesce(array_agg(id) FILTER (WHERE kind = 'business-hours'), '{}') AS businesshour,
    coalesce(array_agg(id) FILTER (WHERE kind = 'timezones'), '{}') AS timezone
  FROM imports WHERE org_id = $1 AND status = 'COMPLETED' AND deleted_at IS NULL`;

function hms(col: string): string {
  return `lpad((${col} / 3600)::text, 2, '0') || ':' || lpad((${col} % 3600 / 60)::text, 2, '0') || ':' || lpad((${col} % 60)::text, 2, '0')`;
}

const REPORT_COLUMNS = `id, org_id AS "orgId", status, requested_now AS "requestedNow", report_now AS "reportNow",
  phase, stores_done AS "storesDone", stores_total AS "storesTotal", polls_done::float8 AS "pollsDone", polls_total::float8 AS "pollsTotal", error, csv, metrics, attempts,
  created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt"`;

@Injectable()
export class StoreMonitoringRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async pageOfTable(orgId: string, name: StoreTableName, limit: number, offset: number): Promise<{ rows: Record<string, unknown>[]; total: number }> {
    const t = STORE_TABLES[name];
    const ids = (await this.feedImports(orgId))[name];
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT ${t.select} FROM ${t.table} WHERE import_id = ANY($1::uuid[]) ORDER BY ${t.order} LIMIT $2 OFFSET $3`,
      [ids, limit, offset],
    );
    const [{ n }] = await this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ${t.table} WHERE import_id = ANY($1::uuid[])`, [ids]);
    return { rows, total: n };
  }

  /** Rows per store table of the organization's published feeds. */
  async countRows(orgId: string): Promise<Record<StoreTableName, number>> {
    const ids = await this.feedImports(orgId);
    const [r] = await this.db.query<Array<Record<StoreTableName, number>>>(
      `SELECT (SELECT count(*)::int FROM store_status WHERE import_id = ANY($1::uuid[])) AS storestatus,
              (SELECT count(*)::int FROM store_hours WHERE import_id = ANY($2::uuid[])) AS businesshour,
              (SELECT count(*)::int FROM store_timezones WHERE import_id = ANY($3::uuid[])) AS timezone`,
      [ids.storestatus, ids.businesshour, ids.timezone],
    );
    return r;
  }

  /** See FEED_IMPORTS_SQL. */
  private async feedImports(orgId: string): Promise<Record<StoreTableName, string[]>> {
    const [r] = await this.db.query<Array<Record<StoreTableName, string[]>>>(FEED_IMPORTS_SQL, [orgId]);
    return r;
  }

  async insertReport(id: string, orgId: string, requestedNow: Date | null): Promise<void> {
    await this.db.query(`INSERT INTO store_reports (id, org_id, status, requested_now) VALUES ($1, $2, 'QUEUED', $3)`, [id, orgId, requestedNow]);
  }

  async findReport(orgId: string, id: string): Promise<ReportRow | null> {
    const rows = await this.db.query<ReportRow[]>(`SELECT ${REPORT_COLUMNS} FROM store_reports WHERE id = $1 AND org_id = $2`, [id, orgId]);
    return rows[0] ?? null;
  }

  /** Takes a report for a (re)run: only a QUEUED one, or a RUNNING one whose worker died. */
  async claimReport(id: string): Promise<ReportRow | null> {
    const rows = await this.db.query<[ReportRow[], number]>(
      `UPDATE store_reports SET status = 'RUNNING', started_at = clock_timestamp(), attempts = attempts + 1, phase = 'snapshot',
         stores_done = 0, stores_total = NULL, polls_done = 0, polls_total = NULL, error = NULL
       WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING ${REPORT_COLUMNS}`,
      [id],
    );
    return rows[0][0] ?? null;
  }

  async saveProgress(id: string, p: ReportProgress, reportNow: Date): Promise<void> {
    await this.db.query(
      `UPDATE store_reports SET phase = $2, stores_done = $3, stores_total = $4, polls_done = $5, polls_total = $6, report_now = $7
       WHERE id = $1 AND status = 'RUNNING'`,
      [id, p.phase, p.storesDone, p.storesTotal, p.pollsDone, p.pollsTotal, reportNow],
    );
  }

  async complete(id: string, csv: string, storesTotal: number, pollsTotal: number, reportNow: Date, metrics: Record<string, number>): Promise<void> {
    await this.db.query(
      `UPDATE store_reports SET status = 'COMPLETE', csv = $2, stores_done = $3, stores_total = $3, polls_done = $6, polls_total = $6,
         report_now = $4, metrics = $5,
         finished_at = clock_timestamp() WHERE id = $1 AND status = 'RUNNING'`,
      [id, csv, storesTotal, reportNow, JSON.stringify(metrics), pollsTotal],
    );
  }

  async fail(id: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE store_reports SET status = 'FAILED', error = $2, finished_at = clock_timestamp() WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`,
      [id, error],
    );
  }
}
