import { ApiProperty } from '@nestjs/swagger';
import { AnalyticsMetaDto } from '@common/analytics-meta.dto';

export class LatencyPercentilesDto {
  @ApiProperty({ nullable: true, type: Number, description: 'ms, 2 dp; null when no message of the bucket has a latency' }) p50: number | null;
  @ApiProperty({ nullable: true, type: Number }) p90: number | null;
  @ApiProperty({ nullable: true, type: Number }) p95: number | null;
  @ApiProperty({ nullable: true, type: Number }) p99: number | null;
}

export class DeliveryBucketDto {
  @ApiProperty({ description: 'Bucket start, ISO 8601 with the offset of `tz` at that instant', example: '2025-06-01T10:00:00+01:00' }) start: string;
  @ApiProperty({ description: 'Messages whose first event falls in the bucket' }) messages: number;
  @ApiProperty({ description: 'Messages with a sent, delivered or read event' }) sent: number;
  @ApiProperty({ description: 'Messages delivered (a read message counts as delivered)' }) delivered: number;
  @ApiProperty() read: number;
  @ApiProperty({ description: 'Messages with a failed event and no delivered or read one' }) failed: number;
  @ApiProperty({ description: 'Neither delivered nor failed' }) pending: number;
  @ApiProperty({ description: 'delivered / messages × 100, 2 dp', example: 99.12 }) delivery_rate: number;
  @ApiProperty({ description: 'read / delivered × 100, 2 dp (0 when nothing was delivered)', example: 64.3 }) read_rate: number;
  @ApiProperty({ description: 'delivery_rate ≥ 99.0' }) sla_met: boolean;
  @ApiProperty({
    type: LatencyPercentilesDto,
    description: "First delivered-or-read time − first sent time (the provider's delivery_latency_ms when the sent event is missing), percentile_cont",
  })
  latency_ms: LatencyPercentilesDto;
}

export class FailureCodeDto {
  @ApiProperty({ nullable: true, type: String, example: '131026', description: 'The failure code (null: none given)' }) error_code: string | null;
  @ApiProperty() messages: number;
  @ApiProperty({ description: 'Share of the failed messages, %, 2 dp' }) share: number;
}

export class DeliverySummaryDto {
  @ApiProperty() buckets: number;
  @ApiProperty() messages: number;
  @ApiProperty() delivered: number;
  @ApiProperty() read: number;
  @ApiProperty() failed: number;
  @ApiProperty() pending: number;
  @ApiProperty({ description: 'From the totals, 2 dp' }) overall_delivery_rate: number;
  @ApiProperty({ description: 'Mean of the bucket rates, 2 dp' }) average_delivery_rate: number;
  @ApiProperty({ description: 'Population standard deviation of the bucket rates, 2 dp' }) std_deviation: number;
  @ApiProperty({ example: 99 }) sla_target: number;
  @ApiProperty({ description: 'Share (0–1) of buckets with delivery_rate ≥ 99.0' }) sla_compliance: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { 99: 0.25, 97: 0.1, 95: 0 }, description: 'Share of buckets below each rate' })
  threshold_breaches: Record<string, number>;
  @ApiProperty({ description: 'Share of buckets below 95' }) critical_breaches: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number', nullable: true }, description: 'p25, p50, p75, p90, p95, p99 of the bucket rates (percentile_cont)' })
  rate_percentiles: Record<string, number | null>;
  @ApiProperty({ type: [FailureCodeDto], description: 'The 10 most frequent failure codes' }) top_failures: FailureCodeDto[];
}

export class DeliveryDto extends AnalyticsMetaDto {
  @ApiProperty({ enum: ['hourly', 'daily', 'weekly'] }) granularity: string;
  @ApiProperty({ example: 'UTC' }) tz: string;
  @ApiProperty({ description: 'The window start (inclusive), UTC' }) from: string;
  @ApiProperty({ description: 'The window end (exclusive), UTC' }) to: string;
  @ApiProperty({ type: [DeliveryBucketDto], description: 'Buckets holding messages, in time order' }) buckets: DeliveryBucketDto[];
  @ApiProperty({ type: DeliverySummaryDto }) summary: DeliverySummaryDto;
}

export class FailuresDto extends AnalyticsMetaDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ description: 'Failed messages in the window' }) failed: number;
  @ApiProperty({ type: [FailureCodeDto], description: 'By count, then code' }) data: FailureCodeDto[];
}

