import { Injectable } from '@nestjs/common';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { cpa, figures, MetricFigures, MetricSums, roundedRatio, ZERO_SUMS } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import type { InsightHistoryQuery, InsightsQuery } from './dto/marketing-query.dto';
import type { InsightDto, InsightHistoryDto, InsightsDto } from './dto/marketing-response.dto';
import { MarketingAnomaliesService } from './marketing-anomalies.service';
import { MarketingInsightsRepository } from './marketing-insights.repository';
import { MarketingRepository, MarketingScope } from './marketing.repository';
import { addDays, addSums, MarketingScopeService, singleCurrency } from './marketing-scope.service';
import { byKey } from './marketing.service';

/** The window the insights cover when the request names none: the last 30 days with data. */
const DEFAULT_WINDOW_DAYS = 30;
const ANOMALY_METRICS = ['cost', 'revenue', 'clicks'] as const;

interface Ranked {
  key: string;
  sums: MetricSums;
  f: MetricFigures;
}

/**
 * Insights over a window: the best campaigns by ROI, underperforming ads, campaign anomalies in
 * cost, revenue and clicks, and campaigns spending inefficiently. Each computed answer is stored
 * (GET insights/history); an answer served from the cache generated nothing new.
 */
@Injectable()
export class MarketingInsightsService {
  constructor(
    private readonly repo: MarketingRepository,
    private readonly stored: MarketingInsightsRepository,
    private readonly anomalies: MarketingAnomaliesService,
    private readonly scopes: AnalyticsScopeService,
    private readonly marketingScope: MarketingScopeService,
  ) {}

  async insights(auth: AuthContext, q: InsightsQuery): Promise<InsightsDto> {
    const started = performance.now();
    const scope = await this.marketingScope.resolve(auth, q);
    return this.scopes.answer(scope, 'insights', { limit: q.limit, cpa: q.cpa_threshold }, started, async () => {
      const latest = scope.rows.endDay ?? (await this.repo.latestDay(scope));
      if (latest === null) {
        return { start_date: null, end_date: null, currency: null, data: [] };
      }
      // A start_date after the last day with data still gets a window that ends no earlier.
      const end = scope.rows.startDay !== null && scope.rows.startDay > latest ? scope.rows.startDay : latest;
      const start = scope.rows.startDay ?? addDays(end, -(DEFAULT_WINDOW_DAYS - 1));
      const window = { start, end };
      // Independent queries, each on its own pooled connection: the answer takes the longest one.
      const [campaignGroups, adGroups, anomalies] = await Promise.all([
        this.repo.sums(scope, window, 'campaign'),
        this.repo.underperformingAds(scope, window, toCents(q.cpa_threshold), q.limit),
        this.campaignAnomalies(scope, window, q.limit),
      ]);
      // Every current row is in some campaign's sums: their currencies are the scope's.
      const currency = singleCurrency(campaignGroups);
      const campaigns = ranked(byKey(campaignGroups));
      const weak = ranked(byKey(adGroups));
      const createdAt = new Date().toISOString();
      const best = bestCampaigns(campaigns, q.limit);
      const wasteful = budgetInefficient(campaigns, q.limit);
      const [campaignNames, adNames] = await Promise.all([
        this.repo.names(scope, window, 'campaign', [...new Set([...best, ...wasteful].map((c) => c.key).concat(anomalies.map((a) => a.entity_id)))]),
        this.repo.names(
          scope,
          window,
          'ad',
          weak.map((a) => a.key),
        ),
      ]);
      const name = (names: Map<string, string>, key: string) => names.get(key) ?? key;
      const data: InsightDto[] = [
        ...best.map((c) =>
          item(
            'best_campaign',
            `Top Performer: ${name(campaignNames, c.key)}`,
            `Campaign achieved ROI of ${fixed2(roundedRatio((c.sums.revenueCents - c.sums.costCents) * 100n, c.sums.costCents, 2))}% with $${c.f.revenue.toFixed(2)} revenue from $${c.f.cost.toFixed(2)} spend.`,
            c.key,
            'campaign',
            'info',
            { ...c.f, name: campaignNames.get(c.key) ?? null },
            createdAt,
          ),
        ),
        ...weak.map((a) =>
          item(
            'underperforming_ad',
            `Underperforming Ad: ${name(adNames, a.key)}`,
            `Ad has negative ROI (${fixed2(roundedRatio((a.sums.revenueCents - a.sums.costCents) * 100n, a.sums.costCents, 2))}%) or high CPA ($${fixed2(roundedRatio(a.sums.costCents, a.sums.conversions * 100n, 2))}). Consider pausing or optimizing.`,
            a.key,
            'ad',
            isRoiBelowMinus20(a.sums) ? 'warning' : 'info',
            { ...a.f, name: adNames.get(a.key) ?? null, cpaThreshold: q.cpa_threshold },
            createdAt,
          ),
        ),
        ...anomalies.map((a) =>
          item(
            'anomaly_detected',
            `Anomaly Detected: ${a.metric_type} ${a.value > a.expected_value ? 'spike' : 'drop'} in ${name(campaignNames, a.entity_id)}`,
            a.description,
            a.entity_id,
            'campaign',
            a.severity === 'high' ? 'critical' : 'warning',
            { ...a },
            createdAt,
          ),
        ),
        ...wasteful.map((c) =>
          item(
            'budget_inefficiency',
            `Budget Inefficiency: ${name(campaignNames, c.key)}`,
            c.f.cpa === null
              ? `Campaign spent $${c.f.cost.toFixed(2)} (${c.share.toFixed(1)}% of spend) without a conversion, while the account CPA is $${c.orgCpa.toFixed(2)}.`
              : `Campaign CPA of $${c.f.cpa.toFixed(2)} is more than twice the account CPA of $${c.orgCpa.toFixed(2)} while taking ${c.share.toFixed(1)}% of spend.`,
            c.key,
            'campaign',
            'warning',
            { ...c.f, name: campaignNames.get(c.key) ?? null, accountCpa: c.orgCpa, spendSharePct: Math.round(c.share * 100) / 100 },
            createdAt,
          ),
        ),
      ];
      await this.stored.insertMany(scope.orgId, data);
      return { start_date: start, end_date: end, currency, data };
    });
  }

