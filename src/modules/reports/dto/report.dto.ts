import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { EXPORT_FORMATS, ExportFormat } from '@libs/export';

export const REPORT_STATUSES = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'EXPIRED'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export class CreateReportDto {
  @ApiProperty({ example: 'messaging.delivery', description: 'A source of GET /api/v1/report-sources' })
  @IsString()
  @MaxLength(100)
  source!: string;

  @ApiPropertyOptional({
    example: { granularity: 'daily', from: '2025-06-01T00:00:00Z', to: '2025-07-01T00:00:00Z' },
    description: "The source's parameters (its GET route's query parameters)",
    default: {},
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiProperty({ enum: EXPORT_FORMATS })
  @IsIn(EXPORT_FORMATS)
  format!: ExportFormat;

  @ApiPropertyOptional({ example: 'June delivery', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}

export class ListReportsQuery {
  @ApiPropertyOptional({ enum: REPORT_STATUSES })
  @IsOptional()
  @IsIn(REPORT_STATUSES)
  status?: ReportStatus;

  @ApiPropertyOptional({ example: 'messaging.delivery' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  source?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize: number = 20;
}

export class ReportProgressDto {
  @ApiProperty() rowsDone!: number;
  @ApiPropertyOptional({ description: 'Rows expected (an upper bound when a window filters them)' }) rowsTotal?: number;
  @ApiPropertyOptional({ description: '0–100' }) percent?: number;
}

export class ReportDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiPropertyOptional({ nullable: true }) name!: string | null;
  @ApiProperty() source!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) params!: Record<string, unknown>;
  @ApiProperty({ enum: EXPORT_FORMATS }) format!: ExportFormat;
  @ApiProperty({ enum: REPORT_STATUSES }) status!: ReportStatus;
  @ApiProperty({ type: ReportProgressDto }) progress!: ReportProgressDto;
  @ApiPropertyOptional({ nullable: true, description: 'Rows in the file (data rows, not the header)' }) rows!: number | null;
  @ApiPropertyOptional({ nullable: true }) bytes!: number | null;
  @ApiPropertyOptional({ nullable: true, description: 'The data version the report was made from' }) dataVersion!: string | null;
  @ApiPropertyOptional({ nullable: true }) error!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Where to download it, once COMPLETED' }) downloadUrl!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true }) startedAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) finishedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'When the retention job removed its file (REPORT_RETENTION_DAYS after it finished)' }) expiredAt!: string | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'What a job source tells beyond rows and bytes (store-monitoring.uptime: now, polls, metrics); null for the others',
  })
  details!: Record<string, unknown> | null;
}

export class ReportListDto {
  @ApiProperty({ type: [ReportDto] }) data!: ReportDto[];
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() total!: number;
}

export class ReportCreatedDto {
  @ApiProperty({ format: 'uuid' }) reportId!: string;
  @ApiProperty({ enum: REPORT_STATUSES }) status!: ReportStatus;
}

export class SourceParamDto {
  @ApiProperty() name!: string;
  @ApiProperty() type!: string;
  @ApiProperty() required!: boolean;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ type: [Object] }) enum?: unknown[];
  @ApiPropertyOptional() default?: unknown;
  @ApiPropertyOptional() example?: unknown;
}

export class ReportSourceDto {
  @ApiProperty({ example: 'messaging.delivery' }) name!: string;
  @ApiProperty({ example: 'messaging' }) domain!: string;
  @ApiProperty({
    enum: ['answer', 'rows', 'job'],
    description: "answer: an analytics answer; rows: a kind's cleaned rows; job: a domain computation that builds its own rows (the store uptime report)",
  })
  type!: 'answer' | 'rows' | 'job';
  @ApiProperty() description!: string;
  @ApiProperty({ type: [SourceParamDto] }) params!: SourceParamDto[];
}
