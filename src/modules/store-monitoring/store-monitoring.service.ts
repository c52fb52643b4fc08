import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { Request } from 'express';
import { createReadStream, promises as fs } from 'fs';
import * as path from 'path';
import { AppConfig } from '@config/app-config';
import { ImportRemovalService } from '@modules/ingestion/import-removal.service';
import { IngestionService } from '@modules/ingestion/ingestion.service';
import { ClearDataResponseDto, LoadDataResponseDto, ReportResponseDto, storeReportDownloadUrl, TablePageDto, TablePageQuery } from './dto/store-monitoring.dto';
import { StoreMonitoringErrors } from './store-monitoring.errors';
import { LegacyReportRow, STORE_TABLES, StoreMonitoringRepository, StoreTableName } from './store-monitoring.repository';

/** The three feeds: multipart part name (and file name in STORE_DATA_DIR) → import kind. */
export const FEEDS: Record<string, string> = { store_status: 'store-status', menu_hours: 'business-hours', timezones: 'timezones' };
const FEED_KINDS = Object.values(FEEDS);
const LEGACY_UNFINISHED = 'This report was started before store reports moved to the reports engine and its job will not run any more; trigger it again';

@Injectable()
export class StoreMonitoringService {
  constructor(
    private readonly config: AppConfig,
    private readonly ingestion: IngestionService,
    private readonly removal: ImportRemovalService,
    private readonly repo: StoreMonitoringRepository,
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
      if (
        await fs.stat(file).then(
          (s) => s.isFile(),
          () => false,
        )
      ) {
        present.push({ part, file });
      }
    }
    if (present.length === 0) {
      throw StoreMonitoringErrors.directoryEmpty(
        dir,
        Object.keys(FEEDS).map((p) => `${p}.csv`),
      );
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
    const rowsRemoved = Object.fromEntries((Object.keys(before) as StoreTableName[]).map((t) => [t, before[t] - after[t]]));
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

  /**
   * A report made before store reports moved to the reports engine (table store_reports), as
   * get_report shows it; null when there is none.
   */
  async findLegacyReport(orgId: string, id: string): Promise<ReportResponseDto | null> {
    const report = isUUID(id) ? await this.repo.findLegacyReport(orgId, id) : null;
    return report && toLegacyResponse(report);
  }

  /** The CSV of such a report: 404 when there is none, 409 unless it is Complete. */
  async legacyCsv(orgId: string, id: string): Promise<string> {
    const report = await this.findLegacyReport(orgId, id);
    if (!report) throw StoreMonitoringErrors.reportNotFound(id);
    if (report.status !== 'Complete') throw StoreMonitoringErrors.reportNotReady(id, report.status);
    return report.csv ?? '';
  }
}

function toLegacyResponse(r: LegacyReportRow): ReportResponseDto {
  const common = { reportId: r.id, now: r.reportNow?.toISOString() ?? r.requestedNow?.toISOString() ?? null, createdAt: r.createdAt.toISOString() };
  if (r.status === 'COMPLETE') {
    return { ...common, status: 'Complete', csv: r.csv ?? '', downloadUrl: storeReportDownloadUrl(r.id), metrics: r.metrics };
  }
  // Its job was in the store-reports queue, which no worker reads any more.
  const error = r.status === 'FAILED' ? (r.error ?? 'unknown error') : LEGACY_UNFINISHED;
  return { ...common, status: 'Failed', error };
}
