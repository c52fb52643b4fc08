import { Injectable } from '@nestjs/common';
import type { AuthContext } from '@modules/auth/auth.context';
import { DataQualityQuery, SalesAnomaliesQuery, SalesFilterQuery, TopProductsQuery, TopTransactionsQuery } from './dto/sales-query.dto';
import {
  AnomalyRowDto,
  CategoryDiscountsDto,
  DataQualityDto,
  MonthlySummaryDto,
  RegionPerformanceDto,
  SalesAnomaliesDto,
  SalesRecordDto,
  TopProductsDto,
  TopTransactionsDto,
} from './dto/sales-response.dto';
import { SalesErrors } from './sales.errors';
import { AnomalyBounds, RecordRow, SalesRepository, ScopeTotals, ScoredRow } from './sales.repository';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { SalesScopeService } from './sales-scope.service';

/** Below the exact threshold by a margin far larger than a double's rounding error. */
const BOUND_MARGIN = 1e-9;

/**
 * The sales outputs. Sums are exact PostgreSQL numerics over the daily rollup, rounded once
 * (money to 2 dp, discounts to 4); anomaly rules compare exact values with exact averages.
 */
@Injectable()
export class SalesService {
  constructor(
    private readonly repo: SalesRepository,
    private readonly scopes: AnalyticsScopeService,
    private readonly salesScope: SalesScopeService,
  ) {}

  async monthlySummary(auth: AuthContext, q: SalesFilterQuery): Promise<MonthlySummaryDto> {
    const started = performance.now();
    const scope = await this.salesScope.resolve(auth, q);
    return this.scopes.answer(scope, 'monthly', {}, started, async () => ({
      data: (await this.repo.monthly(scope)).map((m) => ({
        month: m.month,
        revenue: Number(m.revenue),
        quantity: Number(m.quantity),
        avgDiscount: Number(m.avgDiscount),
        records: Number(m.records),
      })),
    }));
  }

  async topProducts(auth: AuthContext, q: TopProductsQuery): Promise<TopProductsDto> {
    const started = performance.now();
    const scope = await this.salesScope.resolve(auth, q);
    return this.scopes.answer(scope, 'products', { limit: q.limit }, started, async () => ({
      data: (await this.repo.byDimension(scope, 'product_name', q.limit)).map((r, i) => ({
        rank: i + 1,
        product: r.key,
        revenue: Number(r.revenue),
        quantity: Number(r.quantity),
      })),
    }));
  }

  async regionPerformance(auth: AuthContext, q: SalesFilterQuery): Promise<RegionPerformanceDto> {
    const started = performance.now();
    const scope = await this.salesScope.resolve(auth, q);
    return this.scopes.answer(scope, 'regions', {}, started, async () => ({
      data: (await this.repo.byDimension(scope, 'region', null)).map((r) => ({ region: r.key, revenue: Number(r.revenue), quantity: Number(r.quantity) })),
    }));
  }

  async categoryDiscounts(auth: AuthContext, q: SalesFilterQuery): Promise<CategoryDiscountsDto> {
    const started = performance.now();
    const scope = await this.salesScope.resolve(auth, q);
    return this.scopes.answer(scope, 'category-discounts', {}, started, async () => ({
      data: (await this.repo.categoryDiscounts(scope)).map((c) => ({
        category: c.category,
        weightedAvgDiscount: Number(c.weighted),
        revenue: Number(c.revenue),
      })),
    }));
  }

  async anomalies(auth: AuthContext, q: SalesAnomaliesQuery): Promise<SalesAnomaliesDto> {
    const started = performance.now();
    const scope = await this.salesScope.resolve(auth, q);
    return this.scopes.answer(scope, 'anomalies', { limit: q.limit }, started, async () => {
      const totals = await this.repo.totals(scope);
      const n = Number(totals.records);
      const averages = {
        records: n,
        revenue: n ? round(Number(totals.revenue) / n, 4) : 0,
        quantity: n ? round(Number(totals.quantity) / n, 4) : 0,
        unitPrice: n ? round(Number(totals.price) / n, 4) : 0,
      };
      if (n === 0) {
        return { data: [], averages };
      }
      const rows = await this.repo.anomalies(scope, totals, anomalyBounds(totals), q.limit);
      return { data: rows.map((r) => toAnomaly(r, averages)), averages };
    });
  }

