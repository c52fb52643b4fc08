import { Injectable } from '@nestjs/common';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { isKnownTimeZone } from '@libs/cleaners';
import { deliveryFigures, deliverySummary, percentOf } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import type { DeliveryQuery, MessagingGranularity, MessagingWindowQuery } from './dto/messaging-query.dto';
import type { DeliveryDto, FailureCodeDto, FailuresDto } from './dto/messaging-response.dto';
import { MessagingErrors } from './messaging.errors';
import { FailureRow, MessageFilter, MessagingRepository, MessagingWindow } from './messaging.repository';

const KIND = 'message-events';
const DEFAULT_WINDOW_MS = 7 * 86_400_000;
const MAX_BUCKETS = 10_000;
const BUCKET_MS: Record<MessagingGranularity, number> = { hourly: 3_600_000, daily: 86_400_000, weekly: 7 * 86_400_000 };
const TOP_FAILURES = 10;
/** A local date, or an ISO 8601 date-time with an optional offset (Z, ±HH, ±HHMM, ±HH:MM). */
const TIME_TEXT = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;
const OFFSET_TEXT = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
/** Postgres: a date/time field out of range, or invalid datetime format. */
const BAD_TIME_CODES = new Set(['22008', '22007']);

interface ResolvedWindow extends MessagingWindow {
  tz: string;
  filter: MessageFilter;
}

/**
 * Delivery against the SLA and failures, over message_outcomes: each message once, in the bucket
 * of its first event, with its outcome from all its events (README "Messaging").
 */
@Injectable()
export class MessagingService {
  constructor(
    private readonly repo: MessagingRepository,
    private readonly scopes: AnalyticsScopeService,
  ) {}

  async delivery(auth: AuthContext, q: DeliveryQuery): Promise<DeliveryDto> {
    const started = performance.now();
    const w = await this.window(q);
    const buckets = Math.ceil((Date.parse(w.to) - Date.parse(w.from)) / BUCKET_MS[q.granularity]);
    if (buckets > MAX_BUCKETS) {
      throw MessagingErrors.tooManyBuckets(buckets, MAX_BUCKETS, q.granularity);
    }
    const scope = await this.scopes.resolve(auth, KIND, undefined, { ...w.filter, from: w.from, to: w.to, tz: w.tz });
    return this.scopes.answer(scope, 'delivery', { granularity: q.granularity }, started, async () => {
      const [rows, failures] = await Promise.all([
        this.repo.deliveryBuckets(auth.orgId, w, w.filter, q.granularity, w.tz),
        this.repo.failures(auth.orgId, w, w.filter, TOP_FAILURES),
      ]);
      const figures = rows.map((r) => ({
        start: `${r.local_start}${offsetText(r.offset_seconds)}`,
        ...deliveryFigures({ messages: r.messages, sent: r.sent, delivered: r.delivered, read: r.read, failed: r.failed }),
        latency_ms: { p50: round2(r.p50), p90: round2(r.p90), p95: round2(r.p95), p99: round2(r.p99) },
      }));
      const summary = deliverySummary(figures);
      return {
        granularity: q.granularity, tz: w.tz, from: w.from, to: w.to, buckets: figures,
        summary: { ...summary, top_failures: failureCodes(failures, summary.failed) },
      };
    });
  }

  async failures(auth: AuthContext, q: MessagingWindowQuery): Promise<FailuresDto> {
    const started = performance.now();
    const w = await this.window(q);
    const scope = await this.scopes.resolve(auth, KIND, undefined, { ...w.filter, from: w.from, to: w.to });
    return this.scopes.answer(scope, 'failures', {}, started, async () => {
      const [rows, failed] = await Promise.all([this.repo.failures(auth.orgId, w, w.filter, 1000), this.repo.failedCount(auth.orgId, w, w.filter)]);
      return { from: w.from, to: w.to, failed, data: failureCodes(rows, failed) };
    });
  }

  /** The request's window (UTC instants), zone and filters, validated. */
  private async window(q: MessagingWindowQuery): Promise<ResolvedWindow> {
    const tz = q.tz ?? 'UTC';
    if (!isKnownTimeZone(tz)) {
      throw MessagingErrors.unknownTimeZone(tz);
    }
    const to = q.to === undefined ? nextMinute(Date.now()) : await this.instant('to', q.to, tz);
    const from = q.from === undefined ? new Date(Date.parse(to) - DEFAULT_WINDOW_MS).toISOString() : await this.instant('from', q.from, tz);
    if (Date.parse(from) >= Date.parse(to)) {
      throw MessagingErrors.emptyWindow(from, to);
    }
    const filter = { channel: q.channel?.toLowerCase() ?? null, templateId: q.template_id ?? null, campaignId: q.campaign_id ?? null };
    return { from, to, tz, filter };
  }

  private async instant(field: string, raw: string, tz: string): Promise<string> {
    const text = raw.trim();
    if (!TIME_TEXT.test(text)) {
      throw MessagingErrors.invalidTime(field, raw);
    }
    try {
      return await this.repo.instant(text, OFFSET_TEXT.test(text) && text.length > 10, tz);
    } catch (err) {
      if (BAD_TIME_CODES.has((err as { code?: string }).code ?? '')) {
        throw MessagingErrors.invalidTime(field, raw);
      }
      throw err;
    }
  }
}

function failureCodes(rows: FailureRow[], failed: number): FailureCodeDto[] {
  return rows.map((r) => ({ error_code: r.error_code, messages: r.messages, share: percentOf(r.messages, failed) }));
}

/** The start of the next whole minute (now itself when on one), ISO UTC. */
function nextMinute(ms: number): string {
  return new Date(Math.ceil(ms / 60_000) * 60_000).toISOString();
}

/** ±HH:MM of an offset in seconds east of UTC. */
function offsetText(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  return `${sign}${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}`;
}

function round2(v: number | null): number | null {
  return v === null ? null : Math.round(v * 100) / 100;
}
