import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@config/app-config';
import { assertTimeZone, CronError, nextTick, parseCron } from '@libs/cron';
import type { AuthContext } from '@modules/auth/auth.context';
import { ReportsProducer } from '../jobs/reports.producer';
import { ReportErrors } from '../reports.errors';
import { ReportsService } from '../reports.service';
import { ReportLinks } from './report-links';
import { keepSecrets, parseDeliveries, publicDelivery } from './deliveries';
import {
  CreateScheduleDto,
  CreateTemplateDto,
  DeliveryOutcomeDto,
  ListRunsQuery,
  ListSchedulesQuery,
  ListTemplatesQuery,
  RunCreatedDto,
  RunDto,
  RunListDto,
  ScheduleDto,
  ScheduleListDto,
  TemplateDto,
  TemplateListDto,
  UpdateScheduleDto,
  UpdateTemplateDto,
} from './dto/schedules.dto';
import { localIso } from './local-time';
import { ScheduleErrors } from './schedules.errors';
import { DeliveryRow, RunRow, ScheduleRow, SchedulesRepository, TemplateRow } from './schedules.repository';

/** Report templates, schedules and their execution log. */
@Injectable()
export class SchedulesService {
  private readonly logger = new Logger(SchedulesService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repo: SchedulesRepository,
    private readonly reports: ReportsService,
    private readonly producer: ReportsProducer,
    private readonly links: ReportLinks,
  ) {}

  // ── templates ──────────────────────────────────────────────────────────────────────────────

  async createTemplate(auth: AuthContext, body: CreateTemplateDto): Promise<TemplateDto> {
    const { source, params } = await this.reports.checked(auth, body.source, body.params ?? {});
    const row = await this.repo.insertTemplate({ orgId: auth.orgId, name: body.name, source: source.name, params, format: body.format, createdBy: auth.actorId });
    if (!row) throw ScheduleErrors.templateNameTaken(body.name);
    return toTemplateDto(row);
  }

  async template(orgId: string, id: string): Promise<TemplateDto> {
    return toTemplateDto(await this.findTemplate(orgId, id));
  }

  async templates(orgId: string, q: ListTemplatesQuery): Promise<TemplateListDto> {
    const { rows, total } = await this.repo.templates(orgId, q.page, q.pageSize);
    return { data: rows.map(toTemplateDto), page: q.page, pageSize: q.pageSize, total };
  }

  /** Changes apply to the schedules' next runs. A new source without new params is checked with {}. */
  async updateTemplate(auth: AuthContext, id: string, body: UpdateTemplateDto): Promise<TemplateDto> {
    const current = await this.findTemplate(auth.orgId, id);
    const sourceName = body.source ?? current.source;
    const given = body.params ?? (body.source !== undefined && body.source !== current.source ? {} : current.params);
    const { source, params } = await this.reports.checked(auth, sourceName, given);
    const name = body.name ?? current.name;
    const row = await this.repo.updateTemplate(auth.orgId, id, { name, source: source.name, params, format: body.format ?? current.format });
    if (row === 'conflict') throw ScheduleErrors.templateNameTaken(name);
    if (!row) throw ScheduleErrors.templateNotFound(id);
    return toTemplateDto(row);
  }

  async removeTemplate(orgId: string, id: string): Promise<TemplateDto> {
    const row = await this.repo.deleteTemplate(orgId, id);
    if (row === 'in-use') throw ScheduleErrors.templateInUse(id, await this.repo.schedulesOfTemplate(id));
    if (!row) throw ScheduleErrors.templateNotFound(id);
    return toTemplateDto(row);
  }

  private async findTemplate(orgId: string, id: string): Promise<TemplateRow> {
    const row = await this.repo.template(orgId, id);
    if (!row) throw ScheduleErrors.templateNotFound(id);
    return row;
  }

  // ── schedules ──────────────────────────────────────────────────────────────────────────────

