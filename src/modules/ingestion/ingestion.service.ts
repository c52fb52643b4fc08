import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'crypto';
import type { Request } from 'express';
import { createReadStream, promises as fs, ReadStream } from 'fs';
import type { Readable } from 'stream';
import { AppConfig } from '@config/app-config';
import { AppError } from '@common/errors';
import { Metrics } from '@common/metrics/metrics.service';
import { ImportListResponseDto, ImportResponseDto, KindDto, PerformanceStatsDto } from './dto/import-response.dto';
import { ListImportsQuery } from './dto/list-imports.query';
import { ImportEntity } from './entities/import.entity';
import { DeclaredType, declaredType, SNIFF_BYTES, sniffUpload } from './file-sniffer';
import { IngestionErrors } from './ingestion.errors';
import { IngestionRepository, Usage } from './ingestion.repository';
import { IngestionProducer } from './jobs/ingestion.producer';
import { KindRegistry } from './kind.registry';
import { DatasetKind, INPUT_FORMATS, InputFormat } from '@libs/ingest';
import { FileLabel, ReceivedFile, UploadReceiver } from './upload-receiver';

export interface UploadOptions {
  idempotencyKey?: string;
  rejectThreshold?: string;
  /**
   * The caller's look at the whole received file before it is queued (e.g. counting its records);
   * throwing refuses the upload and the file is discarded.
   */
  inspect?(absolutePath: string, format: InputFormat): Promise<void>;
}

export interface CreatedImport {
  /** True when an earlier import with the same Idempotency-Key was returned instead. */
  isReplay: boolean;
  body: ImportResponseDto;
}

@Injectable()
export class IngestionService {
  private readonly logger = new Logger(IngestionService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repo: IngestionRepository,
    private readonly registry: KindRegistry,
    private readonly receiver: UploadReceiver,
    private readonly producer: IngestionProducer,
    private readonly metrics: Metrics,
  ) {}

  listKinds(): KindDto[] {
    return this.registry.list().map((k) => ({
      name: k.name,
      description: k.description,
      requiredColumns: k.columns.filter((c) => c.required).map((c) => c.name),
      optionalColumns: k.columns.filter((c) => !c.required).map((c) => c.name),
      columns: k.columns,
      exampleHeader: k.columns.map((c) => c.name).join(','),
      formats: [...INPUT_FORMATS],
      mediaTypes: { csv: 'text/csv', 'json-array': 'application/json', ndjson: 'application/x-ndjson' },
    }));
  }

  /** multipart/form-data with fields `kind` (before `file`), optional `rejectThreshold`, and `file`. */
  async createFromMultipart(orgId: string, req: Request, opts: UploadOptions, fixedKind?: string): Promise<CreatedImport> {
    const replay = await this.findReplay(orgId, opts.idempotencyKey);
    if (replay) {
      return replay;
    }
    // A multipart body's length counts its framing too: its file's size is checked once received.
    await this.checkQuotas(orgId, 0);
    const id = randomUUID();
    const form = await this.receiver.receiveMultipart(req, id, (head, isComplete, fields, label) => {
      // `kind` normally precedes `file`: refuse a wrong file from its first bytes, before the rest arrives.
      const kindName = fixedKind ?? fields.kind;
      if (kindName !== undefined) {
        sniffUpload(head, isComplete, this.registry.get(kindName), declaredType(label.mimeType, label.fileName));
      }
    });
    try {
      const kindName = fixedKind ?? form.fields.kind;
      if (kindName === undefined) {
        throw IngestionErrors.missingKind(this.registry.list().map((k) => k.name));
      }
      const kind = this.registry.get(kindName);
      if (!form.file) {
        throw IngestionErrors.missingFile();
      }
      const format = this.formatOf(form.file, kind);
      const threshold = this.parseThreshold(opts.rejectThreshold ?? form.fields.rejectThreshold);
      await opts.inspect?.(this.receiver.absolute(form.file.relativePath), format);
      return await this.enqueue(orgId, id, kind.name, format, form.file, threshold, opts.idempotencyKey);
    } catch (err) {
      await this.receiver.discard(form.file?.relativePath ?? null);
      throw err;
    }
  }

