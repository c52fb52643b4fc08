import { Injectable } from '@nestjs/common';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { changePct, figures, MetricFigures, MetricSums, ZERO_SUMS } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import type { BreakdownQuery, Dimension, MarketingFilterQuery, TrendsQuery } from './dto/marketing-query.dto';
import type { BreakdownDto, BreakdownRowDto, RoiDto, TrendsDto } from './dto/marketing-response.dto';
import { MarketingErrors } from './marketing.errors';
import { DayWindow, MarketingRepository, MarketingScope, SumsRow } from './marketing.repository';
import { addDays, addSums, daysBetween, MarketingScopeService, singleCurrency, toSums } from './marketing-scope.service';

const FIGURE_NAMES = ['impressions', 'clicks', 'conversions', 'cost', 'revenue', 'roi', 'roas', 'cpc', 'cpa', 'ctr', 'cvr'] as const;
const TIME_DIMENSIONS: ReadonlySet<Dimension> = new Set(['date', 'week', 'month']);

/**
 * ROI, breakdowns and trends. Every figure comes from exact integer sums over the winning rows in
 * scope (cents for money), never from averaging per-row ratios; ratios are rounded once.
 */
@Injectable()
export class MarketingService {
  constructor(
    private readonly repo: MarketingRepository,
    private readonly scopes: AnalyticsScopeService,
    private readonly marketingScope: MarketingScopeService,
  ) {}

  async roi(auth: AuthContext, q: MarketingFilterQuery): Promise<RoiDto> {
    const started = performance.now();
    const scope = await this.marketingScope.resolve(auth, q);
    return this.scopes.answer(scope, 'roi', {}, started, async () => {
      const groups = await this.repo.sums(scope, dayWindow(scope), null);
      const currency = singleCurrency(groups);
      const rows = groups.reduce((n, g) => n + Number(g.rows), 0);
      return { currency, rows, ...figures(sumAll(groups)), filters: filtersOf(scope) };
    });
  }

  async breakdown(auth: AuthContext, q: BreakdownQuery): Promise<BreakdownDto> {
    const started = performance.now();
    const scope = await this.marketingScope.resolve(auth, q);
    const isCompared = q.compare === 'previous_period';
    if (isCompared && TIME_DIMENSIONS.has(q.dimension)) {
      throw MarketingErrors.compareNeedsEntity(q.dimension);
    }
    if (isCompared && (scope.rows.startDay === null || scope.rows.endDay === null)) {
      throw MarketingErrors.compareNeedsWindow();
    }
    const params = { dimension: q.dimension, sort: q.sort, order: q.order, limit: q.limit, page: q.page, compare: q.compare ?? null };
    return this.scopes.answer(scope, 'breakdown', params, started, async () => {
      const current = await this.repo.sums(scope, dayWindow(scope), q.dimension);
      const previousWindow = isCompared ? precedingWindow(scope.rows.startDay!, scope.rows.endDay!) : null;
      const previous = previousWindow ? await this.repo.sums(scope, previousWindow, q.dimension) : [];
      const currency = singleCurrency([...current, ...previous]);
      const rows: BreakdownRowDto[] = [...byKey(current)].map(([key, sums]) => ({ key, ...figures(sums) }));
      sortRows(rows, q.sort, q.order);
      const total = rows.length;
      const page = rows.slice((q.page - 1) * q.limit, q.page * q.limit);
      if (previousWindow) {
        const earlier = byKey(previous);
        for (const row of page) {
          const before = figures(earlier.get(row.key) ?? ZERO_SUMS);
          row.previous = before;
          row.change = Object.fromEntries(FIGURE_NAMES.map((name) => [name, changePct(row[name], before[name])]));
        }
      }
      if (q.dimension === 'campaign' || q.dimension === 'ad_group' || q.dimension === 'ad') {
        const names = await this.repo.names(
          scope,
          dayWindow(scope),
          q.dimension,
          page.map((r) => r.key),
        );
        for (const row of page) {
          row.name = names.get(row.key) ?? null;
        }
      }
      return {
        dimension: q.dimension,
        currency,
        data: page,
        page: q.page,
        pageSize: q.limit,
        total,
        totalPages: Math.ceil(total / q.limit),
        ...(previousWindow
          ? { periods: { current: { start_date: scope.rows.startDay, end_date: scope.rows.endDay }, previous: { start_date: previousWindow.start, end_date: previousWindow.end } } }
          : {}),
      };
    });
  }

