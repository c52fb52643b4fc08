import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '@common/errors';
import { Metrics } from '@common/metrics/metrics.service';
import { dropImportPartitions, partitionName, publishLockKey, Sql } from '@libs/ingest';
import { DeleteImportResponseDto } from './dto/import-response.dto';
import { ImportEntity, TERMINAL_STATUSES } from './entities/import.entity';
import { IngestionErrors } from './ingestion.errors';
import { IngestionRepository } from './ingestion.repository';
import { IngestionProducer } from './jobs/ingestion.producer';
import { KindRegistry } from './kind.registry';
import { UploadReceiver } from './upload-receiver';
import { DataVersions } from '@common/cache/data-versions';

/**
 * Deleting imports. A queued import is cancelled, a running one asked to stop. An ended one is
 * removed in two steps: first hidden (one transaction: `deleted_at` set and the organization's
 * data version bumped, so no answer includes its rows from then on), then its partitions are
 * detached concurrently and dropped and its row deleted, in the background (a job, and the
 * sweeper for whatever a crash left), because a detach waits for transactions already reading
 * the parent table, which other organizations' queries may hold.
 */
@Injectable()
export class ImportRemovalService {
  private readonly logger = new Logger(ImportRemovalService.name);

  constructor(
    private readonly repo: IngestionRepository,
    private readonly registry: KindRegistry,
    private readonly receiver: UploadReceiver,
    private readonly producer: IngestionProducer,
    private readonly dataSource: DataSource,
    private readonly dataVersions: DataVersions,
    private readonly metrics: Metrics,
  ) {}

  /** Cancels a queued or running import; for an ended one removes it and exactly its rows. */
  async remove(orgId: string, id: string): Promise<DeleteImportResponseDto> {
    const imp = await this.findOrThrow(orgId, id);
    if (imp.status === 'QUEUED') {
      await this.producer.removeWaiting(id);
      if (await this.repo.cancelIfQueued(orgId, id)) {
        this.metrics.importEnded(imp.kind, 'cancelled');
        await this.receiver.discard(imp.filePath);
        return { importId: id, outcome: 'CANCELLED', rowsRemoved: 0 };
      }
    }
    if (!TERMINAL_STATUSES.includes(imp.status) && (await this.repo.requestCancel(orgId, id))) {
      return { importId: id, outcome: 'CANCEL_REQUESTED', rowsRemoved: 0 };
    }
    // It ended meanwhile (published, failed or was cancelled): remove it and its rows.
    const current = await this.findOrThrow(orgId, id);
    if (!TERMINAL_STATUSES.includes(current.status)) {
      return { importId: id, outcome: 'CANCEL_REQUESTED', rowsRemoved: 0 };
    }
    const rowsRemoved = await this.hide(current);
    return { importId: id, outcome: 'REMOVED', rowsRemoved };
  }

  /** remove() for every import of the given kinds in the organization, oldest first. */
  async removeAllOfKinds(orgId: string, kinds: string[]): Promise<DeleteImportResponseDto[]> {
    const outcomes: DeleteImportResponseDto[] = [];
    for (const id of await this.repo.listIdsOfKinds(orgId, kinds)) {
      outcomes.push(
        await this.remove(orgId, id).catch((err: unknown) => {
          // Removed meanwhile by another request: nothing left to do for it.
          if (err instanceof AppError && err.status === HttpStatus.NOT_FOUND) {
            return { importId: id, outcome: 'REMOVED' as const, rowsRemoved: 0 };
          }
          throw err;
        }),
      );
    }
    return outcomes;
  }

  /**
   * The second step: detaches and drops the import's partitions, deletes its row and files.
   * Idempotent (the job, a retry and the sweeper may all get here).
   */
  async purge(imp: Pick<ImportEntity, 'id' | 'kind' | 'rejectsPath' | 'filePath'>): Promise<void> {
    const kind = this.registry.get(imp.kind);
    // Each statement on its own (DETACH … CONCURRENTLY cannot run inside a transaction), all on one
    // connection (the removal holds a session lock).
    const session = this.dataSource.createQueryRunner();
    await session.connect();
    try {
      const sql: Sql = async <T>(text: string, params?: unknown[]) => (await session.query(text, params)) as T[];
      await dropImportPartitions(sql, [kind.table, ...(kind.rollupTables ?? [])], imp.id);
    } finally {
      await session.release();
    }
    await this.dataSource.query('DELETE FROM imports WHERE id = $1', [imp.id]);
    await this.receiver.discard(imp.rejectsPath);
    await this.receiver.discard(imp.filePath);
  }

  /** The first step; answers the rows that left the answers. */
  private async hide(imp: ImportEntity): Promise<number> {
    const isPublished = imp.status === 'COMPLETED';
    const kind = this.registry.get(imp.kind);
    let version: string | undefined;
    await this.dataSource.transaction(async (em) => {
      if (isPublished) {
        // The publish lock of the kind and organization: an import publishing now has read the
        // organization's imports to reject keys they hold; hiding one of them under it would let
        // those rows vanish with it. So a delete waits for such a publish, and the next sees it gone.
        await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [publishLockKey(kind.table, imp.orgId)]);
      }
      const locked = await em.query<Array<{ status: string }>>(`SELECT status FROM imports WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL FOR UPDATE`, [imp.id, imp.orgId]);
      if (locked.length === 0) {
        return;
      }
      if (isPublished && kind.onHide) {
        const sql: Sql = async <T>(text: string, params?: unknown[]) => await em.query<T[]>(text, params);
        await kind.onHide(sql, { orgId: imp.orgId, importId: imp.id, partition: partitionName(kind.table, imp.id) });
      }
      // Its Idempotency-Key is free again at once (the row stays until the purge).
      await em.query(`UPDATE imports SET deleted_at = now(), updated_at = now(), idempotency_key = NULL WHERE id = $1`, [imp.id]);
      if (isPublished) {
        const [bumped] = await em.query<unknown[]>(`UPDATE organizations SET data_version = data_version + 1 WHERE id = $1 RETURNING data_version::text`, [imp.orgId]);
        const rows = (Array.isArray(bumped) ? bumped : [bumped]) as Array<{ data_version: string }>;
        version = rows[0]?.data_version;
        // Before the commit (see DataVersions), and again once it is committed.
        if (version) await this.dataVersions.announce(imp.orgId, version);
      }
    });
    if (version) await this.dataVersions.announce(imp.orgId, version);
    if (!isPublished) {
      // Nothing was loaded: no partition to detach.
      await this.purge(imp);
    } else {
      await this.producer.enqueuePurge(imp.id).catch((err: unknown) => {
        // The sweeper finishes it if the queue is down.
        this.logger.warn({ err, importId: imp.id }, `Import ${imp.id} is hidden; its tables will be dropped by the sweeper`);
      });
    }
    return isPublished ? imp.rowsLoaded : 0;
  }

  private async findOrThrow(orgId: string, id: string): Promise<ImportEntity> {
    const imp = await this.repo.findForOrg(orgId, id);
    if (!imp) {
      throw IngestionErrors.importNotFound(id);
    }
    return imp;
  }
}
