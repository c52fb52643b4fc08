import { Injectable } from '@nestjs/common';
import { CentMoments, centsToNumber, deviationsTenths, meanCents, minCentsAbove, percentage, ratio, roundDiv, stdDevCents } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import { elapsedMs } from '@common/analytics-meta.dto';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { TransactionsScopeService } from './transactions-scope.service';
import { AnalyticsRepository, AnalyticsScope, CategoryThreshold, CohortCell, CustomerCounts, DimTotal } from './analytics.repository';
import { CustomerTally } from './customer-hours';
import { AnalyticsFilterQuery, AnomaliesQuery, DormantQuery, FullReportQuery, HourlyQuery, LeaderboardQuery, RetentionQuery } from './dto/analytics-query.dto';
import {
  AnomaliesDto,
  CategoryDistributionDto,
  CategoryRowDto,
  CohortDto,
  CustomerRetentionDto,
  DormantMerchantsDto,
  FullReportDto,
  HourlyPatternDto,
  HourRowDto,
  ZoneLeaderboardDto,
  ZoneRowDto,
} from './dto/analytics-response.dto';

type Meta = 'queryTimeMs' | 'cached' | 'dataVersion';
type Retention = Omit<CustomerRetentionDto, Meta>;

/** A transaction is an anomaly above mean + ANOMALY_SIGMAS × σ of its category. */
const ANOMALY_SIGMAS = 3n;

