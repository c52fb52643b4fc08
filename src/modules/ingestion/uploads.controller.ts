import { Controller, Get, Headers, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors } from '@common/api-errors.decorator';
import { MinRole, OrgId } from '@modules/auth/auth.context';
import { ImportResponseDto, PerformanceStatsDto } from './dto/import-response.dto';
import { answerCreated, defaultFileName, IDEMPOTENCY_HEADER } from './ingestion.controller';
import { IngestionService } from './ingestion.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Audited } from '@modules/audit/audited';
import { RateLimitClass } from '@common/rate-limit/rate-limits';

/** The Django engine's routes, kept so its clients can switch over unchanged. */
@ApiTags('Imports (seed-compatible aliases)')
@ApiAuth()
@Controller()
export class UploadsController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post('uploads')
  @RateLimitClass('imports')
  @Audited('import.create', 'import')
  @MinRole('analyst')
  @ApiOperation({
    summary: 'Upload a transactions CSV (= POST /imports/transactions)',
    description: 'multipart/form-data with a `file` part, or the raw file as the body: CSV (text/csv), a JSON array (application/json) or NDJSON (application/x-ndjson).',
  })
  @ApiConsumes('multipart/form-data', 'text/csv', 'application/json', 'application/x-ndjson')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiAcceptedResponse({ type: ImportResponseDto })
  @ApiErrors(400, 401, 403, 413, 503)
  async upload(
    @OrgId() orgId: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<ImportResponseDto> {
    const isMultipart = (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    if (isMultipart) {
      return answerCreated(res, await this.ingestion.createFromMultipart(orgId, req, { idempotencyKey }, 'transactions'));
    }
    return answerCreated(res, await this.ingestion.createFromRawBody(orgId, 'transactions', req, defaultFileName('transactions', req.headers['content-type']), { idempotencyKey }));
  }

  @Get('performance-stats/:importId')
  @ApiOperation({ summary: "An import's performance figures (execution time, peak memory, rows/s)" })
  @ApiOkResponse({ type: PerformanceStatsDto })
  @ApiErrors(400, 401, 404)
  stats(@OrgId() orgId: string, @Param('importId', new ParseUUIDPipe()) id: string): Promise<PerformanceStatsDto> {
    return this.ingestion.performanceStats(orgId, id);
  }
}
