import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '@common/api-errors.decorator';
import { Auth, AuthContext, MinRole, OrgId, Public } from '@modules/auth/auth.context';
import {
  CreateScheduleDto,
  CreateTemplateDto,
  ListRunsQuery,
  ListSchedulesQuery,
  ListTemplatesQuery,
  ReportLinkQuery,
  RunCreatedDto,
  RunListDto,
  ScheduleDto,
  ScheduleListDto,
  TemplateDto,
  TemplateListDto,
  UpdateScheduleDto,
  UpdateTemplateDto,
} from './dto/schedules.dto';
import { SchedulesService } from './schedules.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Audited } from '@modules/audit/audited';
import { RateLimitClass } from '@common/rate-limit/rate-limits';

const UUID = new ParseUUIDPipe();

@ApiTags('Report templates')
@ApiAuth()
@Controller('report-templates')
export class ReportTemplatesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @Audited('report-template.create', 'report-template')
  @MinRole('analyst')
  @ApiOperation({
    summary: 'Keep a report (source, parameters, format) under a name, for schedules',
    description: 'The source and parameters are checked as POST /reports checks them (400 naming each problem); 409 when the name is taken.',
  })
  @ApiCreatedResponse({ type: TemplateDto })
  @ApiErrors(400, 401, 403, 404, 409)
  create(@Auth() auth: AuthContext, @Body() body: CreateTemplateDto): Promise<TemplateDto> {
    return this.schedules.createTemplate(auth, body);
  }

  @Get()
  @ApiOperation({ summary: "The organization's report templates, newest first" })
  @ApiOkResponse({ type: TemplateListDto })
  @ApiErrors(400, 401)
  list(@OrgId() orgId: string, @Query() q: ListTemplatesQuery): Promise<TemplateListDto> {
    return this.schedules.templates(orgId, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One report template' })
  @ApiOkResponse({ type: TemplateDto })
  @ApiErrors(400, 401, 404)
  get(@OrgId() orgId: string, @Param('id', UUID) id: string): Promise<TemplateDto> {
    return this.schedules.template(orgId, id);
  }

  @Patch(':id')
  @Audited('report-template.update', 'report-template')
  @MinRole('analyst')
  @ApiOperation({ summary: 'Change a report template (its schedules use the change from their next run)' })
  @ApiOkResponse({ type: TemplateDto })
  @ApiErrors(400, 401, 403, 404, 409)
  update(@Auth() auth: AuthContext, @Param('id', UUID) id: string, @Body() body: UpdateTemplateDto): Promise<TemplateDto> {
    return this.schedules.updateTemplate(auth, id, body);
  }

  @Delete(':id')
  @Audited('report-template.delete', 'report-template')
  @MinRole('analyst')
  @ApiOperation({ summary: 'Delete a report template (409 while schedules use it)' })
  @ApiOkResponse({ type: TemplateDto })
  @ApiErrors(400, 401, 403, 404, 409)
  remove(@OrgId() orgId: string, @Param('id', UUID) id: string): Promise<TemplateDto> {
    return this.schedules.removeTemplate(orgId, id);
  }
}

@ApiTags('Report schedules')
@ApiAuth()
@Controller('report-schedules')
export class ReportSchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @Audited('report-schedule.create', 'report-schedule')
  @MinRole('analyst')
  @ApiOperation({
    summary: 'Run a template on a cron in a time zone, with deliveries',
    description:
      'Each tick makes exactly one run, however many worker processes run; ticks missed while no worker ran make one catch-up run. ' +
      'The cron (five fields, or six with seconds first) is read in `timezone` (IANA, required). 400 names an invalid cron, zone or delivery. The answer has nextRunAt (UTC) and nextRunAtLocal.',
  })
  @ApiCreatedResponse({ type: ScheduleDto })
  @ApiErrors(400, 401, 403, 404)
  create(@Auth() auth: AuthContext, @Body() body: CreateScheduleDto): Promise<ScheduleDto> {
    return this.schedules.createSchedule(auth, body);
  }

  @Get()
  @ApiOperation({ summary: "The organization's schedules, newest first, each with its next tick and last run" })
  @ApiOkResponse({ type: ScheduleListDto })
  @ApiErrors(400, 401)
  list(@OrgId() orgId: string, @Query() q: ListSchedulesQuery): Promise<ScheduleListDto> {
    return this.schedules.schedules(orgId, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One schedule, with its next tick and last run' })
  @ApiOkResponse({ type: ScheduleDto })
  @ApiErrors(400, 401, 404)
  get(@OrgId() orgId: string, @Param('id', UUID) id: string): Promise<ScheduleDto> {
    return this.schedules.schedule(orgId, id);
  }

  @Patch(':id')
  @Audited('report-schedule.update', 'report-schedule')
  @MinRole('analyst')
  @ApiOperation({ summary: 'Change a schedule: {"enabled": false} pauses it; a new cron or zone replaces its next tick at once' })
  @ApiOkResponse({ type: ScheduleDto })
  @ApiErrors(400, 401, 403, 404)
  update(@Auth() auth: AuthContext, @Param('id', UUID) id: string, @Body() body: UpdateScheduleDto): Promise<ScheduleDto> {
    return this.schedules.updateSchedule(auth, id, body);
  }

  @Delete(':id')
  @Audited('report-schedule.delete', 'report-schedule')
  @MinRole('analyst')
  @ApiOperation({ summary: 'Delete a schedule and its run log (reports it made are kept)' })
  @ApiOkResponse({ type: ScheduleDto })
  @ApiErrors(400, 401, 403, 404)
  remove(@OrgId() orgId: string, @Param('id', UUID) id: string): Promise<ScheduleDto> {
    return this.schedules.removeSchedule(orgId, id);
  }

  @Post(':id/run-now')
  @RateLimitClass('reports')
  @Audited('report-schedule.run-now', 'report-schedule')
  @MinRole('analyst')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Run a schedule now, outside its cron (paused ones too)',
    description:
      'The supported trigger from outside (a CI job, cron on another host): POST with an analyst API key. The run is logged with trigger "manual"; follow it at GET …/runs.',
  })
  @ApiAcceptedResponse({ type: RunCreatedDto })
  @ApiErrors(400, 401, 403, 404, 503)
  runNow(@OrgId() orgId: string, @Param('id', UUID) id: string): Promise<RunCreatedDto> {
    return this.schedules.runNow(orgId, id);
  }

  @Get(':id/runs')
  @ApiOperation({
    summary: 'The execution log: each run with its tick, state (PENDING, RUNNING, RETRYING, SUCCESS, FAILED, SKIPPED), report and per-delivery outcome, newest tick first',
  })
  @ApiOkResponse({ type: RunListDto })
  @ApiErrors(400, 401, 404)
  runs(@OrgId() orgId: string, @Param('id', UUID) id: string, @Query() q: ListRunsQuery): Promise<RunListDto> {
    return this.schedules.runs(orgId, id, q);
  }
}

@ApiTags('Reports')
@Controller('report-links')
export class ReportLinksController {
  constructor(private readonly schedules: SchedulesService) {}

  @Get(':id')
  @Public()
  @RateLimitClass('exports')
  @ApiOperation({
    summary: 'Download a report through a signed link (from an email or webhook; no API key)',
    description: '403 for a link that was altered, 410 once it expired (with the file, after REPORT_RETENTION_DAYS).',
  })
  @ApiProduces('text/csv', 'application/json', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOkResponse({ description: 'The file, as an attachment' })
  @ApiErrors(400, 403, 404, 410)
  async download(@Param('id', UUID) id: string, @Query() q: ReportLinkQuery, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const file = await this.schedules.openLinkedFile(id, q.expires, q.signature);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(file.bytes));
    res.setHeader('Content-Disposition', `attachment; filename="${file.fileName}"`);
    return new StreamableFile(file.stream);
  }
}
