import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';

/** Filters every analytics endpoint accepts. */
export class AnalyticsFilterQuery {
  @ApiPropertyOptional({
    description: 'Start of the window, inclusive: ISO 8601 (UTC when no offset is given; microseconds allowed)',
    example: '2026-09-01T00:00:00Z',
  })
  @IsOptional()
  @IsString()
  from?: string;

  @ApiPropertyOptional({ description: 'End of the window, exclusive: ISO 8601', example: '2026-10-01T00:00:00Z' })
  @IsOptional()
  @IsString()
  to?: string;

  @ApiPropertyOptional({ description: 'Only the rows of this completed transactions import', format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'importId must be a UUID' })
  importId?: string;
}

export class LeaderboardQuery extends AnalyticsFilterQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20, description: 'How many zones' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}

export class PageQuery extends AnalyticsFilterQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;
}

export class DormantQuery extends PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  pageSize: number = 100;
}

export class AnomaliesQuery extends PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  pageSize: number = 50;
}

export class HourlyQuery extends AnalyticsFilterQuery {
  @ApiPropertyOptional({ description: 'IANA time zone whose local hours the transactions are bucketed by', default: 'UTC', example: 'America/New_York' })
  @IsOptional()
  @IsString()
  tz = 'UTC';
}

export class RetentionQuery extends AnalyticsFilterQuery {
  @ApiPropertyOptional({ enum: ['monthly'], description: 'Add a cohort table: first-purchase month × months since' })
  @IsOptional()
  @IsIn(['monthly'])
  cohorts?: 'monthly';
}

export class FullReportQuery extends HourlyQuery {}
