import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { endianness } from 'os';
import { Semaphore } from '@common/concurrency/semaphore';
import { SqlParams } from '@common/sql-params';
import { percentilesOf } from '@libs/stats';
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
const SLOT = `interval '15 minutes'`;
const LATENCY_FRACTIONS = [0.5, 0.9, 0.95, 0.99];
/**
 * Latency reads in flight at once: each holds its rows (90 days of latencies are 23 MB, 45 MB as
 * hex text on arrival) until they are reduced to percentiles, so without a bound the memory would
 * grow with the uncached requests in flight. Two keep both cores busy.
 */
const LATENCY_READS = 2;

/** A group's message counts by outcome (README "Messaging"), with its latencies as big-endian float8 (float8send). */
const OUTCOME_FIGURES = `count(*)::int AS messages,
  count(*) FILTER (WHERE first_sent_ts IS NOT NULL OR first_delivered_ts IS NOT NULL)::int AS sent,
  count(*) FILTER (WHERE first_delivered_ts IS NOT NULL)::int AS delivered,
  count(*) FILTER (WHERE is_read)::int AS read,
  count(*) FILTER (WHERE is_failed AND first_delivered_ts IS NULL)::int AS failed,
  coalesce(string_agg(float8send(latency), ''::bytea) FILTER (WHERE latency IS NOT NULL), ''::bytea) AS latencies`;

/** Part of a bucket: whole quarter hours (message_slots) or messages at the window's ends, counted, with their latencies. */
interface FigureRow extends Omit<DeliveryBucketRow, 'p50' | 'p90' | 'p95' | 'p99'> {
  bucket_ms: number;
  latencies: Buffer;
}

/**
 * Messaging SQL over each message's outcome. Unfiltered answers read message_slots (the messages
 * of each quarter hour, counted, with their latencies) for the whole quarter hours of the window
 * and message_outcomes only for the rest (the window's two ends, and any quarter hour a bucket
 * boundary splits); filtered answers read message_outcomes for the whole window. Either way a
 * bucket's percentiles are selected from its latencies as percentile_cont computes them.
 */
@Injectable()
export class MessagingRepository {
  private readonly latencyReads = new Semaphore(LATENCY_READS);

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
  async deliveryBuckets(orgId: string, w: MessagingWindow, f: MessageFilter, granularity: MessagingGranularity, tz: string): Promise<DeliveryBucketRow[]> {
    const p = new SqlParams();
    const zone = p.add(tz);
    return this.latencyReads.run(async () => combineBuckets(await this.figureRows(orgId, w, f, p, (ts) => `date_trunc('${TRUNC_UNIT[granularity]}', ${ts}, ${zone})`, zone)));
  }

  /** Counts and latency percentiles over the whole window (one row). */
  async periodTotals(orgId: string, w: MessagingWindow, f: MessageFilter): Promise<Omit<DeliveryBucketRow, 'local_start' | 'offset_seconds'>> {
    const p = new SqlParams();
    const start = p.add(w.from);
    const [total] = await this.latencyReads.run(async () => combineBuckets(await this.figureRows(orgId, w, f, p, () => `${start}::timestamptz`, `'UTC'`)));
    return total ?? { messages: 0, sent: 0, delivered: 0, read: 0, failed: 0, p50: null, p90: null, p95: null, p99: null };
  }

  /** Failed messages (a failed event, no delivered or read one) by failure code, most first, then code. */
  failures(orgId: string, w: MessagingWindow, f: MessageFilter, limit: number): Promise<FailureRow[]> {
    const p = new SqlParams();
    return this.db.query(
      `SELECT error_code, sum(messages)::int AS messages FROM (${failedMessages(windowParts(orgId, w, f, p))}) x
       GROUP BY error_code ORDER BY sum(messages) DESC, error_code NULLS LAST LIMIT ${p.add(limit)}`,
      p.values,
    );
  }