  async topTransactions(auth: AuthContext, q: TopTransactionsQuery): Promise<TopTransactionsDto> {
    const started = performance.now();
    const scope = await this.salesScope.resolve(auth, q);
    return this.scopes.answer(scope, 'top-transactions', { limit: q.limit }, started, async () => ({
      data: (await this.repo.topRecords(scope, q.limit)).map((r, i) => ({ rank: i + 1, ...toRecord(r) })),
    }));
  }

  async dataQuality(auth: AuthContext, q: DataQualityQuery): Promise<DataQualityDto> {
    const started = performance.now();
    if ((q.from ?? '') !== '' || (q.to ?? '') !== '') {
      throw SalesErrors.windowNotApplicable();
    }
    const scope = await this.salesScope.resolve(auth, { importId: q.importId });
    return this.scopes.answer(scope, 'data-quality', {}, started, async () => {
      const [[quality], duplicates] = await Promise.all([this.repo.quality(scope), this.repo.duplicateOrderIds(scope)]);
      const processed = Number(quality.read);
      const cleaned = Number(quality.loaded);
      const dropsByReason: Record<string, number> = {};
      for (const reasons of quality.reasons) {
        for (const [reason, count] of Object.entries(reasons ?? {})) {
          dropsByReason[reason] = (dropsByReason[reason] ?? 0) + count;
        }
      }
      return {
        recordsProcessed: processed,
        recordsCleaned: cleaned,
        recordsDropped: Number(quality.rejected),
        // Integer arithmetic, rounded half up once: 2 dp of a percentage.
        successRate: processed === 0 ? 0 : Number((BigInt(cleaned) * 20000n + BigInt(processed)) / (2n * BigInt(processed))) / 100,
        dropsByReason,
        duplicateOrderIds: Number(duplicates.ids),
        duplicateRows: Number(duplicates.rows),
        imports: scope.importIds.length,
      };
    });
  }
}

/** Index-friendly lower bounds of the three average-relative rules (each exact test is done in SQL). */
function anomalyBounds(t: ScopeTotals): AnomalyBounds {
  const n = Number(t.records);
  const below = (x: number): number => x * (1 - BOUND_MARGIN) - BOUND_MARGIN;
  return {
    revenue: below((10 * Number(t.revenue)) / n),
    quantity: Math.floor(below((5 * Number(t.quantity)) / n)),
    unitPrice: below((5 * Number(t.price)) / n),
  };
}

function toRecord(r: RecordRow): SalesRecordDto {
  return {
    orderId: r.orderId,
    product: r.product,
    category: r.category,
    region: r.region,
    quantity: r.quantity,
    unitPrice: Number(r.unitPrice),
    discount: Number(r.discount),
    revenue: Number(r.revenue),
    saleDate: r.saleAt.toISOString(),
    importId: r.importId,
    line: r.line,
  };
}

/** The rules that gave the record its points, in words (the same order as the score's terms). */
function toAnomaly(r: ScoredRow, avg: { revenue: number; quantity: number; unitPrice: number }): AnomalyRowDto {
  const rec = toRecord(r);
  const money = (x: number): string => x.toFixed(2);
  const reasons: string[] = [];
  if (r.isHighRevenue) reasons.push(`revenue ${money(rec.revenue)} is over 10 × the average revenue (${money(avg.revenue)}) (+3)`);
  if (r.isHighQuantity) reasons.push(`quantity ${rec.quantity} is over 5 × the average quantity (${avg.quantity}) (+2)`);
  if (r.isHighPrice) reasons.push(`unit price ${money(rec.unitPrice)} is over 5 × the average unit price (${money(avg.unitPrice)}) (+2)`);
  if (r.isDeepDiscount) reasons.push(`discount ${rec.discount} is over 0.7 (+1)`);
  if (r.isDiscountedPremium) reasons.push(`unit price ${money(rec.unitPrice)} over 1000 with discount ${rec.discount} over 0.5 (+2)`);
  if (r.isLargeRevenue) reasons.push(`revenue ${money(rec.revenue)} is over 50,000 (+1)`);
  if (r.isBulkPremium) reasons.push(`quantity ${rec.quantity} over 100 at unit price ${money(rec.unitPrice)} over 500 (+2)`);
  return { ...rec, score: Number(r.score), reasons };
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}