export class EngagementFiguresDto {
  @ApiProperty({ description: 'Distinct users with an action' }) unique_users: number;
  @ApiProperty() total_actions: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Actions per type, every type' }) actions: Record<string, number>;
  @ApiProperty({ nullable: true, type: Number, description: 'Mean duration of the actions that give one, ms, 2 dp' }) average_duration_ms: number | null;
  @ApiProperty({ description: 'round(Σ count × weight / unique_users × min(mean duration in s / 300, 1) × 100, 2); 0 with no users or no duration' }) engagement_rate: number;
}

export class EngagementBucketDto extends EngagementFiguresDto {
  @ApiProperty({ example: '2025-06-01T00:00:00+01:00' }) start: string;
}

export class EngagementDto extends AnalyticsMetaDto {
  @ApiProperty() granularity: string;
  @ApiProperty() tz: string;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'The weights given (others 1.0)' }) weights: Record<string, number>;
  @ApiProperty({ type: [EngagementBucketDto], description: 'Buckets holding actions, in time order' }) buckets: EngagementBucketDto[];
  @ApiProperty({ type: EngagementFiguresDto, description: 'Over the whole window (users counted once)' }) summary: EngagementFiguresDto;
}

export class MetricStatsDto {
  @ApiProperty() samples: number;
  @ApiProperty({ description: '4 dp' }) average: number;
  @ApiProperty({ description: 'percentile_cont(0.95), 4 dp' }) p95: number;
  @ApiProperty({ description: 'The largest sample' }) peak: number;
}

export class SystemHealthDto {
  @ApiProperty({ nullable: true, type: Boolean, description: 'Average response_time < 2 s (null: no samples)' }) response_time_ok: boolean | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'Average cpu_usage < 80' }) cpu_ok: boolean | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'Average memory_usage < 80' }) memory_ok: boolean | null;
  @ApiProperty({ description: 'No flag is false' }) healthy: boolean;
}

export class SystemServiceDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Per metric name: {samples, average, p95, peak}' }) metrics: Record<string, MetricStatsDto>;
  @ApiProperty({ nullable: true, type: Number, description: 'Share (0–1) of response_time samples < 2.0 s, 4 dp (null: none)' }) sla_compliance: number | null;
  @ApiProperty({ type: SystemHealthDto }) health: SystemHealthDto;
}

export class SystemBucketDto {
  @ApiProperty() start: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'service → metric → {samples, average, p95, peak}' }) services: Record<
    string,
    Record<string, MetricStatsDto>
  >;
}

export class SystemDto extends AnalyticsMetaDto {
  @ApiProperty() granularity: string;
  @ApiProperty() tz: string;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ type: [SystemBucketDto] }) buckets: SystemBucketDto[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: '{services: service → {metrics, sla_compliance, health}} over the window' }) summary: {
    services: Record<string, SystemServiceDto>;
  };
}

export class PeriodFiguresDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty() messages: number;
  @ApiProperty() sent: number;
  @ApiProperty() delivered: number;
  @ApiProperty() read: number;
  @ApiProperty() failed: number;
  @ApiProperty() pending: number;
  @ApiProperty() delivery_rate: number;
  @ApiProperty() read_rate: number;
  @ApiProperty() sla_met: boolean;
  @ApiProperty({ type: LatencyPercentilesDto }) latency_ms: LatencyPercentilesDto;
}

export class DashboardTrendDto {
  @ApiProperty({ nullable: true, type: Number, description: 'Change in messages against the previous period, %, 2 dp (null when it had none)' }) messages_change_pct: number | null;
  @ApiProperty({ description: 'Change in delivery rate, percentage points, 2 dp' }) delivery_rate_change: number;
  @ApiProperty({ description: 'Change in read rate, percentage points, 2 dp' }) read_rate_change: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Change in median latency, %, 2 dp (null when either period has none)' }) latency_p50_change_pct: number | null;
  @ApiProperty({ enum: ['improving', 'stable', 'declining'], description: 'By the delivery rate: a change of more than 0.5 points either way' }) direction: string;
}

export class DashboardDto extends AnalyticsMetaDto {
  @ApiProperty({ enum: ['hour', 'day', 'week', 'month'] }) time_period: string;
  @ApiProperty({ enum: ['ok', 'breach', 'critical', 'no_data'], description: 'ok: rate ≥ 99; breach: below; critical: below 95; no_data: no message' }) sla_status: string;
  @ApiProperty({ example: 99 }) sla_target: number;
  @ApiProperty({ type: PeriodFiguresDto }) current: PeriodFiguresDto;
  @ApiProperty({ type: PeriodFiguresDto, description: 'The period of equal length just before' }) previous: PeriodFiguresDto;
  @ApiProperty({ type: DashboardTrendDto }) trend: DashboardTrendDto;
  @ApiProperty({ type: [FailureCodeDto], description: 'The 5 most frequent failure codes of the current period' }) top_failures: FailureCodeDto[];
}
