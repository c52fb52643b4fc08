import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type LegacyReportStatus = 'QUEUED' | 'RUNNING' | 'COMPLETE' | 'FAILED';

/** A report of the table store_reports: made before store reports moved to the reports engine (read only). */
export interface LegacyReportRow {
  id: string;
  orgId: string;
  status: LegacyReportStatus;
  requestedNow: Date | null;
  reportNow: Date | null;
  error: string | null;
  /** Present once COMPLETE. */
  csv: string | null;
  metrics: Record<string, number> | null;
  createdAt: Date;
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

const LEGACY_REPORT_COLUMNS = `id, org_id AS "orgId", status, requested_now AS "requestedNow", report_now AS "reportNow",
  error, csv, metrics, created_at AS "createdAt"`;

@Injectable()
export class StoreMonitoringRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async pageOfTable(orgId: string, name: StoreTableName, limit: number, offset: number): Promise<{ rows: Record<string, unknown>[]; total: number }> {
    const t = STORE_TABLES[name];
    const ids = (await this.feedImports(orgId))[name];
    const rows = await this.db.query<Record<string, unknown>[]>(`SELECT ${t.select} FROM ${t.table} WHERE import_id = ANY($1::uuid[]) ORDER BY ${t.order} LIMIT $2 OFFSET $3`, [
      ids,
      limit,
      offset,
    ]);
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

  async findLegacyReport(orgId: string, id: string): Promise<LegacyReportRow | null> {
    const rows = await this.db.query<LegacyReportRow[]>(`SELECT ${LEGACY_REPORT_COLUMNS} FROM store_reports WHERE id = $1 AND org_id = $2`, [id, orgId]);
    return rows[0] ?? null;
  }
}
