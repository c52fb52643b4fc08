import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { Readable } from 'stream';
import { AppConfig } from '@config/app-config';
import { AppError } from '@common/errors';
import type { AuthContext } from '@modules/auth/auth.context';
import type { ReportDto } from '@modules/reports/dto/report.dto';
import { ReportsService } from '@modules/reports/reports.service';
import { ReportProgressDto, ReportResponseDto, storeReportDownloadUrl, TriggerReportResponseDto } from './dto/store-monitoring.dto';
import { StoreMonitoringErrors } from './store-monitoring.errors';
import { StoreMonitoringService } from './store-monitoring.service';
import type { StoreReportDetails, StoreReportProgress } from './store-report.builder';

/** The report source trigger_report makes (GET /report-sources lists it). */
export const STORE_UPTIME_SOURCE = 'store-monitoring.uptime';

/**
 * The store-monitoring report routes on the reports engine: trigger_report creates a report of
 * source store-monitoring.uptime as CSV; get_report and download read it (its CSV is the file
 * under DATA_DIR/reports). Reports made before the engine (table store_reports) are read there.
 */
@Injectable()
export class StoreReportsService {
  constructor(
    private readonly config: AppConfig,
    private readonly reports: ReportsService,
    private readonly storeMonitoring: StoreMonitoringService,
  ) {}

  async trigger(auth: AuthContext, now?: string): Promise<TriggerReportResponseDto> {
    const { reportId } = await this.reports.create(auth, { source: STORE_UPTIME_SOURCE, params: now === undefined ? {} : { now }, format: 'csv' });
    return { reportId };
  }

  async get(orgId: string, id: string): Promise<ReportResponseDto> {
    const report = await this.findReport(orgId, id);
    if (report) return this.toResponse(report, report.status === 'COMPLETED' ? await this.readCsv(orgId, id) : '');
    const legacy = await this.storeMonitoring.findLegacyReport(orgId, id);
    if (!legacy) throw StoreMonitoringErrors.reportNotFound(id);
    return legacy;
  }

  /** The CSV of a Complete report, streamed: 404 unknown, 409 not Complete, 410 expired. */
  async openCsv(orgId: string, id: string): Promise<{ stream: Readable; bytes: number }> {
    const report = await this.findReport(orgId, id);
    if (!report) {
      const csv = Buffer.from(await this.storeMonitoring.legacyCsv(orgId, id), 'utf8');
      return { stream: Readable.from([csv]), bytes: csv.length };
    }
    if (report.status === 'EXPIRED') throw StoreMonitoringErrors.reportExpired(id, this.config.REPORT_RETENTION_DAYS);
    if (report.status !== 'COMPLETED') throw StoreMonitoringErrors.reportNotReady(id, report.status === 'FAILED' ? 'Failed' : 'Running');
    const file = await this.reports.openFile(orgId, id);
    return { stream: file.stream, bytes: file.bytes };
  }

  /** The organization's store report of that id in the reports engine (a CSV of store-monitoring.uptime); null when there is none. */
  private async findReport(orgId: string, id: string): Promise<ReportDto | null> {
    if (!isUUID(id)) return null;
    const report = await this.reports.get(orgId, id).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'REPORT_NOT_FOUND') return null;
      throw err;
    });
    return report?.source === STORE_UPTIME_SOURCE && report.format === 'csv' ? report : null;
  }

  private async readCsv(orgId: string, id: string): Promise<string> {
    const { stream } = await this.reports.openFile(orgId, id);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private toResponse(r: ReportDto, csv: string): ReportResponseDto {
    const details = (r.details ?? {}) as Partial<StoreReportDetails>;
    const common = { reportId: r.id, now: details.now ?? requestedNow(r.params), createdAt: r.createdAt };
    switch (r.status) {
      case 'COMPLETED':
        return { ...common, status: 'Complete', csv, downloadUrl: storeReportDownloadUrl(r.id), metrics: details.metrics ? { ...details.metrics } : null };
      case 'FAILED':
        return { ...common, status: 'Failed', error: r.error ?? 'unknown error' };
      case 'EXPIRED':
        return { ...common, status: 'Failed', error: StoreMonitoringErrors.reportExpired(r.id, this.config.REPORT_RETENTION_DAYS).message };
      case 'QUEUED':
      case 'RUNNING':
        return { ...common, status: 'Running', progress: progressOf(r) };
    }
  }
}

/** The five counts of get_report (a report not yet claimed is queued; a claimed one takes its snapshot first). */
function progressOf(r: ReportDto): ReportProgressDto {
  const p = r.progress as Partial<StoreReportProgress>;
  return {
    phase: p.phase ?? (r.status === 'QUEUED' ? 'queued' : 'snapshot'),
    storesDone: p.storesDone ?? 0,
    storesTotal: p.storesTotal ?? 0,
    pollsDone: p.pollsDone ?? 0,
    pollsTotal: p.pollsTotal ?? 0,
  };
}

/** The now asked for, as trigger_report has always shown it before the report knows its own. */
function requestedNow(params: Record<string, unknown>): string | null {
  const ms = typeof params.now === 'string' ? Date.parse(params.now) : NaN;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
