import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';

export class CreateDemoRunDto {
  @ApiProperty({ minimum: 100, maximum: 10_000_000, example: 100000, description: 'Rows to generate' })
  @IsInt()
  @Min(100)
  @Max(10_000_000)
  numRows: number;

  @ApiPropertyOptional({ example: 42, description: 'Seed of the generator: the same seed gives the same file (default 42)' })
  @IsOptional()
  @IsInt()
  seed?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.15, description: 'Share of rows given a fault (about half of them are dropped by the cleaner)' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  errorRate?: number;
}
