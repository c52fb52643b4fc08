import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '@common/api-errors.decorator';
import { Auth, AuthContext, MinRole, OrgId } from '@modules/auth/auth.context';
import { CreateReportDto, ListReportsQuery, ReportCreatedDto, ReportDto, ReportListDto, ReportSourceDto } from './dto/report.dto';
import { ReportsService } from './reports.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Audited } from '@modules/audit/audited';
import { RateLimitClass } from '@common/rate-limit/rate-limits';

@ApiTags('Reports')
@ApiAuth()
@Controller()
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('report-sources')
  @ApiOperation({ summary: "Every report source: each analytics answer of every domain and each kind's cleaned rows, with its parameters" })
  @ApiOkResponse({ type: [ReportSourceDto] })
  @ApiErrors(401)
  sources(): ReportSourceDto[] {
    return this.reports.listSources();
  }

  @Post('reports')
  @RateLimitClass('reports')
  @Audited('report.create', 'report')
  @MinRole('analyst')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Export a source as CSV, JSON or XLSX in the background',
    description: 'Answers 202 with the report id once the source and its parameters are checked; follow it with GET /reports/{id}, then download the file.',
  })
  @ApiAcceptedResponse({ type: ReportCreatedDto })
  @ApiErrors(400, 401, 403, 404)
  create(@Auth() auth: AuthContext, @Body() body: CreateReportDto): Promise<ReportCreatedDto> {
    return this.reports.create(auth, body);
  }

  @Get('reports')
  @ApiOperation({ summary: "The organization's reports, newest first" })
  @ApiOkResponse({ type: ReportListDto })
  @ApiErrors(400, 401)
  list(@OrgId() orgId: string, @Query() q: ListReportsQuery): Promise<ReportListDto> {
    return this.reports.list(orgId, q);
  }

  @Get('reports/:id')
  @ApiOperation({ summary: 'Status (QUEUED, RUNNING, COMPLETED, FAILED), progress, rows, bytes and error of one report' })
  @ApiOkResponse({ type: ReportDto })
  @ApiErrors(400, 401, 404)
  get(@OrgId() orgId: string, @Param('id', new ParseUUIDPipe()) id: string): Promise<ReportDto> {
    return this.reports.get(orgId, id);
  }

  @Get('reports/:id/download')
  @RateLimitClass('exports')
  @ApiOperation({ summary: "The report's file, streamed (409 until it is COMPLETED)" })
  @ApiProduces('text/csv', 'application/json', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOkResponse({ description: 'The file, as an attachment' })
  @ApiErrors(400, 401, 404, 409, 410)
  async download(@OrgId() orgId: string, @Param('id', new ParseUUIDPipe()) id: string, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const file = await this.reports.openFile(orgId, id);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(file.bytes));
    res.setHeader('Content-Disposition', `attachment; filename="${file.fileName}"`);
    return new StreamableFile(file.stream);
  }

  @Delete('reports/:id')
  @Audited('report.delete', 'report')
  @MinRole('analyst')
  @ApiOperation({ summary: 'Remove a report and its file' })
  @ApiOkResponse({ type: ReportDto })
  @ApiErrors(400, 401, 403, 404)
  remove(@OrgId() orgId: string, @Param('id', new ParseUUIDPipe()) id: string): Promise<ReportDto> {
    return this.reports.remove(orgId, id);
  }
}