  async failedCount(orgId: string, w: MessagingWindow, f: MessageFilter): Promise<number> {
    const p = new SqlParams();
    const rows = await this.db.query<Array<{ n: number }>>(`SELECT coalesce(sum(messages), 0)::int AS n FROM (${failedMessages(windowParts(orgId, w, f, p))}) x`, p.values);
    return rows[0].n;
  }

  /**
   * A bucket's figures in parts (ordered by bucket): whole quarter hours inside one bucket from
   * message_slots, and the window's other messages grouped by bucket. `bucket(ts)` is the bucket
   * of an instant; `zone` names the zone its local start is written in.
   */
  private figureRows(orgId: string, w: MessagingWindow, f: MessageFilter, p: SqlParams, bucket: (ts: string) => string, zone: string): Promise<FigureRow[]> {
    const parts = windowParts(orgId, w, f, p);
    const lastInstant = `s.slot + ${SLOT} - interval '1 microsecond'`;
    return this.db.query(
      `WITH whole AS (
         SELECT s.*, ${bucket('s.slot')} AS bucket, ${bucket('s.slot')} = ${bucket(lastInstant)} AS is_whole
         FROM message_slots s WHERE s.org_id = ${parts.org} AND s.slot >= ${parts.lo} AND s.slot < ${parts.hi}
       )
       SELECT (extract(epoch FROM bucket) * 1000)::float8 AS bucket_ms,
              to_char(bucket AT TIME ZONE ${zone}, 'YYYY-MM-DD"T"HH24:MI:SS') AS local_start,
              extract(epoch FROM (bucket AT TIME ZONE ${zone}) - (bucket AT TIME ZONE 'UTC'))::int AS offset_seconds,
              messages, sent, delivered, read, failed, latencies
       FROM (
         SELECT bucket, messages, sent, delivered, read, failed, latencies FROM whole WHERE is_whole
         UNION ALL
         SELECT ${bucket('o.first_ts')}, ${OUTCOME_FIGURES}
         FROM (
           ${parts.ends}
           UNION ALL
           SELECT o.* FROM (SELECT slot FROM whole WHERE NOT is_whole) split
           JOIN LATERAL (${parts.outcomes('o.first_ts >= split.slot AND o.first_ts < split.slot + ' + SLOT)}) o ON true
         ) o
         GROUP BY 1
       ) parts ORDER BY bucket`,
      p.values,
    );
  }
}

/** The window's failed messages as (error_code, messages) rows: whole quarter hours from message_slot_failures, its ends one by one. */
function failedMessages(parts: WindowParts): string {
  return `SELECT s.error_code, s.messages FROM message_slot_failures s WHERE s.org_id = ${parts.org} AND s.slot >= ${parts.lo} AND s.slot < ${parts.hi}
          UNION ALL
          SELECT o.error_code, 1 FROM (${parts.ends}) o WHERE o.is_failed AND o.first_delivered_ts IS NULL`;
}

interface WindowParts {
  org: string;
  /** The window's whole quarter hours: slots from lo (inclusive) to hi (exclusive). */
  lo: string;
  hi: string;
  /** The outcomes (with their latency) of the window outside its whole quarter hours. */
  ends: string;
  /** The outcomes (with their latency) of the organization that pass the filter and `condition`. */
  outcomes: (condition: string) => string;
}

/**
 * The split of a window [from, to) into its whole quarter hours (read from the slot tables) and
 * its two ends (read message by message), given to Postgres as constants so that it plans the
 * ends as the short index ranges they are. A filtered window has no whole quarter hours (the
 * slots count every message): its messages are those of the whole window that pass the filter.
 */