  /**
   * The raw body is the file (text/csv or application/octet-stream; application/json or
   * application/x-ndjson for JSON), or a stream the server generates.
   */
  async createFromRawBody(orgId: string, kindName: string, req: Readable & Partial<Pick<Request, 'headers'>>, fileName: string, opts: UploadOptions): Promise<CreatedImport> {
    const kind = this.registry.get(kindName);
    const threshold = this.parseThreshold(opts.rejectThreshold);
    const replay = await this.findReplay(orgId, opts.idempotencyKey);
    if (replay) {
      return replay;
    }
    await this.checkQuotas(orgId, declaredLength(req));
    const id = randomUUID();
    const file = await this.receiver.receiveRaw(req, id, fileName, (head, isComplete, _fields, label) =>
      sniffUpload(head, isComplete, kind, declaredType(label.mimeType, label.fileName)),
    );
    try {
      const format = this.formatOf(file, kind);
      await opts.inspect?.(this.receiver.absolute(file.relativePath), format);
      return await this.enqueue(orgId, id, kind.name, format, file, threshold, opts.idempotencyKey);
    } catch (err) {
      await this.receiver.discard(file.relativePath);
      throw err;
    }
  }

  /**
   * multipart/form-data with several files, each in a part whose name says its kind
   * (`kindsByPart`). All are checked before any is queued: one bad file refuses the request
   * (the error names its part) and nothing is kept. Returns each part's import.
   */
  async createFromParts(orgId: string, req: Request, kindsByPart: Record<string, string>): Promise<Array<{ part: string; body: ImportResponseDto }>> {
    const parts = Object.keys(kindsByPart);
    await this.checkQuotas(orgId, 0, parts.length);
    const check = (part: string, head: Buffer, isComplete: boolean, label: FileLabel) =>
      this.sniffPart(part, kindsByPart[part], head, isComplete, declaredType(label.mimeType, label.fileName));
    const received = await this.receiver.receiveFiles(req, parts, check);
    let formats: InputFormat[];
    try {
      if (received.length === 0) {
        throw IngestionErrors.noFiles(parts);
      }
      formats = received.map(({ part, file }) => check(part, file.head, file.sizeBytes <= file.head.length, file));
    } catch (err) {
      await Promise.all(received.map(({ file }) => this.receiver.discard(file.relativePath)));
      throw err;
    }
    const threshold = this.config.IMPORT_REJECT_THRESHOLD;
    const created: Array<{ part: string; body: ImportResponseDto }> = [];
    for (const [i, { part, id, file }] of received.entries()) {
      created.push({ part, body: (await this.enqueue(orgId, id, kindsByPart[part], formats[i], file, threshold)).body });
    }
    return created;
  }

  /** Checks a server-side file's first bytes as an upload of `kindName` would be (the error names `label`). */
  async checkFile(kindName: string, absolutePath: string, label: string): Promise<void> {
    const handle = await fs.open(absolutePath, 'r');
    try {
      const head = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      const { size } = await handle.stat();
      this.sniffPart(label, kindName, head.subarray(0, bytesRead), size <= bytesRead, declaredType(undefined, absolutePath));
    } finally {
      await handle.close();
    }
  }

  /** The file's format, from what the request declared and its first bytes (refused when it cannot be `kind`). */
  private formatOf(file: ReceivedFile, kind: DatasetKind): InputFormat {
    return sniffUpload(file.head, file.sizeBytes <= file.head.length, kind, declaredType(file.mimeType, file.fileName));
  }

  private sniffPart(label: string, kindName: string, head: Buffer, isComplete: boolean, declared: DeclaredType): InputFormat {
    try {
      return sniffUpload(head, isComplete, this.registry.get(kindName), declared);
    } catch (err) {
      if (err instanceof AppError) {
        throw new AppError(err.code, err.status, `${label}: ${err.message}`, { ...err.details, file: label });
      }
      throw err;
    }
  }

