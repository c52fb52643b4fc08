import { Injectable } from '@nestjs/common';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { deliveryFigures, deliverySummary, percentOf } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import type { DeliveryQuery, MessagingWindowQuery } from './dto/messaging-query.dto';
import type { DeliveryDto, FailureCodeDto, FailuresDto } from './dto/messaging-response.dto';
import { FailureRow, MessagingRepository } from './messaging.repository';
import { MessagingWindows, offsetText, round2 } from './messaging-window';

const KIND = 'message-events';
const TOP_FAILURES = 10;

/**
 * Delivery against the SLA and failures, over message_outcomes: each message once, in the bucket
 * of its first event, with its outcome from all its events (README "Messaging").
 */
@Injectable()
export class MessagingService {
  constructor(
    private readonly repo: MessagingRepository,
    private readonly windows: MessagingWindows,
    private readonly scopes: AnalyticsScopeService,
  ) {}

  async delivery(auth: AuthContext, q: DeliveryQuery): Promise<DeliveryDto> {
    const started = performance.now();
    const w = await this.windows.resolve(q, q.granularity);
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
    const w = await this.windows.resolve(q, null);
    const scope = await this.scopes.resolve(auth, KIND, undefined, { ...w.filter, from: w.from, to: w.to });
    return this.scopes.answer(scope, 'failures', {}, started, async () => {
      const [rows, failed] = await Promise.all([this.repo.failures(auth.orgId, w, w.filter, 1000), this.repo.failedCount(auth.orgId, w, w.filter)]);
      return { from: w.from, to: w.to, failed, data: failureCodes(rows, failed) };
    });
  }
}

function failureCodes(rows: FailureRow[], failed: number): FailureCodeDto[] {
  return rows.map((r) => ({ error_code: r.error_code, messages: r.messages, share: percentOf(r.messages, failed) }));
}