  async createSchedule(auth: AuthContext, body: CreateScheduleDto): Promise<ScheduleDto> {
    await this.findTemplate(auth.orgId, body.templateId);
    const deliveries = parseDeliveries(body.deliveries, Boolean(this.config.SMTP_URL));
    const enabled = body.enabled ?? true;
    const next = await this.firstTick(body.cron, body.timezone);
    const row = await this.repo.insertSchedule({
      org_id: auth.orgId,
      template_id: body.templateId,
      name: body.name ?? null,
      cron: body.cron.trim(),
      timezone: body.timezone,
      deliveries,
      enabled,
      skip_if_empty: body.skipIfEmpty ?? false,
      next_run_at: enabled ? next : null,
      created_by: auth.actorId,
      created_role: auth.role,
    });
    return this.toScheduleDto(row, null);
  }

  async schedule(orgId: string, id: string): Promise<ScheduleDto> {
    const row = await this.findSchedule(orgId, id);
    const last = (await this.repo.lastRuns([id])).get(id) ?? null;
    return this.toScheduleDto(row, last);
  }

  async schedules(orgId: string, q: ListSchedulesQuery): Promise<ScheduleListDto> {
    const { rows, total } = await this.repo.schedules(orgId, q);
    const last = await this.repo.lastRuns(rows.map((r) => r.id));
    return { data: rows.map((r) => this.toScheduleDto(r, last.get(r.id) ?? null)), page: q.page, pageSize: q.pageSize, total };
  }

  /**
   * A changed cron or zone, or a resume, sets the next tick from now; other changes keep it.
   * The tick is a database value, not a queued repeatable job, so no old tick lingers anywhere.
   */
  async updateSchedule(auth: AuthContext, id: string, body: UpdateScheduleDto): Promise<ScheduleDto> {
    const current = await this.findSchedule(auth.orgId, id);
    if (body.templateId !== undefined) await this.findTemplate(auth.orgId, body.templateId);
    const cron = body.cron?.trim() ?? current.cron;
    const timezone = body.timezone ?? current.timezone;
    const enabled = body.enabled ?? current.enabled;
    const deliveries = body.deliveries !== undefined ? keepSecrets(parseDeliveries(body.deliveries, Boolean(this.config.SMTP_URL)), current.deliveries) : current.deliveries;
    const timingChanged = cron !== current.cron || timezone !== current.timezone || (enabled && !current.enabled);
    const next = await this.firstTick(cron, timezone);
    const row = await this.repo.updateSchedule(auth.orgId, id, {
      template_id: body.templateId ?? current.template_id,
      name: body.name !== undefined ? body.name : current.name,
      cron,
      timezone,
      deliveries,
      enabled,
      skip_if_empty: body.skipIfEmpty ?? current.skip_if_empty,
      next_run_at: !enabled ? null : timingChanged || current.next_run_at === null ? next : current.next_run_at,
    });
    if (!row) throw ScheduleErrors.scheduleNotFound(id);
    return this.toScheduleDto(row, (await this.repo.lastRuns([id])).get(id) ?? null);
  }

  async removeSchedule(orgId: string, id: string): Promise<ScheduleDto> {
    const row = await this.repo.deleteSchedule(orgId, id);
    if (!row) throw ScheduleErrors.scheduleNotFound(id);
    return this.toScheduleDto(row, null);
  }

  /** A run now, outside the cron (paused schedules too): the supported trigger for a CI job or another host's cron. */
  async runNow(orgId: string, id: string): Promise<RunCreatedDto> {
    await this.findSchedule(orgId, id);
    const run = await this.repo.insertManualRun(id, orgId);
    try {
      await this.producer.enqueueRun(run.id);
    } catch (err) {
      this.logger.error({ err, runId: run.id }, `Run ${run.id} could not be queued; the sweep will queue it`);
      throw ScheduleErrors.queueUnavailable(run.id);
    }
    return { runId: run.id, state: run.state };
  }