  async get(orgId: string, id: string): Promise<ImportResponseDto> {
    return this.toResponse(await this.findOrThrow(orgId, id));
  }

  async list(orgId: string, q: ListImportsQuery): Promise<ImportListResponseDto> {
    const [rows, total] = await this.repo.listForOrg(orgId, {
      status: q.status,
      kind: q.kind,
      limit: q.pageSize,
      offset: (q.page - 1) * q.pageSize,
    });
    return {
      data: rows.map((r) => this.toResponse(r)),
      page: q.page,
      pageSize: q.pageSize,
      total,
      totalPages: Math.ceil(total / q.pageSize),
    };
  }

  async performanceStats(orgId: string, id: string): Promise<PerformanceStatsDto> {
    const imp = await this.findOrThrow(orgId, id);
    return {
      importId: imp.id,
      status: imp.status,
      executionTimeMs: imp.metrics?.executionTimeMs ?? null,
      peakRssMb: imp.metrics?.peakRssMb ?? null,
      rowsProcessed: imp.rowsRead,
      rowsLoaded: imp.rowsLoaded,
      rowsRejected: imp.rowsRejected,
      processingRateRowsPerSec: imp.metrics?.processingRateRowsPerSec ?? null,
      rejectsByReason: imp.rejectsByReason,
    };
  }

  async openRejects(orgId: string, id: string): Promise<{ stream: ReadStream; fileName: string }> {
    const imp = await this.findOrThrow(orgId, id);
    if (!imp.rejectsPath || imp.status === 'PROCESSING' || imp.status === 'QUEUED') {
      throw IngestionErrors.noRejects(id);
    }
    const file = this.receiver.absolute(imp.rejectsPath);
    try {
      await fs.access(file);
    } catch {
      throw IngestionErrors.noRejects(id);
    }
    return { stream: createReadStream(file), fileName: `rejects-${id}.csv` };
  }

  toResponse(imp: ImportEntity): ImportResponseDto {
    const elapsedMs = imp.startedAt ? (imp.finishedAt ?? new Date()).getTime() - imp.startedAt.getTime() : 0;
    const percent = imp.sizeBytes > 0 ? Math.min(100, Math.round((imp.bytesRead / imp.sizeBytes) * 1000) / 10) : 0;
    const isRunning = imp.status === 'PROCESSING';
    const etaMs = isRunning && imp.bytesRead > 0 ? Math.round(elapsedMs * (imp.sizeBytes / imp.bytesRead - 1)) : isRunning ? null : 0;
    const base = `/api/v1/imports/${imp.id}`;
    return {
      importId: imp.id,
      kind: imp.kind,
      format: imp.format,
      status: imp.status,
      fileName: imp.fileName,
      sizeBytes: imp.sizeBytes,
      sha256: imp.sha256,
      rejectThreshold: imp.rejectThreshold,
      progress: {
        percent: imp.status === 'COMPLETED' ? 100 : percent,
        bytesRead: imp.bytesRead,
        rowsRead: imp.rowsRead,
        rowsLoaded: imp.rowsLoaded,
        rowsRejected: imp.rowsRejected,
        rowsPerSec: elapsedMs > 0 ? Math.round(imp.rowsRead / (elapsedMs / 1000)) : 0,
        elapsedMs,
        etaMs,
      },
      rejectsByReason: imp.rejectsByReason,
      warningsByReason: imp.warningsByReason ?? {},
      rowsReplaced: imp.rowsReplaced,
      metrics: imp.metrics,
      error: imp.error,
      errorCode: imp.errorCode,
      errorDetails: imp.errorDetails,
      indexedAt: imp.indexedAt?.toISOString() ?? null,
      attempts: imp.attempts,
      cancelRequested: imp.cancelRequestedAt !== null,
      idempotencyKey: imp.idempotencyKey,
      createdAt: imp.createdAt.toISOString(),
      startedAt: imp.startedAt?.toISOString() ?? null,
      finishedAt: imp.finishedAt?.toISOString() ?? null,
      links: { self: base, events: `${base}/events`, rejects: `${base}/rejects` },
    };
  }

