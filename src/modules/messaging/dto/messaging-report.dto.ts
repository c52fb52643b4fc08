import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsNumber, IsObject, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';

export const REPORT_TYPES = ['delivery', 'engagement', 'system'] as const;
export type MessagingReportType = (typeof REPORT_TYPES)[number];
export const REPORT_PERIODS = ['hourly', 'daily', 'weekly'] as const;

export class ReportFiltersDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) channel?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) template_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) campaign_id?: string;
  @ApiPropertyOptional({ description: 'system reports only' }) @IsOptional() @IsString() @MaxLength(200) service_name?: string;
  @ApiPropertyOptional({ description: 'engagement reports only: weights per action type, `type:weight,…`' }) @IsOptional() @IsString() @MaxLength(500) weights?: string;
}

export class PerformanceThresholdsDto {
  @ApiPropertyOptional({ description: 'delivery reports: the SLA delivery rate (default 99.0)', example: 99 })
  @IsOptional()
  @IsNumber({}, { message: 'performance_thresholds.delivery_rate must be a number' })
  @Min(0)
  delivery_rate?: number;
  @ApiPropertyOptional({ description: 'system reports: the response-time limit in s (default 2.0)' })
  @IsOptional()
  @IsNumber({}, { message: 'performance_thresholds.response_time must be a number' })
  @Min(0)
  response_time?: number;
  @ApiPropertyOptional({ description: 'system reports: the cpu limit in % (default 80)' })
  @IsOptional()
  @IsNumber({}, { message: 'performance_thresholds.cpu_usage must be a number' })
  @Min(0)
  cpu_usage?: number;
  @ApiPropertyOptional({ description: 'system reports: the memory limit in % (default 80)' })
  @IsOptional()
  @IsNumber({}, { message: 'performance_thresholds.memory_usage must be a number' })
  @Min(0)
  memory_usage?: number;
}

/** The old service's report request. */
export class MessagingReportRequest {
  @ApiProperty({ description: 'Start, inclusive, ISO 8601 (no offset: UTC)', example: '2025-06-01T00:00:00Z' })
  @IsString({ message: 'start_time is required: an ISO 8601 time' })
  @MaxLength(40)
  start_time: string;

  @ApiProperty({ description: 'End, exclusive, ISO 8601; not in the future, after start_time, at most 90 days after it', example: '2025-06-08T00:00:00Z' })
  @IsString({ message: 'end_time is required: an ISO 8601 time' })
  @MaxLength(40)
  end_time: string;

  @ApiPropertyOptional({ enum: REPORT_PERIODS, default: 'daily', description: 'Bucket size (UTC)' })
  @IsOptional()
  @IsIn(REPORT_PERIODS, { message: `time_period must be one of ${REPORT_PERIODS.join(', ')}` })
  time_period: (typeof REPORT_PERIODS)[number] = 'daily';

  @ApiPropertyOptional({ type: ReportFiltersDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ReportFiltersDto)
  filters?: ReportFiltersDto;

  @ApiPropertyOptional({ default: true, description: 'delivery and system reports: keep the SLA figures (false leaves them out)' })
  @IsOptional()
  @IsBoolean({ message: 'include_sla_metrics must be true or false' })
  include_sla_metrics = true;

  @ApiPropertyOptional({ type: PerformanceThresholdsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PerformanceThresholdsDto)
  performance_thresholds?: PerformanceThresholdsDto;
}

export class MessagingReportDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: REPORT_TYPES }) type: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The request, as normalised' }) params: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The answer of GET messaging/{type} over the window' }) result: Record<string, unknown>;
  @ApiProperty() created_at: string;
}
