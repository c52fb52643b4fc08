import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@common/api-errors.decorator';
import { Auth, AuthContext, OrgId } from '@modules/auth/auth.context';
import { AnomaliesQuery, BreakdownQuery, InsightHistoryQuery, InsightsQuery, MarketingFilterQuery, TrendsQuery } from './dto/marketing-query.dto';
import { AnomaliesDto, BreakdownDto, InsightHistoryDto, InsightsDto, RoiDto, TrendsDto } from './dto/marketing-response.dto';
import { MarketingAnomaliesService } from './marketing-anomalies.service';
import { MarketingInsightsService } from './marketing-insights.service';
import { MarketingService } from './marketing.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';

export const MARKETING_FILTERS =
  "Scoped to the caller's organization. Filters: campaign_id, ad_group_id, ad_id, platform, start_date and end_date (inclusive days), importId, currency. " +
  'Figures come from exact sums of the current rows (a later upload of the same ad and day replaces the earlier one), never from averaging ratios; ' +
  'a ratio whose denominator is 0 is null. Several currencies in scope → 409 MIXED_CURRENCY unless `currency` picks one. Cached per data version.';

export const ROI_SUMMARY = { summary: 'Totals and ROI, ROAS, CPC, CPA, CTR, CVR', description: `One answer over everything in scope. ${MARKETING_FILTERS}` };
export const TRENDS_SUMMARY = {
  summary: 'Figures per day, week (Monday first) or month',
  description: `Every bucket of the window, zero-filled, ascending. The window is start_date..end_date, or the \`days\` (default 30) ending at end_date or at the latest day with data in scope. ${MARKETING_FILTERS}`,
};
export const INSIGHTS_SUMMARY = {
  summary: 'Best campaigns, underperforming ads, anomalies and budget inefficiencies',
  description:
    'Over start_date..end_date (default: the last 30 days with data). `best_campaign`: campaigns with spend by ROI; `underperforming_ad`: ads with spend and ROI < 0 or CPA > cpa_threshold, ' +
    'least spend first (warning when ROI < −20 %); `anomaly_detected`: cost, revenue and clicks anomalies of campaigns in the window (|z| ≥ 2.5), largest |z| first; ' +
    "`budget_inefficiency`: campaigns with ≥ 5 % of the spend and a CPA above twice the account's (or no conversion), largest spend first. `limit` applies per type. " +
    `Each computed answer is stored: see insights/history. ${MARKETING_FILTERS}`,
};

@ApiTags('Marketing')
@ApiAuth()
@ApiErrors(400, 401, 404, 409)
@Controller('marketing')
export class MarketingController {
  constructor(
    private readonly marketing: MarketingService,
    private readonly anomaliesService: MarketingAnomaliesService,
    private readonly insightsService: MarketingInsightsService,
  ) {}

  @Get('roi')
  @ApiOperation(ROI_SUMMARY)
  @ApiOkResponse({ type: RoiDto })
  roi(@Auth() auth: AuthContext, @Query() q: MarketingFilterQuery): Promise<RoiDto> {
    return this.marketing.roi(auth, q);
  }

  @Get('breakdown')
  @ApiOperation({
    summary: 'Figures per platform, campaign, ad group, ad, day, week or month',
    description:
      'One row per value with its totals and formulas, sorted by `sort` (null ratios last) then key, paginated. Rows without an ad group or ad id are left out of those two breakdowns. ' +
      `\`compare=previous_period\` (needs start_date and end_date) adds each row's figures over the window of equal length just before, and the change in %. ${MARKETING_FILTERS}`,
  })
  @ApiOkResponse({ type: BreakdownDto })
  breakdown(@Auth() auth: AuthContext, @Query() q: BreakdownQuery): Promise<BreakdownDto> {
    return this.marketing.breakdown(auth, q);
  }

  @Get('trends')
  @ApiOperation(TRENDS_SUMMARY)
  @ApiOkResponse({ type: TrendsDto })
  trends(@Auth() auth: AuthContext, @Query() q: TrendsQuery): Promise<TrendsDto> {
    return this.marketing.trends(auth, q);
  }

  @Get('anomalies')
  @ApiOperation({
    summary: 'Days whose figure stands out from the entity’s series (z-score)',
    description:
      "The entity's daily series over end_date − lookback_days + 1 … end_date (end_date defaults to the latest day in scope), zero-filled; mean and sample standard deviation; " +
      'a day is anomalous when |z| ≥ z_threshold (2.5), `high` when |z| ≥ 3.5. Fewer than 7 days, all zeros or no spread → none. Without entity_id every entity of the type is scanned, ' +
      `anomalies by |z| descending, paginated. ROI and CTR per day from that day's sums (0 when undefined); money in currency units. start_date does not apply. ${MARKETING_FILTERS}`,
  })
  @ApiOkResponse({ type: AnomaliesDto })
  anomalies(@Auth() auth: AuthContext, @Query() q: AnomaliesQuery): Promise<AnomaliesDto> {
    return this.anomaliesService.anomalies(auth, q);
  }

  @Get('insights')
  @ApiOperation(INSIGHTS_SUMMARY)
  @ApiOkResponse({ type: InsightsDto })
  insights(@Auth() auth: AuthContext, @Query() q: InsightsQuery): Promise<InsightsDto> {
    return this.insightsService.insights(auth, q);
  }

  @Get('insights/history')
  @ApiOperation({
    summary: 'Insights generated so far, newest first',
    description: 'Every insight an insights call computed for the organization, newest first, paginated; `type` narrows it.',
  })
  @ApiOkResponse({ type: InsightHistoryDto })
  insightHistory(@OrgId() orgId: string, @Query() q: InsightHistoryQuery): Promise<InsightHistoryDto> {
    return this.insightsService.history(orgId, q);
  }
}
