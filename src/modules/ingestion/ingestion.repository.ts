import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, IsNull, Repository } from 'typeorm';
import { modifiedRows } from '@common/modified-rows';
import type { InputFormat } from '@libs/ingest';
import { ImportEntity, ImportMetrics, ImportStatus } from './entities/import.entity';

export interface NewImport {
  id: string;
  orgId: string;
  kind: string;
  format: InputFormat;
  fileName: string;
  filePath: string;
  sizeBytes: number;
  sha256: string;
  idempotencyKey: string | null;
  rejectThreshold: number;
}

export interface ImportProgress {
  bytesRead: number;
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  rejectsByReason: Record<string, number>;
}

/** What an organization holds against its quotas, and its own quotas. */
export interface Usage {
  active: number;
  storedBytes: number;
  quotas: { maxStoredBytes?: number; maxActiveImports?: number } | null;
}

/** Why an import ended without loading: a message, and for a failure its code and where. */
export interface ImportEnding {
  message: string | null;
  code?: string | null;
  details?: Record<string, unknown> | null;
}

export interface ImportListFilter {
  status?: ImportStatus;
  kind?: string;
  limit: number;
  offset: number;
}

@Injectable()
export class IngestionRepository {
  constructor(@InjectRepository(ImportEntity) private readonly imports: Repository<ImportEntity>) {}