  async runs(orgId: string, scheduleId: string, q: ListRunsQuery): Promise<RunListDto> {
    const schedule = await this.findSchedule(orgId, scheduleId);
    const { rows, total } = await this.repo.runs(orgId, scheduleId, q);
    const deliveries = await this.repo.deliveriesOf(rows.map((r) => r.id));
    return { data: rows.map((r) => toRunDto(r, schedule.timezone, deliveries)), page: q.page, pageSize: q.pageSize, total };
  }

  /** The file behind a signed link (403 altered, 410 expired, 404 deleted). */
  async openLinkedFile(id: string, expires: string, signature: string): ReturnType<ReportsService['openFile']> {
    await this.links.verify(id, expires, signature);
    const orgId = await this.repo.reportOrg(id);
    if (!orgId) throw ReportErrors.notFound(id);
    return this.reports.openFile(orgId, id);
  }

  private async findSchedule(orgId: string, id: string): Promise<ScheduleRow> {
    const row = await this.repo.schedule(orgId, id);
    if (!row) throw ScheduleErrors.scheduleNotFound(id);
    return row;
  }

  /** The next tick after now: 400 naming a bad cron or zone, or a cron that never fires. */
  private async firstTick(cron: string, timezone: string): Promise<Date> {
    let spec;
    try {
      assertTimeZone(timezone);
    } catch (err) {
      throw ScheduleErrors.invalidTimezone((err as Error).message, timezone);
    }
    try {
      spec = parseCron(cron.trim());
    } catch (err) {
      if (err instanceof CronError) throw ScheduleErrors.invalidCron(err.message, cron);
      throw err;
    }
    const next = nextTick(spec, timezone, await this.repo.now());
    if (!next) throw ScheduleErrors.neverFires(cron, timezone);
    return next;
  }

  private toScheduleDto(r: ScheduleRow, last: RunRow | null): ScheduleDto {
    return {
      id: r.id,
      name: r.name,
      templateId: r.template_id,
      cron: r.cron,
      timezone: r.timezone,
      deliveries: r.deliveries.map(publicDelivery),
      enabled: r.enabled,
      skipIfEmpty: r.skip_if_empty,
      nextRunAt: r.next_run_at?.toISOString() ?? null,
      nextRunAtLocal: r.next_run_at ? localIso(r.next_run_at, r.timezone) : null,
      lastRun: last ? toRunDto(last, r.timezone, []) : null,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    };
  }
}

function toTemplateDto(r: TemplateRow): TemplateDto {
  return { id: r.id, name: r.name, source: r.source, params: r.params, format: r.format, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() };
}

function toRunDto(r: RunRow, timezone: string, deliveries: DeliveryRow[]): RunDto {
  return {
    id: r.id,
    scheduleId: r.schedule_id,
    scheduledFor: r.scheduled_for.toISOString(),
    scheduledForLocal: localIso(r.scheduled_for, timezone),
    trigger: r.trigger,
    missedTicks: r.missed_ticks,
    state: r.state,
    reportId: r.report_id,
    attempts: r.attempts,
    worker: r.worker,
    error: r.state === 'SKIPPED' && !r.error ? 'The report had no rows (skipIfEmpty): nothing was delivered' : r.error,
    deliveries: deliveries.filter((d) => d.run_id === r.id).map(toDeliveryDto),
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    endedAt: r.ended_at?.toISOString() ?? null,
  };
}

function toDeliveryDto(d: DeliveryRow): DeliveryOutcomeDto {
  const { spec: _spec, ...detail } = d.detail ?? {};
  return {
    index: d.idx,
    type: d.type,
    target: d.target,
    state: d.state,
    attempts: d.attempts,
    lastStatus: d.last_status,
    lastError: d.last_error,
    nextAttemptAt: d.state === 'RETRYING' ? (d.next_attempt_at?.toISOString() ?? null) : null,
    deliveredAt: d.delivered_at?.toISOString() ?? null,
    detail,
  };
}
