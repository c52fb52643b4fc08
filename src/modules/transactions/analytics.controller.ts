import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@common/api-errors.decorator';
import { Auth, AuthContext } from '@modules/auth/auth.context';
import { AnalyticsService } from './analytics.service';
import { AnalyticsFilterQuery, AnomaliesQuery, DormantQuery, FullReportQuery, HourlyQuery, LeaderboardQuery, RetentionQuery } from './dto/analytics-query.dto';
import {
  AnomaliesDto,
  CategoryDistributionDto,
  CustomerRetentionDto,
  DormantMerchantsDto,
  FullReportDto,
  HourlyPatternDto,
  ZoneLeaderboardDto,
} from './dto/analytics-response.dto';
import { ApiAuth } from '@modules/auth/api-auth.decorator';

const FILTERS =
  "Scoped to the caller's organization. Optional `from` (inclusive) and `to` (exclusive) ISO timestamps and `importId`. " +
  'Answers are exact and reflect every import the moment it is published; they are cached per data version.';

@ApiTags('Transaction analytics')
@ApiAuth()
@ApiErrors(400, 401, 404)
@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('zone-leaderboard')
  @ApiOperation({ summary: 'Top zones by total amount', description: `Zones by total amount descending (ties: zone ascending). ${FILTERS}` })
  @ApiOkResponse({ type: ZoneLeaderboardDto })
  zoneLeaderboard(@Auth() auth: AuthContext, @Query() q: LeaderboardQuery): Promise<ZoneLeaderboardDto> {
    return this.analytics.zoneLeaderboard(auth, q);
  }

  @Get('category-distribution')
  @ApiOperation({ summary: 'Transactions per category', description: `Count and share per category, descending. ${FILTERS}` })
  @ApiOkResponse({ type: CategoryDistributionDto })
  categoryDistribution(@Auth() auth: AuthContext, @Query() q: AnalyticsFilterQuery): Promise<CategoryDistributionDto> {
    return this.analytics.categoryDistribution(auth, q);
  }

  @Get('dormant-merchants')
  @ApiOperation({
    summary: 'Merchants without transactions',
    description: `Merchants the organization knows (from merchants imports and from any transaction ever seen) with no transaction in the filtered scope, by merchant id. ${FILTERS}`,
  })
  @ApiOkResponse({ type: DormantMerchantsDto })
  dormantMerchants(@Auth() auth: AuthContext, @Query() q: DormantQuery): Promise<DormantMerchantsDto> {
    return this.analytics.dormantMerchants(auth, q);
  }

  @Get('hourly-pattern')
  @ApiOperation({ summary: 'Transactions by hour of day', description: `Always 24 entries (0–23), in UTC or the local time of \`tz\`. ${FILTERS}` })
  @ApiOkResponse({ type: HourlyPatternDto })
  hourlyPattern(@Auth() auth: AuthContext, @Query() q: HourlyQuery): Promise<HourlyPatternDto> {
    return this.analytics.hourlyPattern(auth, q);
  }

  @Get('anomalies')
  @ApiOperation({
    summary: 'Transactions above mean + 3σ of their category',
    description: `Per category (population standard deviation over the filtered scope; a category whose σ is 0 has none), by amount descending. ${FILTERS}`,
  })
  @ApiOkResponse({ type: AnomaliesDto })
  anomalies(@Auth() auth: AuthContext, @Query() q: AnomaliesQuery): Promise<AnomaliesDto> {
    return this.analytics.anomalies(auth, q);
  }

  @Get('customer-retention')
  @ApiOperation({
    summary: 'Repeat customers',
    description: `Customers by phone number (unusable phones, stored as INVALID, are counted apart). \`cohorts=monthly\` adds first-purchase-month cohorts. ${FILTERS}`,
  })
  @ApiOkResponse({ type: CustomerRetentionDto })
  customerRetention(@Auth() auth: AuthContext, @Query() q: RetentionQuery): Promise<CustomerRetentionDto> {
    return this.analytics.customerRetention(auth, q);
  }

  @Get('full-report')
  @ApiOperation({
    summary: 'Every analysis at once',
    description: `Leaderboard (top 20), distribution, dormant count, 24-hour pattern, anomaly count and retention, computed concurrently. ${FILTERS}`,
  })
  @ApiOkResponse({ type: FullReportDto })
  fullReport(@Auth() auth: AuthContext, @Query() q: FullReportQuery): Promise<FullReportDto> {
    return this.analytics.fullReport(auth, q);
  }
}