  async history(orgId: string, q: InsightHistoryQuery): Promise<InsightHistoryDto> {
    const { rows, total } = await this.stored.page(orgId, q.type ?? null, q.page, q.pageSize);
    return { data: rows, page: q.page, pageSize: q.pageSize, total, totalPages: Math.ceil(total / q.pageSize) };
  }

  /** Cost, revenue and clicks anomalies of campaigns within the window, largest |z| first. */
  private async campaignAnomalies(scope: MarketingScope, window: { start: string; end: string }, limit: number) {
    const found = await this.anomalies.scanMany(scope, [...ANOMALY_METRICS], { entityType: 'campaign', entityId: null, window, threshold: 2.5 });
    return found
      .sort((a, b) => Math.abs(b.z_score) - Math.abs(a.z_score) || (a.entity_id < b.entity_id ? -1 : a.entity_id > b.entity_id ? 1 : 0) || (a.date < b.date ? -1 : 1))
      .slice(0, limit);
  }
}

function ranked(sums: Map<string, MetricSums>): Ranked[] {
  return [...sums].map(([key, s]) => ({ key, sums: s, f: figures(s) }));
}

/** Campaigns with spend, by ROI descending (then revenue descending, id). */
function bestCampaigns(campaigns: Ranked[], limit: number): Ranked[] {
  return campaigns
    .filter((c) => c.sums.costCents > 0n)
    .sort((a, b) => b.f.roi! - a.f.roi! || b.f.revenue - a.f.revenue || (a.key < b.key ? -1 : 1))
    .slice(0, limit);
}

/**
 * Campaigns holding ≥ 5 % of the spend whose CPA is above twice the account's (or that converted
 * nothing), compared exactly on the sums; the largest spend first. None when the account has no
 * conversion (its CPA is undefined).
 */
function budgetInefficient(campaigns: Ranked[], limit: number): Array<Ranked & { orgCpa: number; share: number }> {
  const total = campaigns.reduce((acc, c) => addSums(acc, c.sums), ZERO_SUMS);
  const orgCpa = cpa(total);
  if (orgCpa === null || total.costCents === 0n) {
    return [];
  }
  return campaigns
    .filter((c) => c.sums.costCents * 20n >= total.costCents && c.sums.costCents > 0n)
    .filter((c) => c.sums.conversions === 0n || c.sums.costCents * total.conversions > 2n * total.costCents * c.sums.conversions)
    .sort((a, b) => (a.sums.costCents > b.sums.costCents ? -1 : a.sums.costCents < b.sums.costCents ? 1 : a.key < b.key ? -1 : 1))
    .slice(0, limit)
    .map((c) => ({ ...c, orgCpa, share: (Number(c.sums.costCents) / Number(total.costCents)) * 100 }));
}

function item(
  type: string,
  title: string,
  description: string,
  entityId: string,
  entityType: string,
  severity: string,
  metadata: Record<string, unknown>,
  createdAt: string,
): InsightDto {
  return { type, title, description, entity_id: entityId, entity_type: entityType, severity, metadata, created_at: createdAt };
}

/** ROI < −20 % exactly: (revenue − cost) × 100 < −20 × cost. */
function isRoiBelowMinus20(s: MetricSums): boolean {
  return (s.revenueCents - s.costCents) * 5n < -s.costCents;
}

/** A currency amount given as a number, in cents (1.005 → 101: the decimal the caller wrote, not its binary double). */
function toCents(amount: number): bigint {
  return BigInt(Math.round(Number((amount * 100).toFixed(6))));
}

function fixed2(v: number | null): string {
  return (v ?? 0).toFixed(2);
}
