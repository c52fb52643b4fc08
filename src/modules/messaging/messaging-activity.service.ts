import { HttpStatus, Injectable } from '@nestjs/common';
import { AppError } from '@common/errors';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { ENGAGEMENT_ACTIONS, SYSTEM_SERVICES } from '@libs/cleaners';
import { engagementRate, parseWeights } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import type { EngagementQuery, SystemQuery } from './dto/messaging-query.dto';
import type { EngagementDto, MetricStatsDto, SystemDto, SystemServiceDto } from './dto/messaging-response.dto';
import { EngagementRow, MessagingActivityRepository, SystemRow } from './messaging-activity.repository';
import { MessagingWindows, offsetText } from './messaging-window';

/** System health limits: response times in seconds, cpu and memory in %. */
export const HEALTH_LIMITS: Readonly<HealthLimits> = { response_time: 2.0, cpu_usage: 80, memory_usage: 80 };

export interface HealthLimits {
  response_time: number;
  cpu_usage: number;
  memory_usage: number;
}

const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** The platform users' engagement and the services' health, per bucket and over the window. */
@Injectable()
export class MessagingActivityService {
  constructor(
    private readonly repo: MessagingActivityRepository,
    private readonly windows: MessagingWindows,
    private readonly scopes: AnalyticsScopeService,
  ) {}

  async engagement(auth: AuthContext, q: EngagementQuery): Promise<EngagementDto> {
    const started = performance.now();
    const weights = parseWeights(q.weights ?? '', ENGAGEMENT_ACTIONS);
    if (typeof weights === 'string') {
      throw new AppError('INVALID_WEIGHTS', HttpStatus.BAD_REQUEST, `weights: ${weights}`, { field: 'weights' });
    }
    const w = await this.windows.resolve(q, q.granularity);
    const scope = await this.scopes.resolve(auth, 'engagement-events', undefined, { from: w.from, to: w.to, tz: w.tz });
    return this.scopes.answer(scope, 'engagement', { granularity: q.granularity, weights }, started, async () => {
      const rows = scope.importIds.length === 0 ? [] : await this.repo.engagement(auth.orgId, scope.importIds, w, q.granularity, w.tz);
      const { buckets, totals } = byBucket(rows);
      return {
        granularity: q.granularity,
        tz: w.tz,
        from: w.from,
        to: w.to,
        weights,
        buckets: [...buckets].map(([start, group]) => ({ start, ...engagementFigures(group, weights) })),
        summary: engagementFigures(totals, weights),
      };
    });
  }

  async system(auth: AuthContext, q: SystemQuery, limits: Readonly<HealthLimits> = HEALTH_LIMITS): Promise<SystemDto> {
    const started = performance.now();
    const service = q.service_name?.toLowerCase() ?? null;
    if (service !== null && !(SYSTEM_SERVICES as readonly string[]).includes(service)) {
      throw new AppError('INVALID_SERVICE_NAME', HttpStatus.BAD_REQUEST, `service_name '${q.service_name}' is not one of ${SYSTEM_SERVICES.join(', ')}`, { field: 'service_name' });
    }
    const w = await this.windows.resolve(q, q.granularity);
    const scope = await this.scopes.resolve(auth, 'system-metrics', undefined, { from: w.from, to: w.to, tz: w.tz, service });
    return this.scopes.answer(scope, 'system', { granularity: q.granularity, limits }, started, async () => {
      const rows = scope.importIds.length === 0 ? [] : await this.repo.system(auth.orgId, scope.importIds, w, q.granularity, w.tz, service, limits.response_time);
      const { buckets, totals } = byBucket(rows);
      const summary: Record<string, SystemServiceDto> = {};
      for (const [name, metrics] of byService(totals)) {
        const responses = totals.find((r) => r.service_name === name && r.metric_name === 'response_time');
        const below = (metric: keyof HealthLimits) => {
          const m = metrics[metric];
          return m === undefined ? null : m.average < limits[metric];
        };
        const flags = { response_time_ok: below('response_time'), cpu_ok: below('cpu_usage'), memory_ok: below('memory_usage') };
        summary[name] = {
          metrics,
          sla_compliance: responses ? round4(responses.under_limit / responses.samples) : null,
          health: { ...flags, healthy: Object.values(flags).every((f) => f !== false) },
        };
      }
      return {
        granularity: q.granularity,
        tz: w.tz,
        from: w.from,
        to: w.to,
        buckets: [...buckets].map(([start, group]) => ({ start, services: Object.fromEntries(byService(group)) })),
        summary: { services: summary },
      };
    });
  }
}

/** Grouping-set rows split into the buckets' (by start, in query order) and the window's. */
function byBucket<R extends { is_total: boolean; local_start: string | null; offset_seconds: number | null }>(rows: R[]): { buckets: Map<string, R[]>; totals: R[] } {
  const buckets = new Map<string, R[]>();
  const totals: R[] = [];
  for (const r of rows) {
    if (r.is_total) {
      totals.push(r);
    } else {
      const start = `${r.local_start}${offsetText(r.offset_seconds!)}`;
      const group = buckets.get(start);
      if (group) group.push(r);
      else buckets.set(start, [r]);
    }
  }
  return { buckets, totals };
}

/** A bucket's (or the window's) engagement from its rows: the one without an action type has the users. */
function engagementFigures(rows: EngagementRow[], weights: Record<string, number>) {
  const all = rows.find((r) => r.action_type === null);
  const actions = Object.fromEntries(ENGAGEMENT_ACTIONS.map((a) => [a, rows.find((r) => r.action_type === a)?.actions ?? 0]));
  const users = all?.users ?? 0;
  const durations = all?.durations ?? 0;
  const durationMsSum = Number(all?.duration_ms_sum ?? 0);
  return {
    unique_users: users,
    total_actions: all?.actions ?? 0,
    actions,
    average_duration_ms: durations > 0 ? Math.round((durationMsSum / durations) * 100) / 100 : null,
    engagement_rate: engagementRate({ users, actions, durationMsSum, durations }, weights),
  };
}

function byService(rows: SystemRow[]): Map<string, Record<string, MetricStatsDto>> {
  const out = new Map<string, Record<string, MetricStatsDto>>();
  for (const r of rows) {
    const metrics = out.get(r.service_name) ?? {};
    metrics[r.metric_name] = { samples: r.samples, average: round4(r.average), p95: round4(r.p95), peak: round4(r.peak) };
    out.set(r.service_name, metrics);
  }
  return out;
}
