import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { GenerateReportPayload, ReportJob, REPORTS_QUEUE } from './reports.jobs';

/** The only place that enqueues report work. */
@Injectable()
export class ReportsProducer {
  constructor(@InjectQueue(REPORTS_QUEUE) private readonly queue: Queue<GenerateReportPayload>) {}

  async enqueue(reportId: string): Promise<void> {
    // jobId = report id: enqueueing twice is a no-op. A worker that dies mid-run leaves the job
    // stalled; Bull hands it to another worker, which starts the file over.
    await this.queue.add(ReportJob.Generate, { reportId }, {
      jobId: reportId, attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 1000,
    });
  }
}
