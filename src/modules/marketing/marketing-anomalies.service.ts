import { Injectable } from '@nestjs/common';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { anomalyDescription, ctr, MetricSums, roi, ZERO_SUMS, zScoreAnomalies } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import { AnomaliesQuery, EntityType, METRIC_TYPES, MetricType } from './dto/marketing-query.dto';
import type { AnomaliesDto, AnomalyItemDto } from './dto/marketing-response.dto';
import { MarketingErrors } from './marketing.errors';
import { MarketingRepository, MarketingScope, SeriesRow } from './marketing.repository';
import { addDays, addSums, MarketingScopeService, singleCurrency, toSums } from './marketing-scope.service';

export interface AnomalyScan {
  metric: MetricType;
  entityType: EntityType;
  entityId: string | null;
  window: { start: string; end: string };
  threshold: number;
}

/**
 * Z-score anomalies over entities' daily series (libs/stats/zscore-anomalies.ts): each day of the
 * lookback, zero-filled, from the exact daily sums of the entity's winning rows.
 */
@Injectable()
export class MarketingAnomaliesService {
  constructor(
    private readonly repo: MarketingRepository,
    private readonly scopes: AnalyticsScopeService,
    private readonly marketingScope: MarketingScopeService,
  ) {}

  async anomalies(auth: AuthContext, q: AnomaliesQuery): Promise<AnomaliesDto> {
    const started = performance.now();
    const metric = readMetric(q.metric_type);
    // The lookback decides the series' first day: start_date does not apply.
    const scope = await this.marketingScope.resolve(auth, { ...q, start_date: undefined });
    const params = { metric, entityType: q.entity_type, entityId: q.entity_id ?? null, lookback: q.lookback_days, z: q.z_threshold, limit: q.limit, page: q.page };
    return this.scopes.answer(scope, 'anomalies', params, started, async () => {
      const end = scope.rows.endDay ?? (await this.repo.latestDay(scope));
      const base = { metric_type: metric, entity_type: q.entity_type, entity_id: q.entity_id ?? null, page: q.page, pageSize: q.limit };
      if (end === null) {
        return { ...base, start_date: null, end_date: null, data: [], total: 0, totalPages: 0 };
      }
      const window = { start: addDays(end, -(q.lookback_days - 1)), end };
      const all = await this.scan(scope, { metric, entityType: q.entity_type, entityId: q.entity_id ?? null, window, threshold: q.z_threshold });
      const data = all.slice((q.page - 1) * q.limit, q.page * q.limit);
      return { ...base, start_date: window.start, end_date: end, data, total: all.length, totalPages: Math.ceil(all.length / q.limit) };
    });
  }

  /** Every anomaly of the scan, by |z| descending, then entity and date. */
  async scan(scope: MarketingScope, s: AnomalyScan): Promise<AnomalyItemDto[]> {
    return this.scanMany(scope, [s.metric], s);
  }

  /** The anomalies of several metrics over the same entities and window, from one read of their daily sums. */
  async scanMany(scope: MarketingScope, metrics: MetricType[], s: Omit<AnomalyScan, 'metric'>): Promise<AnomalyItemDto[]> {
    const rows = await this.repo.series(scope, s.window, s.entityType, s.entityId);
    singleCurrency(rows);
    return metrics.flatMap((metric) => anomaliesOf(rows, { ...s, metric }));
  }
}

/** The anomalies of one metric in the entities' daily sums, by |z| descending, then entity and date. */
function anomaliesOf(rows: SeriesRow[], s: AnomalyScan): AnomalyItemDto[] {
  const days: string[] = [];
  for (let d = s.window.start; d <= s.window.end; d = addDays(d, 1)) {
    days.push(d);
  }
  const out: AnomalyItemDto[] = [];
  for (const [entityId, byDay] of byEntityAndDay(rows)) {
    const series = days.map((date) => ({ date, value: metricValue(s.metric, byDay.get(date) ?? ZERO_SUMS) }));
    for (const a of zScoreAnomalies(series, s.threshold)) {
      out.push({
        metric_type: s.metric,
        entity_id: entityId,
        entity_type: s.entityType,
        date: a.date,
        value: a.value,
        expected_value: a.expectedValue,
        z_score: a.zScore,
        severity: a.severity,
        description: anomalyDescription(a, s.metric, s.entityType),
      });
    }
  }
  return out.sort((a, b) => Math.abs(b.z_score) - Math.abs(a.z_score) || cmp(a.entity_id, b.entity_id) || cmp(a.date, b.date));
}

function readMetric(raw: string | undefined): MetricType {
  if (raw === undefined || raw === '') {
    throw MarketingErrors.missingMetric(METRIC_TYPES);
  }
  if (!(METRIC_TYPES as readonly string[]).includes(raw)) {
    throw MarketingErrors.invalidMetric(raw, METRIC_TYPES);
  }
  return raw as MetricType;
}

/** A day's figure: money in currency units, ROI and CTR from the day's sums (0 when undefined). */
export function metricValue(metric: MetricType, s: MetricSums): number {
  switch (metric) {
    case 'impressions':
      return Number(s.impressions);
    case 'clicks':
      return Number(s.clicks);
    case 'conversions':
      return Number(s.conversions);
    case 'cost':
      return Number(s.costCents) / 100;
    case 'revenue':
      return Number(s.revenueCents) / 100;
    case 'roi':
      return roi(s) ?? 0;
    case 'ctr':
      return ctr(s) ?? 0;
  }
}

function byEntityAndDay(rows: SeriesRow[]): Map<string, Map<string, MetricSums>> {
  const out = new Map<string, Map<string, MetricSums>>();
  for (const r of rows) {
    let days = out.get(r.key);
    if (!days) {
      days = new Map();
      out.set(r.key, days);
    }
    const before = days.get(r.day);
    days.set(r.day, before ? addSums(before, toSums(r)) : toSums(r));
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