  async trends(auth: AuthContext, q: TrendsQuery): Promise<TrendsDto> {
    const started = performance.now();
    const scope = await this.marketingScope.resolve(auth, q);
    return this.scopes.answer(scope, 'trends', { granularity: q.granularity, days: q.days }, started, async () => {
      const latest = scope.rows.endDay ?? (await this.repo.latestDay(scope));
      if (latest === null) {
        return { granularity: q.granularity, start_date: null, end_date: null, currency: null, data: [] };
      }
      // A start_date after the last day with data still gets a window that ends no earlier.
      const end = scope.rows.startDay !== null && scope.rows.startDay > latest ? scope.rows.startDay : latest;
      const start = scope.rows.startDay ?? addDays(end, -(q.days - 1));
      const groups = await this.repo.sums(scope, { start, end }, q.granularity === 'day' ? 'date' : q.granularity);
      const currency = singleCurrency(groups);
      const sums = byKey(groups);
      const data = buckets(start, end, q.granularity).map(({ period, key }) => ({ period, ...figures(sums.get(key) ?? ZERO_SUMS) }));
      return { granularity: q.granularity, start_date: start, end_date: end, currency, data };
    });
  }
}

/** The request's own day window. */
export function dayWindow(scope: MarketingScope): DayWindow {
  return { start: scope.rows.startDay, end: scope.rows.endDay };
}

/** The window of equal length ending the day before `start`. */
function precedingWindow(start: string, end: string): DayWindow {
  const length = daysBetween(start, end);
  return { start: addDays(start, -length), end: addDays(start, -1) };
}

function sumAll(groups: SumsRow[]): MetricSums {
  return groups.reduce((acc, g) => addSums(acc, toSums(g)), ZERO_SUMS);
}

/** Sums per key (a key's groups in several currencies cannot occur here: singleCurrency ran first). */
export function byKey(groups: SumsRow[]): Map<string, MetricSums> {
  const out = new Map<string, MetricSums>();
  for (const g of groups) {
    const before = out.get(g.key);
    out.set(g.key, before ? addSums(before, toSums(g)) : toSums(g));
  }
  return out;
}

/** By the figure (null ratios last whatever the order), then by key ascending. */
function sortRows(rows: Array<MetricFigures & { key: string }>, sort: string, order: 'asc' | 'desc'): void {
  const sign = order === 'asc' ? 1 : -1;
  rows.sort((a, b) => {
    if (sort !== 'key') {
      const x = a[sort as keyof MetricFigures];
      const y = b[sort as keyof MetricFigures];
      if (x !== y) {
        if (x === null) return 1;
        if (y === null) return -1;
        return (x - y) * sign;
      }
      return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    }
    return (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) * sign;
  });
}

/** Every bucket of [start, end]: its start day (period) and its key in the sums (as KEY_EXPR writes it). */
function buckets(start: string, end: string, granularity: 'day' | 'week' | 'month'): Array<{ period: string; key: string }> {
  const out: Array<{ period: string; key: string }> = [];
  if (granularity === 'day') {
    for (let d = start; d <= end; d = addDays(d, 1)) out.push({ period: d, key: d });
  } else if (granularity === 'week') {
    const weekday = (new Date(`${start}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
    for (let d = addDays(start, -weekday); d <= end; d = addDays(d, 7)) out.push({ period: d, key: d });
  } else {
    let [y, m] = [Number(start.slice(0, 4)), Number(start.slice(5, 7))];
    for (let key = start.slice(0, 7); key <= end.slice(0, 7);) {
      out.push({ period: `${key}-01`, key });
      [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
      key = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
    }
  }
  return out;
}

function filtersOf(scope: MarketingScope): Record<string, unknown> {
  const f = scope.rows;
  const all = {
    campaign_id: f.campaignId,
    ad_group_id: f.adGroupId,
    ad_id: f.adId,
    platform: f.platform,
    currency: f.currency,
    start_date: f.startDay,
    end_date: f.endDay,
    importId: scope.isAllImports ? null : scope.importIds[0],
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null));
}
