import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlParams } from '@common/sql-params';
import type { MessagingGranularity } from './dto/messaging-query.dto';

/** A resolved window: UTC instants as ISO text, from inclusive, to exclusive. */
export interface MessagingWindow {
  from: string;
  to: string;
}

export interface MessageFilter {
  channel: string | null;
  templateId: string | null;
  campaignId: string | null;
}

export interface DeliveryBucketRow {
  local_start: string;
  offset_seconds: number;
  messages: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
}

export interface FailureRow {
  error_code: string | null;
  messages: number;
}

const TRUNC_UNIT: Record<MessagingGranularity, string> = { hourly: 'hour', daily: 'day', weekly: 'week' };

/**
 * A message's delivery latency in ms: first delivered-or-read time − first sent time (never
 * below 0: clocks of different senders), else the provider's delivery_latency_ms when the sent
 * event is missing; none for an undelivered message.
 */
const LATENCY_MS = `CASE WHEN first_delivered_ts IS NULL THEN NULL
  WHEN first_sent_ts IS NOT NULL THEN greatest(0, extract(epoch FROM first_delivered_ts - first_sent_ts) * 1000)::float8
  ELSE provider_latency_ms::float8 END`;

/** A group's message counts by outcome (README "Messaging"). */
const COUNTS = `count(*)::int AS messages,
  count(*) FILTER (WHERE first_sent_ts IS NOT NULL OR first_delivered_ts IS NOT NULL)::int AS sent,
  count(*) FILTER (WHERE first_delivered_ts IS NOT NULL)::int AS delivered,
  count(*) FILTER (WHERE is_read)::int AS read,
  count(*) FILTER (WHERE is_failed AND first_delivered_ts IS NULL)::int AS failed`;

/** Messaging SQL over message_outcomes (one row per message of the organization, from all its events). */
@Injectable()
export class MessagingRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** `text` as an instant: with an offset as written, without one as a local time in `tz`. UTC ISO text. */
  async instant(text: string, hasOffset: boolean, tz: string): Promise<string> {
    const rows = await this.db.query<Array<{ t: string }>>(
      hasOffset
        ? `SELECT to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`
        : `SELECT to_char(($1::timestamp AT TIME ZONE $2) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`,
      hasOffset ? [text] : [text, tz],
    );
    return rows[0].t;
  }

  /** Counts and latency percentiles per bucket of `tz` holding messages (by their first event), in time order. */
  deliveryBuckets(orgId: string, w: MessagingWindow, f: MessageFilter, granularity: MessagingGranularity, tz: string): Promise<DeliveryBucketRow[]> {
    const p = new SqlParams();
    const where = outcomeWhere(orgId, w, f, p);
    const zone = p.add(tz);
    return this.db.query(
      `SELECT to_char(b AT TIME ZONE ${zone}, 'YYYY-MM-DD"T"HH24:MI:SS') AS local_start,
              extract(epoch FROM (b AT TIME ZONE ${zone}) - (b AT TIME ZONE 'UTC'))::int AS offset_seconds,
              messages, sent, delivered, read, failed, p[1] AS p50, p[2] AS p90, p[3] AS p95, p[4] AS p99
       FROM (
         SELECT date_trunc('${TRUNC_UNIT[granularity]}', first_ts, ${zone}) AS b,
                ${COUNTS},
                percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY ${LATENCY_MS}) AS p
         FROM message_outcomes WHERE ${where}
         GROUP BY 1
       ) g ORDER BY b`,
      p.values,
    );
  }

  /** Counts and latency percentiles over the whole window (one row). */
  async periodTotals(orgId: string, w: MessagingWindow, f: MessageFilter): Promise<Omit<DeliveryBucketRow, 'local_start' | 'offset_seconds'>> {
    const p = new SqlParams();
    const rows = await this.db.query<Array<Omit<DeliveryBucketRow, 'local_start' | 'offset_seconds'>>>(
      `SELECT messages, sent, delivered, read, failed, p[1] AS p50, p[2] AS p90, p[3] AS p95, p[4] AS p99 FROM (
         SELECT ${COUNTS}, percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY ${LATENCY_MS}) AS p
         FROM message_outcomes WHERE ${outcomeWhere(orgId, w, f, p)}
       ) g`,
      p.values,
    );
    return rows[0];
  }

  /** Failed messages (a failed event, no delivered or read one) by failure code, most first, then code. */
  failures(orgId: string, w: MessagingWindow, f: MessageFilter, limit: number): Promise<FailureRow[]> {
    const p = new SqlParams();
    const where = `${outcomeWhere(orgId, w, f, p)} AND is_failed AND first_delivered_ts IS NULL`;
    return this.db.query(
      `SELECT error_code, count(*)::int AS messages FROM message_outcomes WHERE ${where}
       GROUP BY error_code ORDER BY count(*) DESC, error_code NULLS LAST LIMIT ${p.add(limit)}`,
      p.values,
    );
  }

  async failedCount(orgId: string, w: MessagingWindow, f: MessageFilter): Promise<number> {
    const p = new SqlParams();
    const where = `${outcomeWhere(orgId, w, f, p)} AND is_failed AND first_delivered_ts IS NULL`;
    const rows = await this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM message_outcomes WHERE ${where}`, p.values);
    return rows[0].n;
  }
}

function outcomeWhere(orgId: string, w: MessagingWindow, f: MessageFilter, p: SqlParams): string {
  let where = `org_id = ${p.add(orgId)} AND first_ts >= ${p.add(w.from)}::timestamptz AND first_ts < ${p.add(w.to)}::timestamptz`;
  if (f.channel !== null) where += ` AND channel = ${p.add(f.channel)}`;
  if (f.templateId !== null) where += ` AND template_id = ${p.add(f.templateId)}`;
  if (f.campaignId !== null) where += ` AND campaign_id = ${p.add(f.campaignId)}`;
  return where;
}
