import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { INGESTION_MAINTENANCE_QUEUE, INGESTION_QUEUE, IngestionJob, IngestionMaintenanceJob, PurgeImportPayload, RunImportPayload } from './ingestion.jobs';

/** Bull's highest priority number (its lowest priority). */
const MAX_PRIORITY = 2_097_152;

/** The only place that enqueues ingestion work. */
@Injectable()
export class IngestionProducer {
  constructor(
    @InjectQueue(INGESTION_QUEUE) private readonly queue: Queue<RunImportPayload>,
    @InjectQueue(INGESTION_MAINTENANCE_QUEUE) private readonly maintenance: Queue<PurgeImportPayload | Record<string, never>>,
  ) {}

  /**
   * Queues an import. `rank` is its place among its organization's queued and running imports
   * (1 = none ahead of it): it is the job's priority, so the queue takes every organization's
   * first import before anyone's second, and an organization with ten big files queued delays
   * another's one file by at most the jobs already running.
   */
  async enqueueImport(importId: string, rank = 1): Promise<void> {
    // jobId = import id: enqueueing the same import twice is a no-op.
    await this.queue.add(
      IngestionJob.RunImport,
      { importId },
      {
        jobId: importId,
        priority: Math.min(Math.max(1, Math.floor(rank)), MAX_PRIORITY),
        attempts: 3,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
  }

  async enqueuePurge(importId: string): Promise<void> {
    await this.maintenance.add(
      IngestionMaintenanceJob.PurgeImport,
      { importId },
      {
        jobId: `purge:${importId}`,
        attempts: 5,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: true,
        removeOnFail: 100,
      },
    );
  }

  /** A sweep now, and then every `everyMs` (one schedule per queue, whatever the number of workers). */
  async scheduleSweeps(everyMs: number): Promise<void> {
    await this.maintenance.add(IngestionMaintenanceJob.Sweep, {}, { removeOnComplete: true, removeOnFail: 10 });
    await this.maintenance.add(IngestionMaintenanceJob.Sweep, {}, { repeat: { every: everyMs }, removeOnComplete: true, removeOnFail: 10 });
  }

  /** The state of an import's job in the queue ('missing' when the queue no longer has it). */
  async importJobState(importId: string): Promise<string> {
    const job = await this.queue.getJob(importId);
    return job ? await job.getState() : 'missing';
  }

  /** Queues an import again whose job ended or is gone (the same job id would otherwise be a no-op). */
  async requeueImport(importId: string, rank = 1): Promise<void> {
    const job = await this.queue.getJob(importId);
    if (job && ['completed', 'failed'].includes(await job.getState())) {
      await job.remove();
    }
    await this.enqueueImport(importId, rank);
  }

  /** Removes a job that has not started; false when it is running or gone. */
  async removeWaiting(importId: string): Promise<boolean> {
    const job = await this.queue.getJob(importId);
    if (!job) {
      return false;
    }
    if (await job.isActive()) {
      return false;
    }
    await job.remove();
    return true;
  }

  async ping(): Promise<void> {
    await this.queue.client.ping();
  }
}
