import { Injectable, Logger } from '@nestjs/common';
import { createReadStream, promises as fs, ReadStream } from 'fs';
import { KINDS } from '@app/kinds.registry';
import { AppConfig } from '@config/app-config';
import { ScopeErrors } from '@common/analytics-scope/analytics-scope.service';
import { CONTENT_TYPES } from '@libs/export';
import type { AuthContext } from '@modules/auth/auth.context';
import { CreateReportDto, ListReportsQuery, ReportCreatedDto, ReportDto, ReportListDto, ReportSourceDto } from './dto/report.dto';
import { ReportsProducer } from './jobs/reports.producer';
import { reportFilePath } from './report-runner';
import { ReportSource, ReportSources } from './report-sources';
import { ReportErrors } from './reports.errors';
import { ReportRow, ReportsRepository } from './reports.repository';

@Injectable()
export class ReportsService {
  private readonly logger = new Logger(ReportsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repo: ReportsRepository,
    private readonly sources: ReportSources,
    private readonly producer: ReportsProducer,
  ) {}

  listSources(): ReportSourceDto[] {
    return this.sources.list().map((s) => ({ name: s.name, domain: s.domain, type: s.type, description: s.description, params: this.sources.params(s) }));
  }

  /** Checks the source and its parameters (400 naming each problem), stores the report QUEUED and enqueues it. */
  async create(auth: AuthContext, body: CreateReportDto): Promise<ReportCreatedDto> {
    const { source, params } = await this.checked(auth, body.source, body.params ?? {});
    const row = await this.repo.create({
      orgId: auth.orgId,
      name: body.name ?? null,
      source: source.name,
      params,
      format: body.format,
      requestedBy: auth.actorId,
      role: auth.role,
    });
    try {
      await this.producer.enqueue(row.id);
    } catch (err) {
      this.logger.error({ err, reportId: row.id }, `Report ${row.id} could not be queued`);
      await this.repo.fail(row.id, 'The job queue (Redis) was unavailable; create the report again');
      throw ReportErrors.queueUnavailable(row.id);
    }
    return { reportId: row.id, status: row.status };
  }

  /**
   * A source and parameters as a report will run them: 400 naming each problem; windows of rows
   * sources stored as the instants Postgres will read. Templates are checked the same way.
   */
  async checked(auth: Pick<AuthContext, 'orgId'>, sourceName: string, given: Record<string, unknown>): Promise<{ source: ReportSource; params: Record<string, unknown> }> {
    const source = this.sources.get(sourceName);
    const params = { ...given };
    await this.sources.validate(source, params);
    if (source.type === 'rows') {
      // Stored as the instants Postgres will read (a number or a week date passes ISO 8601 checks).
      for (const field of ['from', 'to'] as const) {
        if (params[field] === undefined) continue;
        const ms = typeof params[field] === 'string' ? Date.parse(params[field]) : NaN;
        if (Number.isNaN(ms)) throw ReportErrors.invalidParams(source.name, [`${field} must be an ISO 8601 date-time text`]);
        params[field] = new Date(ms).toISOString();
      }
      const kind = KINDS.find((k) => k.name === source.kind)!;
      if (!kind.windowColumn && (params.from !== undefined || params.to !== undefined)) throw ReportErrors.noWindow(kind.name);
      const importId = params.importId as string | undefined;
      if (importId && !(await this.repo.publishedImports(auth.orgId, kind.name)).some((i) => i.id === importId.toLowerCase())) {
        throw ScopeErrors.unknownImport(importId, kind.name);
      }
    }
    return { source, params };
  }

  async get(orgId: string, id: string): Promise<ReportDto> {
    const row = await this.repo.get(orgId, id);
    if (!row) throw ReportErrors.notFound(id);
    return toDto(row);
  }

  async list(orgId: string, q: ListReportsQuery): Promise<ReportListDto> {
    const { rows, total } = await this.repo.list(orgId, q);
    return { data: rows.map(toDto), page: q.page, pageSize: q.pageSize, total };
  }

  /** The file of a COMPLETED report, streamed, with its content type and download name. */
  async openFile(orgId: string, id: string): Promise<{ stream: ReadStream; contentType: string; fileName: string; bytes: number }> {
    const row = await this.repo.get(orgId, id);
    if (!row) throw ReportErrors.notFound(id);
    if (row.status === 'EXPIRED') throw ReportErrors.expired(id, this.config.REPORT_RETENTION_DAYS);
    if (row.status !== 'COMPLETED') throw ReportErrors.notReady(id, row.status);
    const file = reportFilePath(this.config.DATA_DIR, row);
    const stat = await fs.stat(file).catch(() => null);
    if (!stat) throw ReportErrors.fileGone(id);
    return { stream: createReadStream(file), contentType: CONTENT_TYPES[row.format], fileName: downloadName(row), bytes: stat.size };
  }

  /** Removes the report and its file (a running one stops at its end and removes what it wrote). */
  async remove(orgId: string, id: string): Promise<ReportDto> {
    const row = await this.repo.remove(orgId, id);
    if (!row) throw ReportErrors.notFound(id);
    await fs.rm(reportFilePath(this.config.DATA_DIR, row), { force: true });
    return toDto(row);
  }
}

function toDto(r: ReportRow): ReportDto {
  return {
    id: r.id,
    name: r.name,
    source: r.source,
    params: r.params,
    format: r.format,
    status: r.status,
    progress: r.progress,
    rows: r.rows === null ? null : Number(r.rows),
    bytes: r.bytes === null ? null : Number(r.bytes),
    dataVersion: r.data_version,
    error: r.error,
    downloadUrl: r.status === 'COMPLETED' ? `/api/v1/reports/${r.id}/download` : null,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    expiredAt: r.expired_at?.toISOString() ?? null,
    details: r.details ?? null,
  };
}

/** `<name or source>-<created date>.<format>`, safe in a Content-Disposition header. */
export function downloadName(r: ReportRow): string {
  const base = (r.name ?? r.source).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'report';
  return `${base}-${r.created_at.toISOString().slice(0, 10)}.${r.format}`;
}