/** Byte order, like the C collation of the key columns: the tie-break every ranking uses. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The seven transaction analytics. Every figure is computed on integers (cents, counts) and
 * rounded half up once, at the end, so answers match a plain SQL computation over the raw rows.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly repo: AnalyticsRepository,
    private readonly scopes: AnalyticsScopeService,
    private readonly transactionsScope: TransactionsScopeService,
  ) {}

  async zoneLeaderboard(auth: AuthContext, q: LeaderboardQuery): Promise<ZoneLeaderboardDto> {
    const started = performance.now();
    const scope = await this.transactionsScope.resolve(auth, q);
    return this.scopes.answer(scope, 'zones', { limit: q.limit }, started, async () => ({ data: await this.zones(scope, q.limit) }));
  }

  async categoryDistribution(auth: AuthContext, q: AnalyticsFilterQuery): Promise<CategoryDistributionDto> {
    const started = performance.now();
    const scope = await this.transactionsScope.resolve(auth, q);
    return this.scopes.answer(scope, 'categories', {}, started, async () => categoryDistribution(await this.repo.dimTotals(scope, 'category')));
  }

  async dormantMerchants(auth: AuthContext, q: DormantQuery): Promise<DormantMerchantsDto> {
    const started = performance.now();
    const scope = await this.transactionsScope.resolve(auth, q);
    return this.scopes.answer(scope, 'dormant', { page: q.page, pageSize: q.pageSize }, started, async () => {
      const found = await this.repo.dormantMerchants(scope, (q.page - 1) * q.pageSize, q.pageSize);
      return { data: found.rows, pagination: pagination(q.page, q.pageSize, found.total) };
    });
  }

  async hourlyPattern(auth: AuthContext, q: HourlyQuery): Promise<HourlyPatternDto> {
    const started = performance.now();
    await this.transactionsScope.assertTimeZone(q.tz);
    const scope = await this.transactionsScope.resolve(auth, q);
    return this.scopes.answer(scope, 'hourly', { tz: q.tz }, started, async () => ({ data: await this.hours(scope, q.tz), tz: q.tz }));
  }

  async anomalies(auth: AuthContext, q: AnomaliesQuery): Promise<AnomaliesDto> {
    const started = performance.now();
    const scope = await this.transactionsScope.resolve(auth, q);
    return this.scopes.answer(scope, 'anomalies', { page: q.page, pageSize: q.pageSize }, started, async () => {
      const stats = categoryMoments(await this.repo.dimTotals(scope, 'category'));
      const thresholds = anomalyThresholds(stats);
      const [total, rows] = await Promise.all([this.repo.countAbove(scope, thresholds), this.repo.rowsAbove(scope, thresholds, (q.page - 1) * q.pageSize, q.pageSize)]);
      const data = rows.map((r) => {
        const m = stats.get(r.category)!;
        const cents = BigInt(r.amount.replace('.', ''));
        return {
          transactionId: r.transactionId,
          amount: centsToNumber(cents),
          category: r.category,
          categoryMean: centsToNumber(meanCents(m)),
          categoryStdDev: centsToNumber(stdDevCents(m)),
          stdDevFromMean: Number(deviationsTenths(m, cents)) / 10,
          timestamp: r.occurredAt.toISOString(),
        };
      });
      return { data, pagination: pagination(q.page, q.pageSize, total) };
    });
  }

  async customerRetention(auth: AuthContext, q: RetentionQuery): Promise<CustomerRetentionDto> {
    const started = performance.now();
    const scope = await this.transactionsScope.resolve(auth, q);
    return this.scopes.answer(scope, 'retention', { cohorts: q.cohorts ?? null }, started, () => this.retention(scope, q.cohorts === 'monthly'));
  }

  /** Every analysis at once, computed concurrently (each part shares the cache of its own endpoint). */
  async fullReport(auth: AuthContext, q: FullReportQuery): Promise<FullReportDto> {
    const started = performance.now();
    await this.transactionsScope.assertTimeZone(q.tz);
    const scope = await this.transactionsScope.resolve(auth, q);
    const part = <T>(name: string, params: Record<string, unknown>, compute: () => Promise<T>) => this.scopes.cached(scope, name, params, compute).then((r) => r.value);
    const { value, isCached } = await this.scopes.cached(scope, 'full', { tz: q.tz }, async () => {
      // The distribution and the anomaly thresholds read the same category totals: once.
      let categoryTotals: Promise<DimTotal[]> | null = null;
      const readCategoryTotals = () => (categoryTotals ??= this.repo.dimTotals(scope, 'category'));
      const [zones, categories, dormant, hours, anomalyCount, retention] = await Promise.all([
        part('zones', { limit: 20 }, async () => ({ data: await this.zones(scope, 20) })),
        part('categories', {}, async () => categoryDistribution(await readCategoryTotals())),
        part('dormant-count', {}, () => this.repo.dormantMerchants(scope, 0, null).then((d) => d.total)),
        part('hourly', { tz: q.tz }, async () => ({ data: await this.hours(scope, q.tz), tz: q.tz })),
        part('anomaly-count', {}, async () => this.repo.countAbove(scope, anomalyThresholds(categoryMoments(await readCategoryTotals())))),
        part('retention', { cohorts: null }, () => this.retention(scope, false)),
      ]);
      return {
        zoneLeaderboard: zones.data,
        categoryDistribution: categories.data,
        totalTransactions: categories.totalTransactions,
        dormantMerchantCount: dormant,
        hourlyPattern: hours.data,
        anomalyCount,
        customerRetention: retention,
      };
    });
    const ms = elapsedMs(started);
    return { ...value, totalQueryTimeMs: ms, queryTimeMs: ms, cached: isCached, dataVersion: scope.dataVersion };
  }

  private async zones(scope: AnalyticsScope, limit: number): Promise<ZoneRowDto[]> {
    const totals = await this.repo.dimTotals(scope, 'zone');
    totals.sort((a, b) => (a.cents === b.cents ? byText(a.key, b.key) : a.cents > b.cents ? -1 : 1));
    return totals.slice(0, limit).map((t, i) => ({
      rank: i + 1,
      zone: t.key,
      totalAmount: centsToNumber(t.cents),
      transactionCount: Number(t.count),
      averageAmount: centsToNumber(roundDiv(t.cents, t.count)),
    }));
  }

  private async hours(scope: AnalyticsScope, tz: string): Promise<HourRowDto[]> {
    const byHour = new Map((await this.repo.hourTotals(scope, tz)).map((h) => [h.hour, h]));
    return Array.from({ length: 24 }, (_, hour) => {
      const h = byHour.get(hour);
      return {
        hour,
        transactionCount: h ? Number(h.count) : 0,
        averageAmount: h && h.count > 0n ? centsToNumber(roundDiv(h.cents, h.count)) : 0,
      };
    });
  }

  private async retention(scope: AnalyticsScope, withCohorts: boolean): Promise<Retention> {
    const isWindowed = scope.window.fromUs !== null || scope.window.toUs !== null;
    const hours = (isWindowed || withCohorts) && scope.importIds.length > 0 ? await this.fromCustomerHours(scope, withCohorts) : null;
    const counts = hours?.counts ?? (await this.customerCounts(scope));
    const single = counts.customers - counts.repeatCustomers;
    const result: Retention = {
      totalUniqueCustomers: Number(counts.customers),
      repeatCustomers: Number(counts.repeatCustomers),
      repeatCustomerPercentage: percentage(counts.repeatCustomers, counts.customers, 2),
      singleTransactionCustomers: Number(single),
      averageTransactionsPerCustomer: ratio(counts.transactions, counts.customers, 2),
      unidentifiedTransactions: Number(counts.unidentified),
    };
    if (withCohorts) {
      result.cohorts = cohortTable(hours?.cohorts ?? (await this.repo.cohorts(scope)));
    }
    return result;
  }

  /**
   * Customers (and cohorts) counted from the scope's customer hours: customer numbers per hour,
   * read in time order (see CustomerTally); null when an import of the scope has none.
   */
  private async fromCustomerHours(scope: AnalyticsScope, withCohorts: boolean): Promise<{ counts: CustomerCounts; cohorts: CohortCell[] } | null> {
    const ceiling = await this.repo.customerHoursCeiling(scope);
    if (ceiling === null) {
      return null;
    }
    const tally = new CustomerTally(ceiling, withCohorts);
    await this.repo.forEachCustomerHour(scope, (ids, hourUs) => tally.add(ids, hourUs));
    return {
      counts: {
        customers: BigInt(tally.customers),
        repeatCustomers: BigInt(tally.repeatCustomers),
        transactions: BigInt(tally.transactions),
        unidentified: BigInt(tally.unidentified),
      },
      cohorts: withCohorts ? tally.cohorts() : [],
    };
  }

  /**
   * Whole imports (no time window) are answered from the histograms their loads built (customers
   * by number of transactions), summed, then corrected for customers found in several of them; a
   * time window needs the raw rows.
   */
  private async customerCounts(scope: AnalyticsScope) {
    if (scope.window.fromUs !== null || scope.window.toUs !== null || scope.importIds.length === 0) {
      return this.repo.customerCounts(scope);
    }
    const summaries = await this.repo.importSummaries(scope.orgId, scope.importIds);
    const histogram = new Map<number, number>();
    const bump = (k: number, n: number) => histogram.set(k, (histogram.get(k) ?? 0) + n);
    summaries.forEach((s) => Object.entries(s.histogram).forEach(([k, n]) => bump(Number(k), n)));
    if (summaries.length > 1) {
      const [largest, ...others] = [...summaries].sort((a, b) => b.customers - a.customers);
      const shared = await this.repo.sharedCustomers(
        scope.orgId,
        largest.importId,
        others.map((s) => s.importId),
      );
      shared.remove.forEach((n, k) => bump(k, -n));
      shared.add.forEach((n, k) => bump(k, n));
    }
    let customers = 0n;
    let repeatCustomers = 0n;
    let transactions = 0n;
    for (const [k, n] of histogram) {
      customers += BigInt(n);
      transactions += BigInt(k) * BigInt(n);
      if (k > 1) {
        repeatCustomers += BigInt(n);
      }
    }
    const unidentified = summaries.reduce((sum, s) => sum + BigInt(s.unidentified), 0n);
    return { customers, repeatCustomers, transactions, unidentified };
  }
}

