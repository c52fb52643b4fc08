import { Injectable, Logger } from '@nestjs/common';
import { promises as fs } from 'fs';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as path from 'path';
import { Client } from 'pg';
import { AppConfig } from '@config/app-config';
import { asDeterministicFailure, DatasetKind, finishPublishedPartitions, importBudget, loadAndPublish, LoadCounters, RejectsWriter, Sql } from '@libs/ingest';
import { ImportEntity, ImportMetrics } from './entities/import.entity';
import { ImportAbort } from './ingestion.errors';
import { IngestionRepository, ImportProgress } from './ingestion.repository';
import { KindRegistry } from './kind.registry';
import { DataVersions } from '@common/cache/data-versions';
import { WorkerDrain } from '@common/lifecycle/worker-drain';
import { ImportOutcome, Metrics } from '@common/metrics/metrics.service';

export interface RunOutcome {
  importId: string;
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'SKIPPED';
  rowsLoaded?: number;
  rowsRejected?: number;
}

/**
 * Samples the process RSS so the import can report its peak, and the event-loop delay: Bull renews
 * the job lock from a timer, so a long stall would let the lock lapse mid-load.
 */
class RunSampler {
  peakBytes = process.memoryUsage.rss();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  private readonly timer = setInterval(() => {
    this.peakBytes = Math.max(this.peakBytes, process.memoryUsage.rss());
  }, 100);

  constructor() {
    this.loopDelay.enable();
  }

  peakRssMb(): number {
    return Math.round((Math.max(this.peakBytes, process.memoryUsage.rss()) / 1048576) * 10) / 10;
  }

  maxEventLoopDelayMs(): number {
    return Math.round(this.loopDelay.max / 1e6);
  }

  stop(): void {
    clearInterval(this.timer);
    this.loopDelay.disable();
  }
}

/**
 * Runs one import job: claims the import, loads and publishes it in one transaction on its own
 * connection (libs/ingest loadAndPublish), then does the post-commit work (indexes, statistics)
 * and records that it is done. Failures are classified: a deterministic one (ImportFailure: the
 * reject threshold, a record too large, broken JSON, a limit) ends the import FAILED at once with
 * its code; anything else (a killed process, a lost connection) is thrown so Bull retries it, and
 * only the last attempt records it.
 */
@Injectable()
export class ImportRunner {
  private readonly logger = new Logger(ImportRunner.name);

  /** The data version each import's publish set, announced again once committed. */
  private readonly published = new Map<string, string>();

  constructor(
    private readonly config: AppConfig,
    private readonly repo: IngestionRepository,
    private readonly registry: KindRegistry,
    private readonly dataVersions: DataVersions,
    private readonly drain: WorkerDrain,
    private readonly metrics: Metrics,
  ) {}

