import { Injectable, Logger } from '@nestjs/common';
import { promises as fs } from 'fs';
import * as path from 'path';
import { AppConfig } from '@config/app-config';
import { Metrics } from '@common/metrics/metrics.service';
import { isUuid } from '@libs/ingest';
import { ImportRemovalService } from '../import-removal.service';
import { ImportRunner, tryLockImport } from '../import-runner.service';
import { IngestionRepository } from '../ingestion.repository';
import { UPLOADS_DIR } from '../upload-receiver';
import { IngestionProducer } from './ingestion.producer';

/** What one sweep did. */
export interface SweepReport {
  purged: number;
  indexed: number;
  /** QUEUED imports whose job was gone, queued again. */
  requeued: number;
  /** PROCESSING imports whose job ended without them (their last worker died), failed. */
  abandoned: number;
  filesRemoved: number;
}

/** Job states after which no worker will run the import (Bull answers 'stuck' for a job in no list). */
const ENDED_JOB_STATES = ['completed', 'failed', 'missing', 'stuck'];

/** Imports handled per kind of work in one sweep (the next sweep takes the rest). */
const BATCH = 20;

/**
 * Finishes what crashed workers and broken requests left behind, so nothing depends on a process
 * staying alive: imports hidden by a delete whose tables are still there; published imports
 * whose post-commit work (indexes, statistics) never ran, unless their runner is still alive (it
 * holds the import's advisory lock); imports left QUEUED or PROCESSING whose job ended or is gone
 * (after STALE_IMPORT_MS): queued again, or failed; upload files of imports that ended or never got a row
 * (after ORPHAN_FILE_AGE_MS); scratch files of imports no longer running. Runs at every worker's
 * boot and then every SWEEP_INTERVAL_MS (one sweep per interval across all workers).
 */
@Injectable()
export class IngestionSweeper {
  private readonly logger = new Logger(IngestionSweeper.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repo: IngestionRepository,
    private readonly runner: ImportRunner,
    private readonly removal: ImportRemovalService,
    private readonly producer: IngestionProducer,
    private readonly metrics: Metrics,
  ) {}

  async sweep(): Promise<SweepReport> {
    const report: SweepReport = { purged: 0, indexed: 0, requeued: 0, abandoned: 0, filesRemoved: 0 };
    for (const imp of await this.repo.listDeleting(BATCH)) {
      await this.attempt(`purge import ${imp.id}`, async () => {
        await this.removal.purge(imp);
        report.purged++;
      });
    }
    for (const imp of await this.repo.listUnindexed(BATCH)) {
      await this.attempt(`post-commit work of import ${imp.id}`, async () => {
        const client = await this.runner.connect(`post-commit ${imp.id}`);
        try {
          if ((await tryLockImport(client, imp.id)) && (await this.runner.finishPublished(client, imp))) {
            report.indexed++;
          }
        } finally {
          await client.end().catch(() => undefined);
        }
      });
    }
    for (const imp of await this.repo.listStale(this.config.STALE_IMPORT_MS, BATCH)) {
      await this.attempt(`stale import ${imp.id}`, async () => {
        const state = await this.producer.importJobState(imp.id);
        if (!ENDED_JOB_STATES.includes(state)) {
          return; // waiting, delayed or active: a worker will run it
        }
        const client = await this.runner.connect(`sweep ${imp.id}`);
        try {
          if (!(await tryLockImport(client, imp.id))) {
            return;
          }
          if (imp.status === 'QUEUED') {
            await this.producer.requeueImport(imp.id, await this.repo.queueRank(imp.id));
            report.requeued++;
          } else {
            const message = `The import's worker died and its queue job ${state === 'missing' || state === 'stuck' ? 'is gone' : `ended (${state})`} without finishing it`;
            await this.repo.finishUnloaded(imp.id, 'FAILED', { message, code: 'RETRIES_EXHAUSTED', details: { attempts: imp.attempts, jobState: state } });
            this.metrics.importEnded(imp.kind, 'failed');
            report.abandoned++;
          }
        } finally {
          await client.end().catch(() => undefined);
        }
      });
    }
    report.filesRemoved += await this.removeFiles(UPLOADS_DIR, (ids) => this.repo.activeIds(ids), this.config.ORPHAN_FILE_AGE_MS);
    report.filesRemoved += await this.removeFiles('scratch', (ids) => this.repo.activeIds(ids), 0);
    report.filesRemoved += await this.removeFiles('rejects', (ids) => this.repo.existingIds(ids), this.config.ORPHAN_FILE_AGE_MS);
    if (Object.values(report).some((n) => n > 0)) {
      this.logger.log(report, 'Sweep finished work left behind');
    }
    return report;
  }

  /**
   * Removes the files of `dir` (named `<importId>.…`) whose import `keep` does not list. A file
   * younger than `minAgeMs` is kept (its request may still be about to insert the import).
   */
  private async removeFiles(dir: string, keep: (ids: string[]) => Promise<Set<string>>, minAgeMs: number): Promise<number> {
    const folder = path.resolve(this.config.DATA_DIR, dir);
    const names = await fs.readdir(folder).catch(() => [] as string[]);
    let removed = 0;
    for (let i = 0; i < names.length; i += 500) {
      const batch = names
        .slice(i, i + 500)
        .map((name) => ({ name, id: name.slice(0, 36) }))
        .filter((f) => isUuid(f.id));
      const kept = await keep(batch.map((f) => f.id));
      for (const f of batch.filter((x) => !kept.has(x.id))) {
        const file = path.join(folder, f.name);
        const stat = await fs.stat(file).catch(() => null);
        if (stat && Date.now() - stat.mtimeMs >= minAgeMs) {
          await fs.rm(file, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  private async attempt(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.logger.warn({ err }, `Sweep: ${what} failed; the next sweep tries again`);
    }
  }
}
