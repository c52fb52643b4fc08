import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '@config/app-config';
import { DeliverPayload, GenerateReportPayload, REPORT_DELIVERIES_QUEUE, ReportJob, REPORTS_QUEUE, ScheduleRunPayload } from './reports.jobs';

/** The only place that enqueues report work. */
@Injectable()
export class ReportsProducer {
  constructor(
    @InjectQueue(REPORTS_QUEUE) private readonly queue: Queue<GenerateReportPayload | ScheduleRunPayload | Record<string, never>>,
    @InjectQueue(REPORT_DELIVERIES_QUEUE) private readonly deliveries: Queue<DeliverPayload>,
    private readonly config: AppConfig,
  ) {}

  async enqueue(reportId: string): Promise<void> {
    // jobId = report id: enqueueing twice is a no-op. A worker that dies mid-run leaves the job
    // stalled; Bull hands it to another worker, which starts the file over.
    await this.queue.add(
      ReportJob.Generate,
      { reportId },
      {
        jobId: reportId,
        attempts: 3,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
  }

  /** A schedule's run (jobId run:<id>: the tick that made it and the sweep never queue it twice). */
  async enqueueRun(runId: string): Promise<void> {
    await this.queue.add(
      ReportJob.ScheduleRun,
      { runId },
      {
        jobId: `run:${runId}`,
        attempts: 3,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
  }

  /** One delivery of a run, tried DELIVERY_ATTEMPTS times with exponential backoff. */
  async enqueueDelivery(runId: string, idx: number): Promise<void> {
    await this.deliveries.add(
      ReportJob.Deliver,
      { runId, idx },
      {
        jobId: `delivery:${runId}:${idx}`,
        attempts: this.config.DELIVERY_ATTEMPTS,
        backoff: { type: 'exponential', delay: this.config.DELIVERY_BACKOFF_MS },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
  }

  /**
   * Queues the job again when it is missing (Redis lost it, or queueing failed) or ended without
   * ending its work in the database; a waiting, delayed or active job is left alone.
   */
  async requeueIfLost(kind: 'report' | 'run' | 'delivery', id: string, idx = 0): Promise<boolean> {
    const queue = kind === 'delivery' ? this.deliveries : this.queue;
    const jobId = kind === 'report' ? id : kind === 'run' ? `run:${id}` : `delivery:${id}:${idx}`;
    const job = await queue.getJob(jobId);
    if (job) {
      const state = await job.getState();
      if (state !== 'completed' && state !== 'failed') return false;
      await job.remove();
    }
    if (kind === 'report') await this.enqueue(id);
    else if (kind === 'run') await this.enqueueRun(id);
    else await this.enqueueDelivery(id, idx);
    return true;
  }

  /** The retention job now, and then every `everyMs` (one schedule per queue, whatever the number of workers). */
  async scheduleExpiry(everyMs: number): Promise<void> {
    await this.queue.add(ReportJob.Expire, {}, { removeOnComplete: true, removeOnFail: 10 });
    await this.queue.add(ReportJob.Expire, {}, { repeat: { every: everyMs }, removeOnComplete: true, removeOnFail: 10 });
  }
}
