import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';

/** Filters every sales output accepts. */
export class SalesFilterQuery {
  @ApiPropertyOptional({ description: 'First day in scope, inclusive (YYYY-MM-DD, UTC day of sale_date)', example: '2024-01-01' })
  @IsOptional()
  @IsString()
  from?: string;

  @ApiPropertyOptional({ description: 'Day after the last day in scope, exclusive (YYYY-MM-DD): from=2024-01-01&to=2024-02-01 is January', example: '2024-07-01' })
  @IsOptional()
  @IsString()
  to?: string;

  @ApiPropertyOptional({ description: 'Only the rows of this completed sales import', format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'importId must be a UUID' })
  importId?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json', description: '`csv` answers text/csv (one line per row of `data`)' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format: 'json' | 'csv' = 'json';
}

export class TopProductsQuery extends SalesFilterQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 10, description: 'How many products' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 10;
}

export class SalesAnomaliesQuery extends SalesFilterQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 5, description: 'How many records' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 5;
}

export class TopTransactionsQuery extends SalesFilterQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 10, description: 'How many records' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 10;
}

export class DataQualityQuery {
  @ApiPropertyOptional({ description: 'Only this completed sales import (default: all of the organization)', format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'importId must be a UUID' })
  importId?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json', description: '`csv` answers text/csv as metric,value lines' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format: 'json' | 'csv' = 'json';

  @ApiPropertyOptional({ description: 'Not accepted here (400): data quality is per import', deprecated: true })
  @IsOptional()
  @IsString()
  from?: string;

  @ApiPropertyOptional({ description: 'Not accepted here (400): data quality is per import', deprecated: true })
  @IsOptional()
  @IsString()
  to?: string;
}