  async findOrThrow(orgId: string, id: string): Promise<ImportEntity> {
    const imp = await this.repo.findForOrg(orgId, id);
    if (!imp) {
      throw IngestionErrors.importNotFound(id);
    }
    return imp;
  }

  private async findReplay(orgId: string, key: string | undefined): Promise<CreatedImport | null> {
    if (!key) {
      return null;
    }
    const earlier = await this.repo.findByIdempotencyKey(orgId, key);
    return earlier ? { isReplay: true, body: this.toResponse(earlier) } : null;
  }

  /**
   * The organization's quotas: imports queued or running (429 QUOTA_ACTIVE_IMPORTS) and bytes of
   * imports kept (413 QUOTA_STORED_BYTES), checked before a byte is received (with the declared
   * length, when there is one) and again with the received file's size before it is queued.
   */
  private async checkQuotas(orgId: string, incomingBytes: number, newImports = 1): Promise<void> {
    this.withinQuotas(await this.repo.usage(orgId), incomingBytes, newImports);
  }

  private withinQuotas({ active, storedBytes, quotas }: Usage, incomingBytes: number, newImports = 1): void {
    const maxActive = quotas?.maxActiveImports ?? this.config.ORG_MAX_ACTIVE_IMPORTS;
    const maxStored = quotas?.maxStoredBytes ?? this.config.ORG_MAX_STORED_BYTES;
    if (active + newImports > maxActive) {
      throw IngestionErrors.activeImportsQuota(active, maxActive);
    }
    if (storedBytes + incomingBytes > maxStored || (incomingBytes === 0 && storedBytes >= maxStored)) {
      throw IngestionErrors.storedBytesQuota(storedBytes, incomingBytes, maxStored);
    }
  }

  private async enqueue(
    orgId: string,
    id: string,
    kind: string,
    format: InputFormat,
    file: ReceivedFile,
    rejectThreshold: number,
    idempotencyKey?: string,
  ): Promise<CreatedImport> {
    let imp: ImportEntity;
    try {
      // The quotas again, now with the file's size, checked and taken in one step.
      imp = await this.repo.insertWithinQuotas(
        {
          id,
          orgId,
          kind,
          format,
          fileName: file.fileName,
          filePath: file.relativePath,
          sizeBytes: file.sizeBytes,
          sha256: file.sha256,
          idempotencyKey: idempotencyKey ?? null,
          rejectThreshold,
        },
        (usage) => this.withinQuotas(usage, file.sizeBytes),
      );
    } catch (err) {
      // A concurrent request with the same Idempotency-Key won the race: answer with its import.
      const replay = (err as { code?: string }).code === '23505' ? await this.findReplay(orgId, idempotencyKey) : null;
      if (replay) {
        await this.receiver.discard(file.relativePath);
        return replay;
      }
      throw err;
    }
    try {
      await this.producer.enqueueImport(id, await this.repo.queueRank(id));
    } catch (err) {
      // No job means no worker will ever take it: fail it now rather than leave it QUEUED.
      this.logger.error({ err, importId: id }, `Import ${id} could not be queued`);
      await this.repo.finishUnloaded(id, 'FAILED', { message: 'The job queue (Redis) was unavailable; upload again' });
      this.metrics.importEnded(kind, 'failed');
      await this.receiver.discard(file.relativePath);
      throw IngestionErrors.queueUnavailable(id);
    }
    this.logger.log({ importId: id, kind, sizeBytes: file.sizeBytes }, `Import ${id} queued`);
    return { isReplay: false, body: this.toResponse(imp) };
  }

  private parseThreshold(raw: string | undefined): number {
    if (raw === undefined || raw === '') {
      return this.config.IMPORT_REJECT_THRESHOLD;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw IngestionErrors.invalidThreshold(raw);
    }
    return value;
  }
}

/** The body's declared length (0 when chunked or unknown): a quota can refuse a large upload before it arrives. */
function declaredLength(req: Partial<Pick<Request, 'headers'>>): number {
  const n = Number(req.headers?.['content-length']);
  return Number.isFinite(n) && n > 0 ? n : 0;
}
