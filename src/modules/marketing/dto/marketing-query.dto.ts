import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

export const DIMENSIONS = ['platform', 'campaign', 'ad_group', 'ad', 'date', 'week', 'month'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const SORT_FIELDS = ['roi', 'roas', 'cost', 'revenue', 'impressions', 'clicks', 'conversions', 'cpc', 'cpa', 'ctr', 'cvr', 'key'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export const METRIC_TYPES = ['impressions', 'clicks', 'cost', 'conversions', 'revenue', 'roi', 'ctr'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];
export const ENTITY_TYPES = ['campaign', 'ad_group', 'ad', 'platform'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];
export const GRANULARITIES = ['day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const ID = { maxLength: 200 };

/** Filters every marketing answer accepts (the replaced service's names). */
export class MarketingFilterQuery {
  @ApiPropertyOptional({ description: 'Only this campaign' })
  @IsOptional()
  @IsString()
  @MaxLength(ID.maxLength)
  campaign_id?: string;

  @ApiPropertyOptional({ description: 'Only this ad group (answers then read ad-level rows)' })
  @IsOptional()
  @IsString()
  @MaxLength(ID.maxLength)
  ad_group_id?: string;

  @ApiPropertyOptional({ description: 'Only this ad (answers then read ad-level rows)' })
  @IsOptional()
  @IsString()
  @MaxLength(ID.maxLength)
  ad_id?: string;

  @ApiPropertyOptional({ description: 'Only this platform, in the stored form (google_ads, meta, tiktok…: lower case, "_" for spaces)' })
  @IsOptional()
  @IsString()
  @MaxLength(ID.maxLength)
  platform?: string;

  @ApiPropertyOptional({ description: 'First day, inclusive (YYYY-MM-DD)', example: '2025-01-01' })
  @IsOptional()
  @Matches(DAY_PATTERN, { message: 'start_date must be a day YYYY-MM-DD' })
  start_date?: string;

  @ApiPropertyOptional({ description: 'Last day, inclusive (YYYY-MM-DD)', example: '2025-01-31' })
  @IsOptional()
  @Matches(DAY_PATTERN, { message: 'end_date must be a day YYYY-MM-DD' })
  end_date?: string;

  @ApiPropertyOptional({ description: 'Only the rows of this completed marketing import (its current rows: a later upload may have restated some)', format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'importId must be a UUID' })
  importId?: string;

  @ApiPropertyOptional({
    description: 'Only rows in this currency (ISO 4217). Needed when the scope holds several: money is never summed across currencies (409 MIXED_CURRENCY)',
    example: 'USD',
  })
  @IsOptional()
  @Matches(/^[A-Za-z]{3}$/, { message: 'currency must be a 3-letter ISO 4217 code' })
  currency?: string;
}

export class BreakdownQuery extends MarketingFilterQuery {
  @ApiPropertyOptional({ enum: DIMENSIONS, default: 'campaign', description: 'One row per value of this dimension; week = ISO week starting Monday' })
  @IsOptional()
  @IsIn(DIMENSIONS, { message: `dimension must be one of ${DIMENSIONS.join(', ')}` })
  dimension: Dimension = 'campaign';

  @ApiPropertyOptional({ enum: SORT_FIELDS, default: 'cost', description: 'Sort by this figure (null ratios last), then by key' })
  @IsOptional()
  @IsIn(SORT_FIELDS, { message: `sort must be one of ${SORT_FIELDS.join(', ')}` })
  sort: SortField = 'cost';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'], { message: 'order must be asc or desc' })
  order: 'asc' | 'desc' = 'desc';

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 50, description: 'Rows per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 50;

  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({
    enum: ['previous_period'],
    description:
      'Add the same figures for the window of equal length just before start_date..end_date, and the change in % (null when the earlier value is 0 or null). Needs both dates; entity dimensions only',
  })
  @IsOptional()
  @IsIn(['previous_period'], { message: 'compare must be previous_period' })
  compare?: 'previous_period';
}

export class TrendsQuery extends MarketingFilterQuery {
  @ApiPropertyOptional({ enum: GRANULARITIES, default: 'day' })
  @IsOptional()
  @IsIn(GRANULARITIES, { message: `granularity must be one of ${GRANULARITIES.join(', ')}` })
  granularity: Granularity = 'day';

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 3660,
    default: 30,
    description: 'Window length in days, ending at end_date (default: the latest day with data in scope); ignored when start_date is given',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3660)
  days: number = 30;
}

export class AnomaliesQuery extends MarketingFilterQuery {
  @ApiPropertyOptional({ enum: METRIC_TYPES, description: 'Required: the daily figure to test' })
  @IsOptional()
  @IsString()
  metric_type?: string;

  @ApiPropertyOptional({ enum: ENTITY_TYPES, default: 'campaign' })
  @IsOptional()
  @IsIn(ENTITY_TYPES, { message: `entity_type must be one of ${ENTITY_TYPES.join(', ')}` })
  entity_type: EntityType = 'campaign';

  @ApiPropertyOptional({ description: 'One entity; without it every entity of the type is scanned' })
  @IsOptional()
  @IsString()
  @MaxLength(ID.maxLength)
  entity_id?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 3660, default: 30, description: 'Days in the series: end_date − lookback_days + 1 … end_date' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3660)
  lookback_days: number = 30;

  @ApiPropertyOptional({ minimum: 0.1, maximum: 100, default: 2.5, description: '|z| at or above which a day is anomalous' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({}, { message: 'z_threshold must be a number' })
  @Min(0.1)
  @Max(100)
  z_threshold: number = 2.5;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100, description: 'Anomalies per page (scans of every entity)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;

  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;
}

export class InsightsQuery extends MarketingFilterQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10, description: 'Items per insight type' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 10;

  @ApiPropertyOptional({ minimum: 0, maximum: 1_000_000, default: 50, description: 'An ad whose CPA is above this (in the scope currency) is underperforming' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({}, { message: 'cpa_threshold must be a number' })
  @Min(0)
  @Max(1_000_000)
  cpa_threshold: number = 50;
}

export class InsightHistoryQuery {
  @ApiPropertyOptional({ description: 'Only insights of this type', enum: ['best_campaign', 'underperforming_ad', 'anomaly_detected', 'budget_inefficiency'] })
  @IsOptional()
  @IsIn(['best_campaign', 'underperforming_ad', 'anomaly_detected', 'budget_inefficiency'])
  type?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize: number = 50;
}
