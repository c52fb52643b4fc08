import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { heavyQuery } from '@common/heavy-query';
import { SqlParams } from '@common/sql-params';
import type { MessagingGranularity } from './dto/messaging-query.dto';
import type { MessagingWindow } from './messaging.repository';

const TRUNC_UNIT: Record<MessagingGranularity, string> = { hourly: 'hour', daily: 'day', weekly: 'week' };

/** One row per (bucket, action type), per bucket (action_type null), per action type over the window (bucket null), and for the whole window (both null). */
export interface EngagementRow {
  is_total: boolean;
  local_start: string | null;
  offset_seconds: number | null;
  action_type: string | null;
  actions: number;
  users: number;
  duration_ms_sum: string | null;
  durations: number;
}

/** One row per (bucket, service, metric) and per (service, metric) over the window (bucket null). */
export interface SystemRow {
  is_total: boolean;
  local_start: string | null;
  offset_seconds: number | null;
  service_name: string;
  metric_name: string;
  samples: number;
  average: number;
  p95: number;
  peak: number;
  /** Samples below the response-time limit (the others too: only response_time's are read). */
  under_limit: number;
}

/** Engagement and system-metrics SQL over the scope's imports (their partitions only). */
@Injectable()
export class MessagingActivityRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  engagement(orgId: string, importIds: string[], w: MessagingWindow, granularity: MessagingGranularity, tz: string): Promise<EngagementRow[]> {
    const p = new SqlParams();
    const zone = p.add(tz);
    return heavyQuery(
      this.db,
      `SELECT GROUPING(b) = 1 AS is_total, to_char(b AT TIME ZONE ${zone}, 'YYYY-MM-DD"T"HH24:MI:SS') AS local_start,
              extract(epoch FROM (b AT TIME ZONE ${zone}) - (b AT TIME ZONE 'UTC'))::int AS offset_seconds, action_type,
              count(*)::int AS actions, count(DISTINCT user_id)::int AS users, sum(duration_ms)::text AS duration_ms_sum, count(duration_ms)::int AS durations
       FROM (
         SELECT date_trunc('${TRUNC_UNIT[granularity]}', ts, ${zone}) AS b, action_type, user_id, duration_ms
         FROM engagement_events WHERE ${windowWhere(orgId, importIds, w, p)}
       ) e
       GROUP BY GROUPING SETS ((b, action_type), (b), (action_type), ())
       ORDER BY b NULLS LAST, action_type NULLS FIRST`,
      p.values,
    );
  }

  system(
    orgId: string,
    importIds: string[],
    w: MessagingWindow,
    granularity: MessagingGranularity,
    tz: string,
    service: string | null,
    responseLimit: number,
  ): Promise<SystemRow[]> {
    const p = new SqlParams();
    const zone = p.add(tz);
    const limit = p.add(String(responseLimit));
    let where = windowWhere(orgId, importIds, w, p);
    if (service !== null) where += ` AND service_name = ${p.add(service)}`;
    return heavyQuery(
      this.db,
      `SELECT GROUPING(b) = 1 AS is_total, to_char(b AT TIME ZONE ${zone}, 'YYYY-MM-DD"T"HH24:MI:SS') AS local_start,
              extract(epoch FROM (b AT TIME ZONE ${zone}) - (b AT TIME ZONE 'UTC'))::int AS offset_seconds, service_name, metric_name,
              count(*)::int AS samples, avg(metric_value)::float8 AS average,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY metric_value::float8) AS p95, max(metric_value)::float8 AS peak,
              count(*) FILTER (WHERE metric_value < ${limit}::numeric)::int AS under_limit
       FROM (
         SELECT date_trunc('${TRUNC_UNIT[granularity]}', ts, ${zone}) AS b, service_name, metric_name, metric_value
         FROM system_metrics WHERE ${where}
       ) m
       GROUP BY GROUPING SETS ((b, service_name, metric_name), (service_name, metric_name))
       ORDER BY b NULLS LAST, service_name, metric_name`,
      p.values,
    );
  }
}

function windowWhere(orgId: string, importIds: string[], w: MessagingWindow, p: SqlParams): string {
  return `org_id = ${p.add(orgId)} AND import_id = ANY(${p.add(importIds)}::uuid[]) AND ts >= ${p.add(w.from)}::timestamptz AND ts < ${p.add(w.to)}::timestamptz`;
}
