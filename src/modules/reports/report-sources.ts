import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Client } from 'pg';
import { KINDS } from '@app/kinds.registry';
import type { ExportFormat } from '@libs/export';
import type { AuthContext } from '@modules/auth/auth.context';
import { AnalyticsService } from '@modules/transactions/analytics.service';
import * as tx from '@modules/transactions/dto/analytics-query.dto';
import { SalesService } from '@modules/sales/sales.service';
import * as sales from '@modules/sales/dto/sales-query.dto';
import { MarketingService } from '@modules/marketing/marketing.service';
import { MarketingAnomaliesService } from '@modules/marketing/marketing-anomalies.service';
import { MarketingInsightsService } from '@modules/marketing/marketing-insights.service';
import * as mkt from '@modules/marketing/dto/marketing-query.dto';
import { MessagingService } from '@modules/messaging/messaging.service';
import { MessagingActivityService } from '@modules/messaging/messaging-activity.service';
import * as msg from '@modules/messaging/dto/messaging-query.dto';
import { TriggerReportDto } from '@modules/store-monitoring/dto/store-monitoring.dto';
import { StoreReportBuilder } from '@modules/store-monitoring/store-report.builder';
import { STORE_REPORT_COLUMNS } from '@modules/store-monitoring/store-report.writer';
import { RowsQuery } from './dto/rows-query.dto';
import { ReportErrors } from './reports.errors';

type DtoClass = new () => object;

export interface SourceParam {
  name: string;
  type: string;
  required: boolean;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  example?: unknown;
}

interface SourceBase {
  name: string;
  domain: string;
  description: string;
  dto: DtoClass;
}

/** An analytics answer of a domain: the same service call as its GET route, with the same parameters. */
export interface AnswerSource extends SourceBase {
  type: 'answer';
  /** The answer's list a spreadsheet shows, one row per element; none: the answer is one row. */
  list: string | null;
  run(auth: AuthContext, params: object): Promise<object>;
}

/** A kind's cleaned rows, as stored, from the organization's published imports. */
export interface RowsSource extends SourceBase {
  type: 'rows';
  kind: string;
}

/** What a job source is handed to write one report. */
export interface JobRun {
  reportId: string;
  orgId: string;
  /** Validated by the source's DTO. */
  params: object;
  format: ExportFormat;
  /** The runner's part file: the source writes the whole file there (the runner renames it when whole). */
  file: string;
  /** The file's meta (a JSON file's `meta`). */
  meta: Record<string, unknown>;
  /** The run's own connection, holding the report's advisory lock: the source may run its transaction on it. */
  db: Client;
  /** Saves `reports.progress` (the source's own fields, with rowsDone and percent for the generic routes). */
  saveProgress(progress: object): Promise<void>;
  /** Saves `reports.details`: what the report knows beyond its rows and bytes. */
  saveDetails(details: object): Promise<void>;
}

/** A domain computation that builds its own rows (one row per store, …) and writes them in the report's format. */
export interface JobSource extends SourceBase {
  type: 'job';
  /** The file's rows (not the header). */
  run(job: JobRun): Promise<number>;
}

export type ReportSource = AnswerSource | RowsSource | JobSource;

/** Query fields of the answer routes that are not parameters of a report (the report has its own format). */
const NOT_PARAMS = new Set(['format']);

/**
 * Every report source: each analytics answer of every domain (named `domain.answer`, with its GET
 * route's query parameters, validated by the same DTO), each kind's cleaned rows (`kind.rows`,
 * filtered by window and import) and the domain jobs that build their own rows
 * (`store-monitoring.uptime`).
 */
@Injectable()
export class ReportSources {
  private readonly byName: Map<string, ReportSource>;

