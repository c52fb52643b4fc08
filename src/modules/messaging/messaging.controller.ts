import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@common/api-errors.decorator';
import { Auth, AuthContext, MinRole, OrgId } from '@modules/auth/auth.context';
import { AppError } from '@common/errors';
import { DashboardQuery, DeliveryQuery, EngagementQuery, MessagingWindowQuery, SystemQuery } from './dto/messaging-query.dto';
import { DashboardDto, DeliveryDto, EngagementDto, FailuresDto, SystemDto } from './dto/messaging-response.dto';
import { MessagingActivityService } from './messaging-activity.service';
import { MessagingReportDto, MessagingReportRequest, MessagingReportType, REPORT_TYPES } from './dto/messaging-report.dto';
import { MessagingReportsService } from './messaging-reports.service';
import { MessagingService } from './messaging.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Audited } from '@modules/audit/audited';
import { RateLimitClass } from '@common/rate-limit/rate-limits';

export const MESSAGING_SCOPE =
  "Scoped to the caller's organization. Each message counts once, in the bucket of its first event, with its outcome from all its events in any order and across imports: " +
  'read implies delivered; delivered or read beats failed; failed beats sent; otherwise pending. Window: `from` (inclusive, default 7 days before `to`), `to` (exclusive, default now ' +
  'rounded up to the minute), instants or local times in `tz` (default UTC); filters channel, template_id, campaign_id. Cached per data version.';

@ApiTags('Messaging')
@ApiAuth()
@ApiErrors(400, 401, 403, 404)
@Controller('messaging')
export class MessagingController {
  constructor(
    private readonly messaging: MessagingService,
    private readonly activity: MessagingActivityService,
    private readonly reports: MessagingReportsService,
  ) {}

  @Get('delivery')
  @ApiOperation({
    summary: 'Delivery rate against the 99 % SLA, per hour, day or week, with latency percentiles',
    description:
      'Per bucket holding messages: messages, sent, delivered (incl. read), read, failed, pending, delivery_rate = delivered / messages × 100 and read_rate = read / delivered × 100 ' +
      "(2 dp, rounded once; 0 when the denominator is 0), sla_met = delivery_rate ≥ 99.0, latency p50/p90/p95/p99 in ms (first delivered-or-read − first sent, else the provider's " +
      'delivery_latency_ms; linear interpolation as percentile_cont). Summary: overall rate from the totals, mean and population standard deviation of the bucket rates, SLA compliance ' +
      `and the shares of buckets below 99, 97 and 95 (critical), percentiles of the bucket rates, the 10 most frequent failure codes. At most 10,000 buckets. ${MESSAGING_SCOPE}`,
  })
  @ApiOkResponse({ type: DeliveryDto })
  delivery(@Auth() auth: AuthContext, @Query() q: DeliveryQuery): Promise<DeliveryDto> {
    return this.messaging.delivery(auth, q);
  }

  @Get('dashboard')
  @ApiOperation({
    summary: 'The last hour, day, week or 30 days at a glance, against the period before',
    description:
      'Messages, outcomes, delivery and read rates, latency percentiles and the SLA state (ok ≥ 99, breach below, critical below 95, no_data) of the period ending now (rounded up ' +
      'to the minute), the same for the period of equal length before it, the trend between them (improving or declining: more than 0.5 points of delivery rate) and the 5 most ' +
      `frequent failure codes. ${MESSAGING_SCOPE}`,
  })
  @ApiOkResponse({ type: DashboardDto })
  dashboard(@Auth() auth: AuthContext, @Query() q: DashboardQuery): Promise<DashboardDto> {
    return this.messaging.dashboard(auth, q);
  }

  @Get('failures')
  @ApiOperation({
    summary: 'Failed messages by failure code',
    description: `Messages with a failed event and no delivered or read one, by the provider's error code (WhatsApp 131026, 131047…), most first. ${MESSAGING_SCOPE}`,
  })
  @ApiOkResponse({ type: FailuresDto })
  failures(@Auth() auth: AuthContext, @Query() q: MessagingWindowQuery): Promise<FailuresDto> {
    return this.messaging.failures(auth, q);
  }

  @Get('engagement')
  @ApiOperation({
    summary: "The platform users' engagement per hour, day or week",
    description:
      'From the engagement-events imports: per bucket holding actions, unique users, actions by type, mean duration, and engagement_rate = round(Σ count × weight / unique_users × ' +
      'min(mean duration in s / 300, 1) × 100, 2) (weights 1.0 unless `weights` gives them; 0 with no users or no duration); the summary is the same over the whole window, users ' +
      'counted once. Window as for delivery: from, to, tz, granularity (default daily).',
  })
  @ApiOkResponse({ type: EngagementDto })
  engagement(@Auth() auth: AuthContext, @Query() q: EngagementQuery): Promise<EngagementDto> {
    return this.activity.engagement(auth, q);
  }

  @Get('system')
  @ApiOperation({
    summary: "The messaging services' health per hour, day or week",
    description:
      'From the system-metrics imports: per bucket, service and metric the samples, average, p95 (percentile_cont) and peak; over the window per service the same, sla_compliance ' +
      '(share of response_time samples < 2.0 s) and health flags: average response_time < 2 s, cpu_usage < 80, memory_usage < 80 (null when the metric has no sample; healthy when ' +
      'none is false). Window as for delivery: from, to, tz, granularity (default hourly); service_name narrows it.',
  })
  @ApiOkResponse({ type: SystemDto })
  system(@Auth() auth: AuthContext, @Query() q: SystemQuery): Promise<SystemDto> {
    return this.activity.system(auth, q);
  }

  @Post('reports/:type')
  @RateLimitClass('reports')
  @Audited('report.create', 'report')
  @MinRole('analyst')
  @HttpCode(HttpStatus.CREATED)
  @ApiParam({ name: 'type', enum: REPORT_TYPES })
  @ApiOperation({
    summary: "Make and store a delivery, engagement or system report (the old service's route)",
    description:
      'The answer of GET messaging/{type} over start_time..end_time (UTC buckets of time_period), stored with the request; filters narrow it (channel, template_id, campaign_id for ' +
      'delivery; service_name for system; weights for engagement); performance_thresholds override the SLA rate (delivery) and the health limits (system); include_sla_metrics=false ' +
      'leaves the SLA figures out. No time in the future, end after start, at most 90 days: else 400 naming the rule.',
  })
  @ApiCreatedResponse({ type: MessagingReportDto })
  createReport(@Auth() auth: AuthContext, @Param('type') type: string, @Body() body: MessagingReportRequest): Promise<MessagingReportDto> {
    if (!(REPORT_TYPES as readonly string[]).includes(type)) {
      throw new AppError('NOT_FOUND', HttpStatus.NOT_FOUND, `No report type '${type}': one of ${REPORT_TYPES.join(', ')}`, { allowed: REPORT_TYPES });
    }
    return this.reports.create(auth, type as MessagingReportType, body);
  }

  @Get('reports/:id')
  @ApiOperation({ summary: 'A stored messaging report' })
  @ApiOkResponse({ type: MessagingReportDto })
  report(@OrgId() orgId: string, @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: HttpStatus.NOT_FOUND })) id: string): Promise<MessagingReportDto> {
    return this.reports.get(orgId, id);
  }
}
