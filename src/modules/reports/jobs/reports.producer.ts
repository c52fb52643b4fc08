import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { GenerateReportPayload, ReportJob, REPORTS_QUEUE } from './reports.jobs';

/** The only place that enqueues report work. */
@Injectable()
export class ReportsProducer {
  constructor(@InjectQueue(REPORTS_QUEUE) private readonly queue: Queue<GenerateReportPayload | Record<string, never>>) {}

  async enqueue(reportId: string): Promise<void> {
    // jobId = report id: enqueueing twice is a no-op. A worker that dies mid-run leaves the job
    // stalled; Bull hands it to another worker, which starts the file over.
    await this.queue.add(ReportJob.Generate, { reportId }, {
      jobId: reportId, attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 1000,
    });
  }

  /** The retention job now, and then every `everyMs` (one schedule per queue, whatever the number of workers). */
  async scheduleExpiry(everyMs: number): Promise<void> {
    await this.queue.add(ReportJob.Expire, {}, { removeOnComplete: true, removeOnFail: 10 });
    await this.queue.add(ReportJob.Expire, {}, { repeat: { every: everyMs }, removeOnComplete: true, removeOnFail: 10 });
  }
}
