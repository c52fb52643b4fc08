import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Res, StreamableFile } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '@common/api-errors.decorator';
import { Auth, AuthContext, MinRole, OrgId } from '@modules/auth/auth.context';
import { ReportResponseDto, TriggerReportDto, TriggerReportResponseDto } from './dto/store-monitoring.dto';
import { StoreReportsService } from './store-reports.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Audited } from '@modules/audit/audited';
import { RateLimitClass } from '@common/rate-limit/rate-limits';

/** The uptime/downtime report routes, run by the reports engine (source store-monitoring.uptime). */
@ApiTags('Store monitoring')
@ApiAuth()
@Controller('store-monitoring')
export class StoreReportsController {
  constructor(private readonly storeReports: StoreReportsService) {}

  @Post('trigger_report')
  @RateLimitClass('reports')
  @Audited('report.create', 'report')
  @MinRole('analyst')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Start an uptime/downtime report (a background job)',
    description:
      "Answers at once with the report id; poll GET get_report/{reportId}. `now` defaults to the organization's latest poll. " +
      'The report is one of the reports engine (source store-monitoring.uptime, also at GET /reports/{id}); its CSV is a file kept REPORT_RETENTION_DAYS.',
  })
  @ApiBody({ type: TriggerReportDto, required: false })
  @ApiAcceptedResponse({ type: TriggerReportResponseDto })
  @ApiErrors(400, 401, 403, 503)
  trigger(@Auth() auth: AuthContext, @Body() dto: TriggerReportDto): Promise<TriggerReportResponseDto> {
    return this.storeReports.trigger(auth, dto?.now);
  }

  @Get('get_report/:reportId')
  @ApiOperation({
    summary: 'Status of a report, and its CSV once Complete',
    description:
      'Running: progress {storesDone, storesTotal}; Complete: csv (store_id,uptime_last_hour,uptime_last_day,uptime_last_week,' +
      'downtime_last_hour,downtime_last_day,downtime_last_week; hour in minutes, day and week in hours) and downloadUrl; Failed: error ' +
      '(also once its file expired, REPORT_RETENTION_DAYS after it completed).',
  })
  @ApiOkResponse({ type: ReportResponseDto })
  @ApiErrors(401, 404)
  get(@OrgId() orgId: string, @Param('reportId') reportId: string): Promise<ReportResponseDto> {
    return this.storeReports.get(orgId, reportId);
  }

  @Get('reports/:reportId/download')
  @RateLimitClass('exports')
  @ApiOperation({ summary: "Download a Complete report's CSV", description: '409 while it is not Complete; 410 once it expired (REPORT_RETENTION_DAYS).' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'The report as CSV (attachment)' })
  @ApiErrors(401, 404, 409, 410)
  async download(@OrgId() orgId: string, @Param('reportId') reportId: string, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const file = await this.storeReports.openCsv(orgId, reportId);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Length', String(file.bytes));
    res.setHeader('Content-Disposition', `attachment; filename="store-report-${reportId}.csv"`);
    return new StreamableFile(file.stream);
  }
}
