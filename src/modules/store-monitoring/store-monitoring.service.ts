import { Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { randomUUID } from 'crypto';
import type { Request } from 'express';
import { createReadStream, promises as fs } from 'fs';
import * as path from 'path';
import { AppConfig } from '@config/app-config';
import { ImportRemovalService } from '@modules/ingestion/import-removal.service';
import { IngestionService } from '@modules/ingestion/ingestion.service';
import {
  ClearDataResponseDto, LoadDataResponseDto, ReportResponseDto, TablePageDto, TablePageQuery, TriggerReportResponseDto,
} from './dto/store-monitoring.dto';
import { StoreMonitoringProducer } from './jobs/store-monitoring.producer';
import { StoreMonitoringErrors } from './store-monitoring.errors';
import { ReportRow, STORE_TABLES, StoreMonitoringRepository, StoreTableName } from './store-monitoring.repository';

/** The three feeds: multipart part name (and file name in STORE_DATA_DIR) → import kind. */
export const FEEDS: Record<string, string> = { store_status: 'store-status', menu_hours: 'business-hours', timezones: 'timezones' };
const FEED_KINDS = Object.values(FEEDS);

@Injectable()
export class StoreMonitoringService {
  private readonly logger = new Logger(StoreMonitoringService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly ingestion: IngestionService,
    private readonly removal: ImportRemovalService,
    private readonly repo: StoreMonitoringRepository,
    private readonly producer: StoreMonitoringProducer,
  ) {}

  /** multipart with any of the parts store_status, menu_hours, timezones, or JSON {"source":"directory"}. */
  async load(orgId: string, req: Request): Promise<LoadDataResponseDto> {
    if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      const created = await this.ingestion.createFromParts(orgId, req, FEEDS);
      return { files: created.map(({ part, body }) => ({ part, kind: FEEDS[part], import: body })) };
    }
    const body = req.body as { source?: unknown } | undefined;
    if (body?.source === 'directory') {
      return this.loadDirectory(orgId);
    }
    throw StoreMonitoringErrors.badDataRequest();
  }

  /** The seed's behaviour: the three files from STORE_DATA_DIR (those present), each an import. */
  private async loadDirectory(orgId: string): Promise<LoadDataResponseDto> {
    const dir = this.config.STORE_DATA_DIR;
    if (!dir) {
      throw StoreMonitoringErrors.directoryNotConfigured();
    }
    const present: Array<{ part: string; file: string }> = [];
    for (const part of Object.keys(FEEDS)) {
      const file = path.resolve(dir, `${part}.csv`);
      if (await fs.stat(file).then((s) => s.isFile(), () => false)) {
        present.push({ part, file });
      }
    }
    if (present.length === 0) {
      throw StoreMonitoringErrors.directoryEmpty(dir, Object.keys(FEEDS).map((p) => `${p}.csv`));
    }
    // All files are checked before any is queued, as for an upload.
    for (const { part, file } of present) {
      await this.ingestion.checkFile(FEEDS[part], file, part);
    }
    const files: LoadDataResponseDto['files'] = [];
    for (const { part, file } of present) {
      const created = await this.ingestion.createFromRawBody(orgId, FEEDS[part], createReadStream(file), path.basename(file), {});
      files.push({ part, kind: FEEDS[part], import: created.body });
    }
    return { files };
  }

  /** Removes every store-monitoring import of the organization with its rows (reports are kept). */
  async clear(orgId: string): Promise<ClearDataResponseDto> {
    const before = await this.repo.countRows(orgId);
    const outcomes = await this.removal.removeAllOfKinds(orgId, FEED_KINDS);
    const after = await this.repo.countRows(orgId);
    const rowsRemoved = Object.fromEntries(
      (Object.keys(before) as StoreTableName[]).map((t) => [t, before[t] - after[t]]),
    );
    return {
      importsRemoved: outcomes.filter((o) => o.outcome === 'REMOVED').length,
      importsCancelled: outcomes.filter((o) => o.outcome !== 'REMOVED').length,
      rowsRemoved,
    };
  }

  async page(orgId: string, table: string, q: TablePageQuery): Promise<TablePageDto> {
    if (!Object.hasOwn(STORE_TABLES, table)) {
      throw StoreMonitoringErrors.unknownTable(table, Object.keys(STORE_TABLES));
    }
    const page = q.page ?? 1;
    const pageSize = q.pageSize ?? 100;
    const { rows, total } = await this.repo.pageOfTable(orgId, table as StoreTableName, pageSize, (page - 1) * pageSize);
    return { table, page, pageSize, total, rows };
  }

  async trigger(orgId: string, now?: string): Promise<TriggerReportResponseDto> {
    const reportId = randomUUID();
    await this.repo.insertReport(reportId, orgId, now ? new Date(now) : null);
    try {
      await this.producer.enqueueReport(reportId);
    } catch (err) {
      this.logger.error({ err, reportId }, `Report ${reportId} could not be queued`);
      await this.repo.fail(reportId, 'The job queue (Redis) was unavailable; trigger the report again');
      throw StoreMonitoringErrors.queueUnavailable(reportId);
    }
    return { reportId };
  }

  async get(orgId: string, id: string): Promise<ReportResponseDto> {
    return this.toResponse(await this.findReport(orgId, id));
  }

  async csv(orgId: string, id: string): Promise<string> {
    const report = await this.findReport(orgId, id);
    if (report.status !== 'COMPLETE' || report.csv === null) {
      throw StoreMonitoringErrors.reportNotReady(id, report.status === 'FAILED' ? 'Failed' : 'Running');
    }
    return report.csv;
  }

  /** A report id that is not a uuid cannot exist: 404 like any unknown id. */
  private async findReport(orgId: string, id: string): Promise<ReportRow> {
    const report = isUUID(id) ? await this.repo.findReport(orgId, id) : null;
    if (!report) {
      throw StoreMonitoringErrors.reportNotFound(id);
    }
    return report;
  }

  private toResponse(r: ReportRow): ReportResponseDto {
    const common = { reportId: r.id, now: r.reportNow?.toISOString() ?? r.requestedNow?.toISOString() ?? null, createdAt: r.createdAt.toISOString() };
    if (r.status === 'COMPLETE') {
      return { ...common, status: 'Complete', csv: r.csv ?? '', downloadUrl: `/api/v1/store-monitoring/reports/${r.id}/download`, metrics: r.metrics };
    }
    if (r.status === 'FAILED') {
      return { ...common, status: 'Failed', error: r.error ?? 'unknown error' };
    }
    return {
      ...common,
      status: 'Running',
      progress: {
        phase: r.phase ?? 'queued', storesDone: r.storesDone, storesTotal: r.storesTotal ?? 0, pollsDone: r.pollsDone, pollsTotal: r.pollsTotal ?? 0,
      },
    };
  }
}
