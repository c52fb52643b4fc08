import { Controller, Get, Headers, HttpCode, HttpStatus, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors } from '@common/api-errors.decorator';
import { Auth, AuthContext, MinRole, OrgId } from '@modules/auth/auth.context';
import { InsightsQuery, MarketingFilterQuery, TrendsQuery } from './dto/marketing-query.dto';
import { IngestAcceptedDto, InsightsDto, RoiDto, TrendsDto } from './dto/marketing-response.dto';
import { INSIGHTS_SUMMARY, ROI_SUMMARY, TRENDS_SUMMARY } from './marketing.controller';
import { MarketingIngestService, MAX_JSON_INGEST_BYTES } from './marketing-ingest.service';
import { MarketingInsightsService } from './marketing-insights.service';
import { MarketingService } from './marketing.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Audited } from '@modules/audit/audited';
import { RateLimitClass } from '@common/rate-limit/rate-limits';

const SAME_AS = (path: string) => ` Same answer as GET /api/v1/marketing/${path} (the replaced marketing service's path).`;

/** The replaced marketing service's routes, kept for its clients. */
@ApiTags('Marketing')
@ApiAuth()
@Controller()
export class MarketingCompatController {
  constructor(
    private readonly marketing: MarketingService,
    private readonly insightsService: MarketingInsightsService,
    private readonly ingestService: MarketingIngestService,
  ) {}

  @Get('analytics/roi')
  @ApiOperation({ ...ROI_SUMMARY, description: ROI_SUMMARY.description + SAME_AS('roi') })
  @ApiOkResponse({ type: RoiDto })
  @ApiErrors(400, 401, 404, 409)
  roi(@Auth() auth: AuthContext, @Query() q: MarketingFilterQuery): Promise<RoiDto> {
    return this.marketing.roi(auth, q);
  }

  @Get('analytics/trends')
  @ApiOperation({ ...TRENDS_SUMMARY, description: TRENDS_SUMMARY.description + SAME_AS('trends') })
  @ApiOkResponse({ type: TrendsDto })
  @ApiErrors(400, 401, 404, 409)
  trends(@Auth() auth: AuthContext, @Query() q: TrendsQuery): Promise<TrendsDto> {
    return this.marketing.trends(auth, q);
  }

  @Get('insights/summary')
  @ApiOperation({ ...INSIGHTS_SUMMARY, description: INSIGHTS_SUMMARY.description + SAME_AS('insights') })
  @ApiOkResponse({ type: InsightsDto })
  @ApiErrors(400, 401, 404, 409)
  insights(@Auth() auth: AuthContext, @Query() q: InsightsQuery): Promise<InsightsDto> {
    return this.insightsService.insights(auth, q);
  }

  @Post('data/ingest')
  @RateLimitClass('imports')
  @Audited('import.create', 'import')
  @MinRole('analyst')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Ingest marketing records (the replaced service’s route)',
    description:
      `A JSON array of records (application/json, up to ${MAX_JSON_INGEST_BYTES / 1048576} MiB; every record must be an object with campaign_id and platform, else 400 naming its index, ` +
      'and a body that is not a list answers 400 "Data must be a list of records"), a CSV body (text/csv), or a multipart form with a `file` part (CSV or JSON). ' +
      'The records are imported as the `marketing` kind: 202 with the import id as task_id; follow it at /api/v1/imports/{importId}. Larger files: POST /api/v1/imports/marketing.',
  })
  @ApiConsumes('application/json', 'text/csv', 'multipart/form-data')
  @ApiBody({
    schema: {
      type: 'array',
      items: {
        type: 'object',
        example: { campaign_id: 'cmp-1', platform: 'google_ads', date: '2025-03-01', impressions: 1000, clicks: 50, conversions: 5, cost: 100, revenue: 150 },
      },
    },
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retry with the same key answers the first import instead of importing again' })
  @ApiAcceptedResponse({ type: IngestAcceptedDto })
  @ApiErrors(400, 401, 403, 413, 415, 503)
  ingest(@OrgId() orgId: string, @Req() req: Request, @Headers('idempotency-key') idempotencyKey?: string): Promise<IngestAcceptedDto> {
    return this.ingestService.ingest(orgId, req, idempotencyKey);
  }
}
