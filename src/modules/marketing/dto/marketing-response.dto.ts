import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AnalyticsMetaDto } from '@common/analytics-meta.dto';

const NULL_RATIO = 'null when the denominator is 0';

/** Sums over the rows in scope and the formulas computed from them. */
export class MetricFiguresDto {
  @ApiProperty({ example: 125000 }) impressions: number;
  @ApiProperty({ example: 3100 }) clicks: number;
  @ApiProperty({ example: 140 }) conversions: number;
  @ApiProperty({ example: 2450.75, description: 'Spend, 2 dp' }) cost: number;
  @ApiProperty({ example: 6120.4, description: 'Revenue, 2 dp' }) revenue: number;
  @ApiProperty({ nullable: true, type: Number, example: 149.7378, description: `(revenue − cost) / cost × 100, 4 dp; ${NULL_RATIO}` }) roi: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 2.4974, description: `revenue / cost, 4 dp; ${NULL_RATIO}` }) roas: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.79, description: `cost / clicks, 2 dp; ${NULL_RATIO}` }) cpc: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 17.51, description: `cost / conversions, 2 dp; ${NULL_RATIO}` }) cpa: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 2.48, description: `clicks / impressions × 100, 4 dp; ${NULL_RATIO}` }) ctr: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 4.5161, description: `conversions / clicks × 100, 4 dp; ${NULL_RATIO}` }) cvr: number | null;
}

export class RoiDto extends MetricFiguresDto {
  @ApiProperty({ nullable: true, type: String, example: 'USD', description: 'The currency of the money figures (null when nothing is in scope)' }) currency: string | null;
  @ApiProperty({ description: 'Rows (ad-days, or campaign-days from the daily rollup) summed' }) rows: number;
  @ApiProperty({ description: 'The filters applied', type: 'object', additionalProperties: true }) filters: Record<string, unknown>;
  @ApiProperty() queryTimeMs: number;
  @ApiProperty() cached: boolean;
  @ApiProperty() dataVersion: string;
}

export class BreakdownRowDto extends MetricFiguresDto {
  @ApiProperty({ description: 'The dimension value: platform, campaign_id, ad_group_id, ad_id, day (YYYY-MM-DD), week start (Monday) or month (YYYY-MM)' }) key: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Campaign, ad group or ad name (as on its latest day in scope)' }) name?: string | null;
  @ApiPropertyOptional({ type: MetricFiguresDto, description: 'compare=previous_period: the same figures over the preceding window' }) previous?: MetricFiguresDto;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number', nullable: true },
    description: 'compare=previous_period: change in % per figure, 2 dp (null when the earlier value is 0 or null)',
  })
  change?: Record<string, number | null>;
}

export class BreakdownDto extends AnalyticsMetaDto {
  @ApiProperty() dimension: string;
  @ApiProperty({ nullable: true, type: String }) currency: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'compare=previous_period: the two windows' }) periods?: Record<string, unknown>;
  @ApiProperty({ type: [BreakdownRowDto] }) data: BreakdownRowDto[];
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() total: number;
  @ApiProperty() totalPages: number;
}

export class TrendPointDto extends MetricFiguresDto {
  @ApiProperty({ description: 'Bucket start: the day, the Monday of the week, or the first of the month (YYYY-MM-DD)' }) period: string;
}

export class TrendsDto extends AnalyticsMetaDto {
  @ApiProperty({ enum: ['day', 'week', 'month'] }) granularity: string;
  @ApiProperty({ nullable: true, type: String }) start_date: string | null;
  @ApiProperty({ nullable: true, type: String }) end_date: string | null;
  @ApiProperty({ nullable: true, type: String }) currency: string | null;
  @ApiProperty({ type: [TrendPointDto], description: 'Every bucket of the window, zero-filled, ascending' }) data: TrendPointDto[];
}

export class AnomalyItemDto {
  @ApiProperty() metric_type: string;
  @ApiProperty() entity_id: string;
  @ApiProperty() entity_type: string;
  @ApiProperty({ example: '2025-03-14' }) date: string;
  @ApiProperty() value: number;
  @ApiProperty({ description: 'The series mean, 4 dp' }) expected_value: number;
  @ApiProperty({ description: '(value − mean) / sample standard deviation, 4 dp' }) z_score: number;
  @ApiProperty({ enum: ['high', 'medium'] }) severity: string;
  @ApiProperty({ example: 'Anomalous spike detected in cost for campaign. Value: 950.00 (expected: 310.25, 206.2% deviation, Z-score: 4.12)' }) description: string;
}

export class AnomaliesDto extends AnalyticsMetaDto {
  @ApiProperty() metric_type: string;
  @ApiProperty() entity_type: string;
  @ApiProperty({ nullable: true, type: String }) entity_id: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'First day of the series' }) start_date: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Last day of the series' }) end_date: string | null;
  @ApiProperty({ type: [AnomalyItemDto], description: 'By |z| descending (then entity, date)' }) data: AnomalyItemDto[];
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() total: number;
  @ApiProperty() totalPages: number;
}

export class InsightDto {
  @ApiProperty({ enum: ['best_campaign', 'underperforming_ad', 'anomaly_detected', 'budget_inefficiency'] }) type: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty({ nullable: true, type: String }) entity_id: string | null;
  @ApiProperty({ nullable: true, type: String, enum: ['campaign', 'ad'] }) entity_type: string | null;
  @ApiProperty({ enum: ['info', 'warning', 'critical'] }) severity: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class InsightsDto extends AnalyticsMetaDto {
  @ApiProperty({ nullable: true, type: String }) start_date: string | null;
  @ApiProperty({ nullable: true, type: String }) end_date: string | null;
  @ApiProperty({ nullable: true, type: String }) currency: string | null;
  @ApiProperty({ type: [InsightDto], description: 'best_campaign, underperforming_ad, anomaly_detected, budget_inefficiency items, each type ranked and limited to `limit`' })
  data: InsightDto[];
}

export class InsightHistoryDto {
  @ApiProperty({ type: [InsightDto] }) data: InsightDto[];
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() total: number;
  @ApiProperty() totalPages: number;
}

export class IngestAcceptedDto {
  @ApiProperty({ example: 'Data ingestion started' }) message: string;
  @ApiProperty({ format: 'uuid', description: 'The import id (the replaced service called it a task)' }) task_id: string;
  @ApiProperty({ description: 'Records received' }) records_count: number;
  @ApiProperty({ format: 'uuid', description: 'Follow it at /api/v1/imports/{importId}' }) importId: string;
}
