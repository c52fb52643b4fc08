import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { GenerateReportPayload, STORE_REPORTS_QUEUE, StoreReportJob } from './store-monitoring.jobs';

/** The only place that enqueues store-report work. */
@Injectable()
export class StoreMonitoringProducer {
  constructor(@InjectQueue(STORE_REPORTS_QUEUE) private readonly queue: Queue<GenerateReportPayload>) {}

  async enqueueReport(reportId: string): Promise<void> {
    // jobId = report id: enqueueing the same report twice is a no-op. A worker that dies mid-run
    // leaves the job stalled; Bull hands it to another worker, which starts the report over.
    await this.queue.add(StoreReportJob.Generate, { reportId }, {
      jobId: reportId,
      attempts: 2,
      backoff: { type: 'fixed', delay: 2000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }
}