  async run(importId: string, reportPercent: (pct: number) => Promise<void>, isLastAttempt: boolean): Promise<RunOutcome> {
    // The run's own connection holds an advisory lock on the import for as long as it lives: a
    // second runner (a stalled-job retry while the first worker is alive but slow, or the sweeper)
    // backs off, and a dead worker's lock vanishes with its connection.
    const client = await this.connect(`import ${importId}`);
    try {
      if (!(await tryLockImport(client, importId))) {
        this.logger.warn(`Import ${importId} is being run by another worker; this run stands down`);
        return { importId, status: 'SKIPPED' };
      }
      const current = await this.repo.findById(importId);
      if (current?.status === 'COMPLETED' && !current.indexedAt && !current.deletedAt) {
        // Published by an earlier attempt whose worker died before its post-commit work.
        await this.finishPublished(client, current);
        return { importId, status: 'COMPLETED', rowsLoaded: current.rowsLoaded, rowsRejected: current.rowsRejected };
      }
      const imp = await this.repo.claim(importId);
      if (!imp) {
        this.logger.log(`Import ${importId} is not QUEUED or PROCESSING any more; nothing to do`);
        return { importId, status: 'SKIPPED' };
      }
      const startedMs = Date.now();
      const outcome = await this.runClaimed(client, imp, reportPercent, isLastAttempt);
      if (outcome.status !== 'SKIPPED') {
        const run = { durationMs: Date.now() - startedMs, rowsLoaded: outcome.rowsLoaded ?? 0, rowsRejected: outcome.rowsRejected ?? 0 };
        this.metrics.importEnded(imp.kind, outcome.status.toLowerCase() as ImportOutcome, run);
      }
      if (outcome.status === 'COMPLETED') {
        await this.finishPublished(client, imp);
      }
      return outcome;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Post-commit work of a published import, then marks it done (see finishPublishedPartitions);
   * when a step failed it stays unmarked and the sweeper tries again. Answers whether it is done.
   */
  async finishPublished(client: Client, imp: ImportEntity): Promise<boolean> {
    const log = {
      info: (message: string) => this.logger.log(message),
      warn: (err: unknown, message: string) => this.logger.warn({ err }, message),
    };
    const isDone = await finishPublishedPartitions(client, this.registry.get(imp.kind), imp.id, log);
    if (isDone) {
      await this.repo.markIndexed(imp.id);
    }
    return isDone;
  }

  /** A connection of its own (a long transaction, an advisory lock); a drop fails the run, not the process. */
  async connect(applicationName: string): Promise<Client> {
    const client = new Client({ connectionString: this.config.DATABASE_URL, application_name: applicationName });
    client.on('error', (err) => this.logger.error({ err }, `${applicationName}: database connection lost`));
    await client.connect();
    this.drain.track(client);
    return client;
  }

  private async runClaimed(client: Client, imp: ImportEntity, reportPercent: (pct: number) => Promise<void>, isLastAttempt: boolean): Promise<RunOutcome> {
    const importId = imp.id;
    const kind = this.registry.get(imp.kind);
    const filePath = path.resolve(this.config.DATA_DIR, imp.filePath);
    const rejectsRel = path.join('rejects', `${importId}.csv`);
    const scratchDir = path.resolve(this.config.DATA_DIR, 'scratch');
    await fs.mkdir(path.resolve(this.config.DATA_DIR, 'rejects'), { recursive: true });
    await fs.mkdir(scratchDir, { recursive: true });
    const rejects = new RejectsWriter(path.resolve(this.config.DATA_DIR, rejectsRel));
    await this.repo.setRejectsPath(importId, rejectsRel);
    const counters: LoadCounters = { bytesRead: 0, rowsRead: 0, rowsLoaded: 0 };
    const progress = (): ImportProgress => ({ ...counters, rowsRejected: rejects.count, rejectsByReason: rejects.byReason });
    const sampler = new RunSampler();
    const startedMs = Date.now();
    const phasesMs: Record<string, number> = {};
    const folds: Record<string, unknown> = {};
    const metrics = (): ImportMetrics => {
      const executionTimeMs = Date.now() - startedMs;
      return {
        executionTimeMs,
        peakRssMb: sampler.peakRssMb(),
        maxEventLoopDelayMs: sampler.maxEventLoopDelayMs(),
        rowsProcessed: counters.rowsRead,
        rowsLoaded: counters.rowsLoaded,
        rowsRejected: rejects.count,
        rejectsByReason: rejects.byReason,
        processingRateRowsPerSec: Math.round(counters.rowsRead / Math.max(executionTimeMs / 1000, 0.001)),
        phasesMs,
        folds,
      };
    };
    try {
      await loadAndPublish({
        client,
        kind,
        kindsModule: KindRegistry.compiledModulePath(),
        orgId: imp.orgId,
        importId,
        file: { path: filePath, sizeBytes: imp.sizeBytes, format: imp.format },
        rejects,
        scratchPath: path.join(scratchDir, importId),
        threads: this.config.LOAD_THREADS,
        threadHeap: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: this.config.LOAD_THREAD_HEAP_MB },
        budget: importBudget(this.config.IMPORT_MEMORY_MB * 1048576, this.config.LOAD_THREADS),
        maxRecordBytes: this.config.MAX_RECORD_BYTES,
        rejectThreshold: imp.rejectThreshold,
        startedMs,
        counters,
        phasesMs,
        folds,
        onTick: async () => {
          const isCancelRequested = await this.repo.saveProgress(importId, progress());
          await reportPercent(Math.floor((counters.bytesRead / Math.max(imp.sizeBytes, 1)) * 100));
          if (isCancelRequested) {
            throw new ImportAbort('CANCELLED', 'Cancelled by request while loading');
          }
        },
        earlierImports: (sql) => this.earlierImports(sql, imp.orgId, kind, importId),
        markPublished: (sql, published) => this.markPublished(sql, imp, counters, rejects, metrics(), published.missingRollups),
      });
    } catch (err) {
      // Rolled back: what markPublished announced was never committed (readers only miss a memo).
      this.published.delete(importId);
      await rejects.close().catch(() => undefined);
      if (this.drain.isHandingBack) {
        // This process is stopping and handed the job back: the next worker runs it; nothing is recorded.
        throw err;
      }
      const failure = err instanceof ImportAbort ? null : asDeterministicFailure(err);
      if (err instanceof ImportAbort || failure || isLastAttempt) {
        const outcome = err instanceof ImportAbort ? err.outcome : 'FAILED';
        const code = err instanceof ImportAbort ? null : (failure?.code ?? 'RETRIES_EXHAUSTED');
        // Tenants see our own words: an internal error's text (SQL, paths, stack) stays in the log.
        const message =
          err instanceof ImportAbort || failure
            ? (err as Error).message
            : `The import failed on an internal error after ${imp.attempts} attempt(s); the server log has the cause under import ${importId}`;
        if (!(err instanceof ImportAbort) && !failure) {
          this.logger.error({ err, importId }, `Import ${importId} failed on an internal error`);
        } else if (failure?.internal) {
          this.logger.warn({ importId, internal: failure.internal }, `Import ${importId} ${failure.code}: ${failure.internal}`);
        }
        const details = failure?.details ?? (code === 'RETRIES_EXHAUSTED' ? { attempts: imp.attempts } : null);
        counters.rowsLoaded = 0;
        await this.repo.finishUnloaded(importId, outcome, { message, code, details }, progress(), metrics());
        await fs.rm(filePath, { force: true });
        this.logger.warn(`Import ${importId} ${outcome}${code ? ` (${code})` : ''}: ${message}`);
        return { importId, status: outcome, rowsRejected: rejects.count };
      }
      this.logger.error({ err, importId }, `Import ${importId} attempt ${imp.attempts} failed; it will be retried`);
      throw err;
    } finally {
      sampler.stop();
    }
    // Published: nothing from here on may turn the import FAILED. A rejects file that cannot be
    // closed, or an upload that cannot be removed (the sweeper removes it later), is logged.
    const version = this.published.get(importId);
    this.published.delete(importId);
    if (version) await this.dataVersions.announce(imp.orgId, version);
    await rejects.close().catch((err: unknown) => this.logger.error({ err, importId }, `Import ${importId}: its rejects file could not be completed`));
    await fs.rm(filePath, { force: true }).catch((err: unknown) => this.logger.warn({ err, importId }, `Import ${importId}: its upload could not be removed yet`));
    this.logger.log({ importId, ...metrics() }, `Import ${importId} COMPLETED`);
    return { importId, status: 'COMPLETED', rowsLoaded: counters.rowsLoaded, rowsRejected: rejects.count };
  }

  /** The organization's published (and not deleted) imports of the kind: those a new key must not repeat. */
  private async earlierImports(sql: Sql, orgId: string, kind: DatasetKind, importId: string): Promise<string[]> {
    const rows = await sql<{ id: string }>(`SELECT id FROM imports WHERE org_id = $1 AND kind = $2 AND status = 'COMPLETED' AND deleted_at IS NULL AND id <> $3`, [
      orgId,
      kind.name,
      importId,
    ]);
    return rows.map((r) => r.id);
  }

  private async markPublished(sql: Sql, imp: ImportEntity, counters: LoadCounters, rejects: RejectsWriter, metrics: ImportMetrics, missingRollups: string[]): Promise<void> {
    const marked = await sql(
      // clock_timestamp(): now() would be the start of this long transaction.
      `UPDATE imports SET status = 'COMPLETED', finished_at = clock_timestamp(), updated_at = clock_timestamp(), bytes_read = $2,
         rows_read = $3, rows_loaded = $4, rows_rejected = $5, rejects_by_reason = $6, metrics = $7, missing_rollups = $8
       WHERE id = $1 AND status = 'PROCESSING' AND cancel_requested_at IS NULL RETURNING id`,
      [imp.id, counters.bytesRead, counters.rowsRead, counters.rowsLoaded, rejects.count, JSON.stringify(rejects.byReason), JSON.stringify(metrics), missingRollups],
    );
    if (marked.length === 0) {
      throw new ImportAbort('CANCELLED', 'The import was cancelled or removed before it could publish');
    }
    const [bumped] = await sql<{ data_version: string }>('UPDATE organizations SET data_version = data_version + 1 WHERE id = $1 RETURNING data_version::text', [imp.orgId]);
    // Before the commit (see DataVersions), and again by the caller once it is committed.
    await this.dataVersions.announce(imp.orgId, bumped.data_version);
    this.published.set(imp.id, bumped.data_version);
  }
}

/** Takes the import's advisory lock for the life of `client`'s session; false when someone holds it. */
export async function tryLockImport(client: Client, importId: string): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`import:${importId}`]);
  return rows[0].ok;
}
