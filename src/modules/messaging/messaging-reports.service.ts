import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '@common/errors';
import { readEventTimestamp } from '@libs/cleaners';
import { DELIVERY_SLA } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import { DeliveryQuery, EngagementQuery, SystemQuery } from './dto/messaging-query.dto';
import type { MessagingReportDto, MessagingReportRequest, MessagingReportType } from './dto/messaging-report.dto';
import { HEALTH_LIMITS, MessagingActivityService } from './messaging-activity.service';
import { MessagingService } from './messaging.service';

const MAX_DAYS = 90;
const DAY_MS = 86_400_000;

const bad = (rule: string, message: string, details: Record<string, unknown> = {}) => new AppError('INVALID_REPORT_REQUEST', HttpStatus.BAD_REQUEST, message, { rule, ...details });

/**
 * The old service's reports: POST reports/{delivery|engagement|system} computes the answer over
 * the window and stores it (messaging_reports); GET reports/{id} returns it as stored.
 */
@Injectable()
export class MessagingReportsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly messaging: MessagingService,
    private readonly activity: MessagingActivityService,
  ) {}

  async create(auth: AuthContext, type: MessagingReportType, body: MessagingReportRequest): Promise<MessagingReportDto> {
    const start = this.time('start_time', body.start_time);
    const end = this.time('end_time', body.end_time);
    const now = Date.now();
    if (start > now || end > now) {
      throw bad('NOT_IN_FUTURE', `start_time and end_time may not be in the future (now is ${new Date(now).toISOString()})`, { field: start > now ? 'start_time' : 'end_time' });
    }
    if (end <= start) {
      throw bad('END_AFTER_START', 'end_time must be after start_time', { field: 'end_time' });
    }
    if (end - start > MAX_DAYS * DAY_MS) {
      throw bad('MAX_90_DAYS', `A report covers at most ${MAX_DAYS} days; this one covers ${((end - start) / DAY_MS).toFixed(1)}`, { field: 'end_time', maxDays: MAX_DAYS });
    }
    const f = body.filters ?? {};
    const t = body.performance_thresholds ?? {};
    const window = { from: new Date(start).toISOString(), to: new Date(end).toISOString(), tz: 'UTC' };
    let result: Record<string, unknown>;
    if (type === 'delivery') {
      const q = Object.assign(new DeliveryQuery(), window, { granularity: body.time_period, channel: f.channel, template_id: f.template_id, campaign_id: f.campaign_id });
      result = stripMeta(await this.messaging.delivery(auth, q, t.delivery_rate ?? DELIVERY_SLA));
      if (!body.include_sla_metrics) {
        result = withoutSla(result);
      }
    } else if (type === 'engagement') {
      const q = Object.assign(new EngagementQuery(), window, { granularity: body.time_period, weights: f.weights });
      result = stripMeta(await this.activity.engagement(auth, q));
    } else {
      const q = Object.assign(new SystemQuery(), window, { granularity: body.time_period, service_name: f.service_name });
      const limits = {
        response_time: t.response_time ?? HEALTH_LIMITS.response_time,
        cpu_usage: t.cpu_usage ?? HEALTH_LIMITS.cpu_usage,
        memory_usage: t.memory_usage ?? HEALTH_LIMITS.memory_usage,
      };
      result = stripMeta(await this.activity.system(auth, q, limits));
      if (!body.include_sla_metrics) {
        result = withoutSla(result);
      }
    }
    const params = {
      start_time: window.from,
      end_time: window.to,
      time_period: body.time_period,
      filters: f,
      include_sla_metrics: body.include_sla_metrics,
      performance_thresholds: t,
    };
    const [row] = await this.db.query<Array<{ id: string; created_at: Date }>>(
      `INSERT INTO messaging_reports (org_id, type, params, result) VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
      [auth.orgId, type, JSON.stringify(params), JSON.stringify(result)],
    );
    return { id: row.id, type, params, result, created_at: row.created_at.toISOString() };
  }

  async get(orgId: string, id: string): Promise<MessagingReportDto> {
    const rows = await this.db.query<Array<{ id: string; type: string; params: Record<string, unknown>; result: Record<string, unknown>; created_at: Date }>>(
      `SELECT id, type, params, result, created_at FROM messaging_reports WHERE org_id = $1 AND id = $2`,
      [orgId, id],
    );
    if (rows.length === 0) {
      throw new AppError('NOT_FOUND', HttpStatus.NOT_FOUND, `No messaging report ${id} in this organization`, { id });
    }
    const r = rows[0];
    return { id: r.id, type: r.type, params: r.params, result: r.result, created_at: r.created_at.toISOString() };
  }

  private time(field: string, raw: string): number {
    const text = readEventTimestamp(raw.trim());
    if (text === null || !/^\d{4}-\d{2}-\d{2}[T ]/.test(raw.trim())) {
      throw bad('ISO_8601', `${field} must be an ISO 8601 time such as 2025-06-01T00:00:00Z, got '${raw}'`, { field });
    }
    return Date.parse(text.replace(' ', 'T'));
  }
}

/** The answer without the request-time fields (queryTimeMs, cached): a stored report is a document. */
function stripMeta(answer: object): Record<string, unknown> {
  const { queryTimeMs: _t, cached: _c, ...rest } = answer as Record<string, unknown>;
  return rest;
}

/** Leaves out the SLA figures: sla_met per bucket, the summary's SLA shares and the services' SLA compliance. */
function withoutSla(result: Record<string, unknown>): Record<string, unknown> {
  const drop = new Set(['sla_met', 'sla_target', 'sla_compliance', 'threshold_breaches', 'critical_breaches']);
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v)
          .filter(([k]) => !drop.has(k))
          .map(([k, x]) => [k, strip(x)]),
      );
    return v;
  };
  return strip(result) as Record<string, unknown>;
}