  constructor(
    transactions: AnalyticsService,
    salesService: SalesService,
    marketing: MarketingService,
    marketingAnomalies: MarketingAnomaliesService,
    insights: MarketingInsightsService,
    messaging: MessagingService,
    activity: MessagingActivityService,
    storeReports: StoreReportBuilder,
  ) {
    const answer = (
      domain: string,
      name: string,
      description: string,
      dto: DtoClass,
      list: string | null,
      run: (auth: AuthContext, q: never) => Promise<object>,
    ): AnswerSource => ({ type: 'answer', name: `${domain}.${name}`, domain, description, dto, list, run });
    const answers: AnswerSource[] = [
      answer('transactions', 'zone-leaderboard', 'Zones by total amount (GET /analytics/zone-leaderboard)', tx.LeaderboardQuery, 'data', (a, q) =>
        transactions.zoneLeaderboard(a, q),
      ),
      answer('transactions', 'category-distribution', 'Transactions by category (GET /analytics/category-distribution)', tx.AnalyticsFilterQuery, 'data', (a, q) =>
        transactions.categoryDistribution(a, q),
      ),
      answer('transactions', 'dormant-merchants', 'Merchants without transactions in the window (GET /analytics/dormant-merchants)', tx.DormantQuery, 'data', (a, q) =>
        transactions.dormantMerchants(a, q),
      ),
      answer('transactions', 'hourly-pattern', 'Transactions by hour of day (GET /analytics/hourly-pattern)', tx.HourlyQuery, 'data', (a, q) => transactions.hourlyPattern(a, q)),
      answer('transactions', 'anomalies', 'Amounts more than 3σ from their category mean (GET /analytics/anomalies)', tx.AnomaliesQuery, 'data', (a, q) =>
        transactions.anomalies(a, q),
      ),
      answer('transactions', 'customer-retention', 'Repeat customers and cohorts (GET /analytics/customer-retention)', tx.RetentionQuery, null, (a, q) =>
        transactions.customerRetention(a, q),
      ),
      answer('transactions', 'full-report', 'Every transactions answer at once (GET /analytics/full-report)', tx.FullReportQuery, null, (a, q) => transactions.fullReport(a, q)),
      answer('sales', 'monthly-summary', 'Revenue and quantity by month (GET /sales/monthly-summary)', sales.SalesFilterQuery, 'data', (a, q) => salesService.monthlySummary(a, q)),
      answer('sales', 'top-products', 'Products by revenue (GET /sales/top-products)', sales.TopProductsQuery, 'data', (a, q) => salesService.topProducts(a, q)),
      answer('sales', 'region-performance', 'Revenue by region (GET /sales/region-performance)', sales.SalesFilterQuery, 'data', (a, q) => salesService.regionPerformance(a, q)),
      answer('sales', 'category-discounts', 'Weighted discounts by category (GET /sales/category-discounts)', sales.SalesFilterQuery, 'data', (a, q) =>
        salesService.categoryDiscounts(a, q),
      ),
      answer('sales', 'anomalies', 'Unusual sales records (GET /sales/anomalies)', sales.SalesAnomaliesQuery, 'data', (a, q) => salesService.anomalies(a, q)),
      answer('sales', 'top-transactions', 'The largest sales records (GET /sales/top-transactions)', sales.TopTransactionsQuery, 'data', (a, q) =>
        salesService.topTransactions(a, q),
      ),
      answer('sales', 'data-quality', 'What cleaning kept and dropped (GET /sales/data-quality)', sales.DataQualityQuery, null, (a, q) => salesService.dataQuality(a, q)),
      answer('marketing', 'roi', 'ROI, ROAS, CPC, CPA, CTR over the filter (GET /marketing/roi)', mkt.MarketingFilterQuery, null, (a, q) => marketing.roi(a, q)),
      answer('marketing', 'breakdown', 'Figures by platform, campaign, ad group, ad or period (GET /marketing/breakdown)', mkt.BreakdownQuery, 'data', (a, q) =>
        marketing.breakdown(a, q),
      ),
      answer('marketing', 'trends', 'Figures by day, week or month (GET /marketing/trends)', mkt.TrendsQuery, 'data', (a, q) => marketing.trends(a, q)),
      answer('marketing', 'anomalies', 'Z-score anomalies of a metric (GET /marketing/anomalies)', mkt.AnomaliesQuery, 'data', (a, q) => marketingAnomalies.anomalies(a, q)),
      answer('marketing', 'insights', 'Best campaigns, underperformers, anomalies, budget (GET /marketing/insights)', mkt.InsightsQuery, 'data', (a, q) => insights.insights(a, q)),
      answer('messaging', 'delivery', 'Delivery against the 99 % SLA by bucket (GET /messaging/delivery)', msg.DeliveryQuery, 'buckets', (a, q) => messaging.delivery(a, q)),
      answer('messaging', 'dashboard', 'The last hour, day, week or month against the one before (GET /messaging/dashboard)', msg.DashboardQuery, null, (a, q) =>
        messaging.dashboard(a, q),
      ),
      answer('messaging', 'failures', 'Failed messages by error code (GET /messaging/failures)', msg.MessagingWindowQuery, 'data', (a, q) => messaging.failures(a, q)),
      answer('messaging', 'engagement', 'Users and actions by bucket (GET /messaging/engagement)', msg.EngagementQuery, 'buckets', (a, q) => activity.engagement(a, q)),
      answer('messaging', 'system', 'Service metrics by bucket (GET /messaging/system)', msg.SystemQuery, 'buckets', (a, q) => activity.system(a, q)),
    ];
    const rows: RowsSource[] = KINDS.map((k) => ({
      type: 'rows',
      name: `${k.name}.rows`,
      domain: domainOf(k.name),
      kind: k.name,
      dto: RowsQuery,
      description: `The cleaned ${k.name} rows as stored (${k.copyColumns.join(', ')}), import by import, oldest first`,
    }));
    const jobs: JobSource[] = [
      {
        type: 'job',
        name: 'store-monitoring.uptime',
        domain: 'store-monitoring',
        dto: TriggerReportDto,
        description: `Uptime and downtime of every store over the last hour (minutes), day and week (hours), one row per store (${STORE_REPORT_COLUMNS.join(', ')}); as POST /store-monitoring/trigger_report`,
        run: (job) => storeReports.build(job),
      },
    ];
    this.byName = new Map([...answers, ...rows, ...jobs].map((s) => [s.name, s]));
  }

