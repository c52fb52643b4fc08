import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';
import { ImportResponseDto } from '@modules/ingestion/dto/import-response.dto';

export class LoadDirectoryDto {
  @ApiProperty({ enum: ['directory'], description: 'Load store_status.csv, menu_hours.csv and timezones.csv from the folder named by STORE_DATA_DIR' })
  @IsIn(['directory'])
  source: 'directory';
}

export class LoadedFileDto {
  @ApiProperty({ enum: ['store_status', 'menu_hours', 'timezones'], description: 'Which feed the file is' }) part: string;
  @ApiProperty({ example: 'store-status', description: 'Import kind it is loaded as' }) kind: string;
  @ApiProperty({ type: ImportResponseDto, description: 'The import (follow it at import.links.self)' }) import: ImportResponseDto;
}

export class LoadDataResponseDto {
  @ApiProperty({ type: [LoadedFileDto] }) files: LoadedFileDto[];
}

export class ClearDataResponseDto {
  @ApiProperty({ description: 'Imports removed with their rows' }) importsRemoved: number;
  @ApiProperty({ description: 'Imports still loading that were cancelled (they load nothing)' }) importsCancelled: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { storestatus: 1000, businesshour: 200, timezone: 200 },
    description: 'Rows removed per table',
  })
  rowsRemoved: Record<string, number>;
}

export class TablePageQuery {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  pageSize?: number;
}

export class TablePageDto {
  @ApiProperty({ enum: ['storestatus', 'businesshour', 'timezone'] }) table: string;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty({ description: "Rows in the organization's table" }) total: number;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description:
      'storestatus: storeId, status, timestampUtc; businesshour: storeId, dayOfWeek, startTimeLocal, endTimeLocal; timezone: storeId, timezoneStr (as given), timezone (as used); each with importId',
  })
  rows: Record<string, unknown>[];
}

/** The body of trigger_report, and the parameters of the report source store-monitoring.uptime. */
export class TriggerReportDto {
  @ApiPropertyOptional({ example: '2023-01-25T18:00:00Z', description: "The report's now (ISO 8601 date-time); default: the organization's latest poll" })
  @IsOptional()
  @IsISO8601({ strict: true })
  now?: string;
}

export class TriggerReportResponseDto {
  @ApiProperty({ format: 'uuid' }) reportId: string;
}

export class ReportProgressDto {
  @ApiProperty({
    enum: ['queued', 'snapshot', 'stores', 'polls', 'rows'],
    description:
      "queued; snapshot: finding the stores; stores: each store's business intervals and starting status; polls: the week's polls in time order; " +
      'rows: writing one row per store into the file',
  })
  phase: string;
  @ApiProperty({ description: 'Stores whose business intervals and starting status are set' }) storesDone: number;
  @ApiProperty({ description: 'Stores in the report (0 until the snapshot is taken)' }) storesTotal: number;
  @ApiProperty({ description: "The week's polls read so far" }) pollsDone: number;
  @ApiProperty({ description: "Polls in the report's week" }) pollsTotal: number;
}

export class ReportResponseDto {
  @ApiProperty({ format: 'uuid' }) reportId: string;
  @ApiProperty({ enum: ['Running', 'Complete', 'Failed'] }) status: 'Running' | 'Complete' | 'Failed';
  @ApiPropertyOptional({ type: ReportProgressDto, description: 'While Running' }) progress?: ReportProgressDto;
  @ApiPropertyOptional({ description: 'When Complete: store_id,uptime_last_hour,uptime_last_day,uptime_last_week,downtime_last_hour,downtime_last_day,downtime_last_week' })
  csv?: string;
  @ApiPropertyOptional({ example: '/api/v1/store-monitoring/reports/2b1e…/download', description: 'When Complete' }) downloadUrl?: string;
  @ApiPropertyOptional({ description: 'When Failed' }) error?: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: "The report's now (once known)" }) now?: string | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'When Complete: elapsedMs, snapshotMs, storesMs, pollsMs, rowsRead, stores, polls, peakRssMb',
  })
  metrics?: Record<string, number> | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

/** Where a Complete store report's CSV is downloaded. */
export function storeReportDownloadUrl(reportId: string): string {
  return `/api/v1/store-monitoring/reports/${reportId}/download`;
}