function windowParts(orgId: string, w: MessagingWindow, f: MessageFilter, p: SqlParams): WindowParts {
  const org = p.add(orgId);
  const from = `${p.add(w.from)}::timestamptz`;
  const to = `${p.add(w.to)}::timestamptz`;
  let filter = '';
  if (f.channel !== null) filter += ` AND o.channel = ${p.add(f.channel)}`;
  if (f.templateId !== null) filter += ` AND o.template_id = ${p.add(f.templateId)}`;
  if (f.campaignId !== null) filter += ` AND o.campaign_id = ${p.add(f.campaignId)}`;
  const outcomes = (condition: string) =>
    `SELECT o.*, message_latency_ms(o.first_sent_ts, o.first_delivered_ts, o.provider_latency_ms) AS latency
     FROM message_outcomes o WHERE o.org_id = ${org} AND ${condition}${filter}`;
  const whole = outcomes(`o.first_ts >= ${from} AND o.first_ts < ${to}`);
  if (filter !== '') {
    return { org, lo: to, hi: to, ends: whole, outcomes };
  }
  const slots = wholeSlots(w);
  if (slots === null) {
    return { org, lo: to, hi: to, ends: whole, outcomes };
  }
  const lo = `${p.add(slots.lo)}::timestamptz`;
  const hi = `${p.add(slots.hi)}::timestamptz`;
  return {
    org,
    lo,
    hi,
    outcomes,
    ends: `${outcomes(`o.first_ts >= ${from} AND o.first_ts < ${lo}`)} UNION ALL ${outcomes(`o.first_ts >= ${hi} AND o.first_ts < ${to}`)}`,
  };
}

const SLOT_MICROS = 900_000_000n;

/** The first and the end of the window's whole quarter hours (UTC ISO), none when it holds no whole one. */
export function wholeSlots(w: MessagingWindow): { lo: string; hi: string } | null {
  const from = epochMicros(w.from);
  const to = epochMicros(w.to);
  const lo = -floorDiv(-from, SLOT_MICROS) * SLOT_MICROS;
  const hi = floorDiv(to, SLOT_MICROS) * SLOT_MICROS;
  if (lo >= hi) return null;
  return { lo: new Date(Number(lo / 1000n)).toISOString(), hi: new Date(Number(hi / 1000n)).toISOString() };
}

/** ⌊a / b⌋ for b > 0 (BigInt division truncates towards zero: wrong before 1970). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

/** Microseconds since 1970 of an ISO UTC instant with up to 6 decimals (…Z), exactly. */
function epochMicros(iso: string): bigint {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(iso);
  if (!m) throw new RangeError(`not a UTC instant: ${iso}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1000n + BigInt((m[2] ?? '').padEnd(6, '0'));
}

/** Parts of the same bucket (consecutive rows) summed, their latencies' percentiles selected. */
function combineBuckets(rows: FigureRow[]): DeliveryBucketRow[] {
  const out: DeliveryBucketRow[] = [];
  for (let i = 0; i < rows.length;) {
    const first = rows[i];
    const sum = { messages: 0, sent: 0, delivered: 0, read: 0, failed: 0 };
    const parts: Buffer[] = [];
    for (; i < rows.length && rows[i].bucket_ms === first.bucket_ms; i++) {
      const r = rows[i];
      sum.messages += r.messages;
      sum.sent += r.sent;
      sum.delivered += r.delivered;
      sum.read += r.read;
      sum.failed += r.failed;
      parts.push(r.latencies);
    }
    const [p50, p90, p95, p99] = percentilesOf(float8sendValues(parts), LATENCY_FRACTIONS);
    out.push({ local_start: first.local_start, offset_seconds: first.offset_seconds, ...sum, p50, p90, p95, p99 });
  }
  return out;
}

/** Big-endian float8 values (Postgres float8send, concatenated) of several parts as one array. */
function float8sendValues(parts: Buffer[]): Float64Array {
  const values = new Float64Array(parts.reduce((n, b) => n + b.length, 0) / 8);
  const bytes = Buffer.from(values.buffer);
  let offset = 0;
  for (const part of parts) {
    offset += part.copy(bytes, offset);
  }
  if (IS_LITTLE_ENDIAN) bytes.swap64();
  return values;
}

const IS_LITTLE_ENDIAN = endianness() === 'LE';
