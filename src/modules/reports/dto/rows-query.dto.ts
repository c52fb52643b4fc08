import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsUUID } from 'class-validator';

/** The parameters of a `<kind>.rows` source. */
export class RowsQuery {
  @ApiPropertyOptional({ description: "Start of the window on the kind's time column, inclusive: ISO 8601 (kinds without one: not allowed)", example: '2025-06-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'End of the window, exclusive: ISO 8601', example: '2025-07-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'Only the rows of this completed import of the kind', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  importId?: string;
}