  list(): ReportSource[] {
    return [...this.byName.values()];
  }

  get(name: string): ReportSource {
    const source = this.byName.get(name);
    if (!source) throw ReportErrors.unknownSource(name, [...this.byName.keys()]);
    return source;
  }

  /** The source's parameters as its DTO's Swagger metadata declares them (the same ones its GET route documents). */
  params(source: ReportSource): SourceParam[] {
    const proto = source.dto.prototype as object;
    const names = ((Reflect.getMetadata('swagger/apiModelPropertiesArray', proto) as string[] | undefined) ?? []).map((n) => n.slice(1));
    return names
      .filter((n) => !NOT_PARAMS.has(n))
      .map((name) => {
        const m = (Reflect.getMetadata('swagger/apiModelProperties', proto, name) ?? {}) as Record<string, unknown>;
        const type = typeof m.type === 'function' ? (m.type as { name: string }).name.toLowerCase() : typeof m.type === 'string' ? m.type : 'string';
        return {
          name,
          type,
          required: m.required === true,
          ...(m.description !== undefined ? { description: m.description as string } : {}),
          ...(m.enum !== undefined ? { enum: m.enum as unknown[] } : {}),
          ...(m.default !== undefined ? { default: m.default } : {}),
          ...(m.example !== undefined ? { example: m.example } : {}),
        };
      });
  }

  /** `params` as the source's DTO (defaults applied, values converted), or 400 naming every problem. */
  async validate(source: ReportSource, params: Record<string, unknown>): Promise<object> {
    const unknown = Object.keys(params).filter((k) => NOT_PARAMS.has(k));
    const dto = plainToInstance(source.dto, stringsOf(params));
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
    const problems = [
      ...unknown.map((k) => `${k} is not a parameter of ${source.name}`),
      ...errors.flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` })),
    ];
    if (problems.length > 0) throw ReportErrors.invalidParams(source.name, problems);
    return dto;
  }
}

/** Query DTOs convert from query strings: numbers and booleans given in JSON become their text. */
function stringsOf(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'boolean' ? String(v) : v]));
}

const DOMAIN_OF_KIND: Record<string, string> = {
  merchants: 'transactions',
  'message-events': 'messaging',
  'engagement-events': 'messaging',
  'system-metrics': 'messaging',
  'store-status': 'store-monitoring',
  'business-hours': 'store-monitoring',
  timezones: 'store-monitoring',
};

function domainOf(kind: string): string {
  return DOMAIN_OF_KIND[kind] ?? kind;
}
