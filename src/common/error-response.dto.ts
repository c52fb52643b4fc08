import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error shape every route answers with. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400, description: 'HTTP status code' })
  statusCode: number;

  @ApiProperty({ example: 'MISSING_COLUMNS', description: 'Stable machine-readable error code' })
  error: string;

  @ApiProperty({ example: 'The header lacks required columns: AMOUNT, TIMESTAMP', description: 'What went wrong, naming the offending value or id' })
  message: string;

  @ApiPropertyOptional({ description: 'Structured detail (e.g. the missing columns, validation errors)', type: Object })
  details?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Request id, also in the X-Request-Id response header' })
  requestId?: string;
}
