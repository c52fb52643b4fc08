import { Injectable } from '@nestjs/common';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { CRITICAL_THRESHOLD, DELIVERY_SLA, deliveryFigures, deliverySummary, percentOf } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import type { DashboardQuery, DeliveryQuery, MessagingWindowQuery, TimePeriod } from './dto/messaging-query.dto';
import type { DashboardDto, DeliveryDto, FailureCodeDto, FailuresDto, PeriodFiguresDto } from './dto/messaging-response.dto';
import { DeliveryBucketRow, FailureRow, MessageFilter, MessagingRepository, MessagingWindow } from './messaging.repository';
import { messageFilter, MessagingWindows, nextMinute, offsetText, round2 } from './messaging-window';

const KIND = 'message-events';
const TOP_FAILURES = 10;
const PERIOD_MS: Record<TimePeriod, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 };
/** A delivery-rate change within this many points either way is stable. */
const STABLE_POINTS = 0.5;

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

  async delivery(auth: AuthContext, q: DeliveryQuery, sla = DELIVERY_SLA): Promise<DeliveryDto> {
    const started = performance.now();
    const w = await this.windows.resolve(q, q.granularity);
    const scope = await this.scopes.resolve(auth, KIND, undefined, { ...w.filter, from: w.from, to: w.to, tz: w.tz });
    return this.scopes.answer(scope, 'delivery', { granularity: q.granularity, sla }, started, async () => {
      const [rows, failures] = await Promise.all([
        this.repo.deliveryBuckets(auth.orgId, w, w.filter, q.granularity, w.tz),
        this.repo.failures(auth.orgId, w, w.filter, TOP_FAILURES),
      ]);
      const figures = rows.map((r) => ({
        start: `${r.local_start}${offsetText(r.offset_seconds)}`,
        ...rowFigures(r, sla),
      }));
      const summary = deliverySummary(figures, sla);
      return {
        granularity: q.granularity,
        tz: w.tz,
        from: w.from,
        to: w.to,
        buckets: figures,
        summary: { ...summary, top_failures: failureCodes(failures, summary.failed) },
      };
    });
  }

  /** The last hour, day, week or 30 days against the period before: headline rates, SLA state, latency, trend. */
  async dashboard(auth: AuthContext, q: DashboardQuery): Promise<DashboardDto> {
    const started = performance.now();
    const to = nextMinute(Date.now());
    const span = PERIOD_MS[q.time_period];
    const from = new Date(Date.parse(to) - span).toISOString();
    const before = new Date(Date.parse(to) - 2 * span).toISOString();
    const filter = messageFilter(q);
    const scope = await this.scopes.resolve(auth, KIND, undefined, { ...filter, to });
    return this.scopes.answer(scope, 'dashboard', { time_period: q.time_period }, started, async () => {
      const [current, previous, failures] = await Promise.all([
        periodFigures(this.repo, auth.orgId, { from, to }, filter),
        periodFigures(this.repo, auth.orgId, { from: before, to: from }, filter),
        this.repo.failures(auth.orgId, { from, to }, filter, 5),
      ]);
      const rateChange = Math.round((current.delivery_rate - previous.delivery_rate) * 100) / 100;
      const status = current.messages === 0 ? 'no_data' : current.delivery_rate >= DELIVERY_SLA ? 'ok' : current.delivery_rate < CRITICAL_THRESHOLD ? 'critical' : 'breach';
      return {
        time_period: q.time_period,
        sla_status: status,
        sla_target: DELIVERY_SLA,
        current,
        previous,
        trend: {
          messages_change_pct: changePct(current.messages, previous.messages),
          delivery_rate_change: rateChange,
          read_rate_change: Math.round((current.read_rate - previous.read_rate) * 100) / 100,
          latency_p50_change_pct: changePct(current.latency_ms.p50, previous.latency_ms.p50),
          direction: previous.messages === 0 || Math.abs(rateChange) <= STABLE_POINTS ? 'stable' : rateChange > 0 ? 'improving' : 'declining',
        },
        top_failures: failureCodes(failures, current.failed),
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

/** A period's figures with its latency percentiles. */
async function periodFigures(repo: MessagingRepository, orgId: string, w: MessagingWindow, f: MessageFilter): Promise<PeriodFiguresDto> {
  const r = await repo.periodTotals(orgId, w, f);
  return {
    from: w.from,
    to: w.to,
    ...rowFigures(r, DELIVERY_SLA),
  };
}

/** A group's counts and latency percentiles as delivery figures (rates, SLA state, latency in ms to 2 dp). */
function rowFigures(r: Omit<DeliveryBucketRow, 'local_start' | 'offset_seconds'>, sla: number) {
  return {
    ...deliveryFigures({ messages: r.messages, sent: r.sent, delivered: r.delivered, read: r.read, failed: r.failed }, sla),
    latency_ms: { p50: round2(r.p50), p90: round2(r.p90), p95: round2(r.p95), p99: round2(r.p99) },
  };
}

function changePct(now: number | null, before: number | null): number | null {
  if (now === null || before === null || before === 0) return null;
  return Math.round(((now - before) / Math.abs(before)) * 10_000) / 100;
}

function failureCodes(rows: FailureRow[], failed: number): FailureCodeDto[] {
  return rows.map((r) => ({ error_code: r.error_code, messages: r.messages, share: percentOf(r.messages, failed) }));
}