  /** An import's place among its organization's queued and running imports (1: none ahead). */
  async queueRank(importId: string): Promise<number> {
    const [row] = await this.imports.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM imports
       WHERE org_id = (SELECT org_id FROM imports WHERE id = $1) AND status IN ('QUEUED', 'PROCESSING') AND deleted_at IS NULL AND id <> $1`,
      [importId],
    );
    return (row?.n ?? 0) + 1;
  }

  /** What an organization holds against its quotas: imports queued or running, bytes of imports kept; and its own quotas. */
  async usage(orgId: string, manager: EntityManager = this.imports.manager): Promise<Usage> {
    const [row] = await manager.query<Array<{ active: number; stored: string; quotas: Usage['quotas'] }>>(
      `SELECT
         (SELECT count(*)::int FROM imports WHERE org_id = $1 AND status IN ('QUEUED', 'PROCESSING') AND deleted_at IS NULL) AS active,
         (SELECT coalesce(sum(size_bytes), 0)::bigint FROM imports WHERE org_id = $1 AND status IN ('QUEUED', 'PROCESSING', 'COMPLETED') AND deleted_at IS NULL) AS stored,
         (SELECT quotas FROM organizations WHERE id = $1) AS quotas`,
      [orgId],
    );
    return { active: row.active, storedBytes: Number(row.stored), quotas: row.quotas };
  }

  /**
   * Inserts the import if `check` passes on the organization's usage, one upload of an
   * organization at a time (a transaction-scoped advisory lock): simultaneous uploads each read
   * the usage before any had inserted, and all got past the quota.
   */
  async insertWithinQuotas(row: NewImport, check: (usage: Usage) => void): Promise<ImportEntity> {
    await this.imports.manager.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('import-quota:' || $1, 0))`, [row.orgId]);
      check(await this.usage(row.orgId, m));
      await m.insert(ImportEntity, { ...row, status: 'QUEUED' });
    });
    return (await this.findById(row.id))!;
  }

  findById(id: string): Promise<ImportEntity | null> {
    return this.imports.findOne({ where: { id } });
  }

  /** An import of the organization (one being deleted is gone already). */
  findForOrg(orgId: string, id: string): Promise<ImportEntity | null> {
    return this.imports.findOne({ where: { orgId, id, deletedAt: IsNull() } });
  }

  findByIdempotencyKey(orgId: string, idempotencyKey: string): Promise<ImportEntity | null> {
    return this.imports.findOne({ where: { orgId, idempotencyKey, deletedAt: IsNull() } });
  }

  listForOrg(orgId: string, f: ImportListFilter): Promise<[ImportEntity[], number]> {
    return this.imports.findAndCount({
      where: { orgId, deletedAt: IsNull(), ...(f.status ? { status: f.status } : {}), ...(f.kind ? { kind: f.kind } : {}) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: f.limit,
      skip: f.offset,
    });
  }

  async listIdsOfKinds(orgId: string, kinds: string[]): Promise<string[]> {
    const rows = await this.imports.find({ select: { id: true }, where: { orgId, kind: In(kinds), deletedAt: IsNull() }, order: { createdAt: 'ASC' } });
    return rows.map((r) => r.id);
  }

  /** Takes the import for a (re)run: only from QUEUED or a PROCESSING left by a dead worker. */
  async claim(id: string): Promise<ImportEntity | null> {
    const rows = await this.updateReturning<{ id: string }>(
      `UPDATE imports SET status = 'PROCESSING', attempts = attempts + 1, started_at = now(), updated_at = now(),
         bytes_read = 0, rows_read = 0, rows_loaded = 0, rows_rejected = 0, rejects_by_reason = '{}', error = NULL,
         error_code = NULL, error_details = NULL
       WHERE id = $1 AND status IN ('QUEUED', 'PROCESSING') AND deleted_at IS NULL RETURNING id`,
      [id],
    );
    return rows.length ? this.findById(id) : null;
  }

  /** Saves live progress; answers whether a cancel was requested meanwhile. */
  async saveProgress(id: string, p: ImportProgress): Promise<boolean> {
    const rows = await this.updateReturning<{ cancel: boolean }>(
      `UPDATE imports SET bytes_read = $2, rows_read = $3, rows_loaded = $4, rows_rejected = $5,
         rejects_by_reason = $6, updated_at = now()
       WHERE id = $1 RETURNING cancel_requested_at IS NOT NULL AS cancel`,
      [id, p.bytesRead, p.rowsRead, p.rowsLoaded, p.rowsRejected, JSON.stringify(p.rejectsByReason)],
    );
    return rows[0]?.cancel ?? false;
  }

  /** Ends a run that loaded nothing (failed or cancelled). */
  async finishUnloaded(id: string, status: 'FAILED' | 'CANCELLED', ending: ImportEnding, p?: ImportProgress, metrics?: ImportMetrics): Promise<void> {
    await this.imports.query(
      `UPDATE imports SET status = $2, error = $3, error_code = $4, error_details = $5::jsonb, finished_at = now(), updated_at = now(), rows_loaded = 0,
         rows_read = COALESCE($6, rows_read), rows_rejected = COALESCE($7, rows_rejected),
         rejects_by_reason = COALESCE($8::jsonb, rejects_by_reason), bytes_read = COALESCE($9, bytes_read),
         metrics = COALESCE($10::jsonb, metrics)
       WHERE id = $1 AND status IN ('QUEUED', 'PROCESSING')`,
      [
        id,
        status,
        ending.message,
        ending.code ?? null,
        ending.details ? JSON.stringify(ending.details) : null,
        p?.rowsRead ?? null,
        p?.rowsRejected ?? null,
        p ? JSON.stringify(p.rejectsByReason) : null,
        p?.bytesRead ?? null,
        metrics ? JSON.stringify(metrics) : null,
      ],
    );
  }

  /** The post-commit work of a published import is done. */
  async markIndexed(id: string): Promise<void> {
    await this.imports.query(`UPDATE imports SET indexed_at = now() WHERE id = $1 AND status = 'COMPLETED'`, [id]);
  }

  /** Published imports whose post-commit work is still to do (oldest first). */
  async listUnindexed(limit: number): Promise<ImportEntity[]> {
    return this.imports.find({ where: { status: 'COMPLETED', indexedAt: IsNull(), deletedAt: IsNull() }, order: { finishedAt: 'ASC' }, take: limit });
  }

  /** QUEUED or PROCESSING imports not updated for `olderThanMs` (their worker may be gone). */
  async listStale(olderThanMs: number, limit: number): Promise<ImportEntity[]> {
    return this.imports
      .createQueryBuilder('i')
      .where(`i.status IN ('QUEUED', 'PROCESSING') AND i.deleted_at IS NULL AND i.updated_at < now() - make_interval(secs => :secs)`, { secs: olderThanMs / 1000 })
      .orderBy('i.updated_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Imports hidden by a delete whose partitions and row are still to be removed. */
  async listDeleting(limit: number): Promise<ImportEntity[]> {
    return this.imports.createQueryBuilder('i').where('i.deleted_at IS NOT NULL').orderBy('i.deleted_at', 'ASC').limit(limit).getMany();
  }

  findDeleting(id: string): Promise<ImportEntity | null> {
    return this.imports.createQueryBuilder('i').where('i.id = :id AND i.deleted_at IS NOT NULL', { id }).getOne();
  }

  /** Which of these ids have an import row (deleted or not). */
  async existingIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) {
      return new Set();
    }
    const rows = await this.imports.find({ select: { id: true }, where: { id: In(ids) } });
    return new Set(rows.map((r) => r.id));
  }

  /** Ids of imports whose upload file may still be needed (queued or running). */
  async activeIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) {
      return new Set();
    }
    const rows = await this.imports.find({ select: { id: true }, where: { id: In(ids), status: In(['QUEUED', 'PROCESSING']), deletedAt: IsNull() } });
    return new Set(rows.map((r) => r.id));
  }

  async setRejectsPath(id: string, rejectsPath: string): Promise<void> {
    await this.imports.update({ id }, { rejectsPath });
  }

  /** QUEUED → CANCELLED in one step; false when the import has already moved on. */
  async cancelIfQueued(orgId: string, id: string): Promise<boolean> {
    const res = await this.imports.update(
      { orgId, id, status: 'QUEUED', deletedAt: IsNull() },
      { status: 'CANCELLED', finishedAt: new Date(), error: 'Cancelled before it started', updatedAt: new Date() },
    );
    return (res.affected ?? 0) > 0;
  }

  /** Flags a running import for cancellation; false when it is no longer running. */
  async requestCancel(orgId: string, id: string): Promise<boolean> {
    // Row-locks like the publish step's final UPDATE: either the flag lands first and the publish
    // sees it, or the publish commits first and this finds the import no longer PROCESSING.
    const rows = await this.updateReturning<{ id: string }>(
      `UPDATE imports SET cancel_requested_at = COALESCE(cancel_requested_at, now()), updated_at = now()
       WHERE org_id = $1 AND id = $2 AND status = 'PROCESSING' RETURNING id`,
      [orgId, id],
    );
    return rows.length > 0;
  }

  /** TypeORM answers an UPDATE … RETURNING with [rows, affected], not with the rows. */
  private updateReturning<T>(sql: string, params: unknown[]): Promise<T[]> {
    return modifiedRows<T>(this.imports, sql, params);
  }
}