function categoryDistribution(totals: DimTotal[]): { data: CategoryRowDto[]; totalTransactions: number } {
  const total = totals.reduce((sum, t) => sum + t.count, 0n);
  const sorted = [...totals].sort((a, b) => (a.count === b.count ? byText(a.key, b.key) : a.count > b.count ? -1 : 1));
  return {
    data: sorted.map((t) => ({ category: t.key, transactionCount: Number(t.count), percentage: percentage(t.count, total, 1) })),
    totalTransactions: Number(total),
  };
}

function categoryMoments(totals: DimTotal[]): Map<string, CentMoments> {
  return new Map(totals.map((t) => [t.key, { count: t.count, sumCents: t.cents, sumSqCents: t.sqCents }]));
}

function anomalyThresholds(stats: Map<string, CentMoments>): CategoryThreshold[] {
  const out: CategoryThreshold[] = [];
  for (const [category, m] of stats) {
    const minCents = minCentsAbove(m, ANOMALY_SIGMAS);
    if (minCents !== null) {
      out.push({ category, minCents });
    }
  }
  return out;
}

function pagination(page: number, pageSize: number, total: number) {
  return { page, pageSize, total, totalPages: Math.ceil(total / pageSize) };
}

function cohortTable(cells: Array<{ cohort: string; monthsSince: number; customers: number }>): CohortDto[] {
  const cohorts = new Map<string, CohortDto>();
  for (const cell of cells) {
    let c = cohorts.get(cell.cohort);
    if (!c) {
      c = { cohort: cell.cohort, customers: 0, months: [] };
      cohorts.set(cell.cohort, c);
    }
    if (cell.monthsSince === 0) {
      c.customers = cell.customers;
    }
    c.months.push({ monthsSince: cell.monthsSince, customers: cell.customers, percentage: 0 });
  }
  for (const c of cohorts.values()) {
    c.months.forEach((m) => (m.percentage = percentage(BigInt(m.customers), BigInt(c.customers), 2)));
  }
  return [...cohorts.values()];
}
