import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '@config/app-config';
import { ReportRunner, RunOutcome } from '../report-runner';
import { GenerateReportPayload, ReportJob, REPORTS_QUEUE } from './reports.jobs';
import { ReportsProducer } from './reports.producer';

/** Thin processor, registered only where workers run. */
@Injectable()
export class ReportsProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReportsProcessor.name);

  constructor(
    @InjectQueue(REPORTS_QUEUE) private readonly queue: Queue,
    private readonly runner: ReportRunner,
    private readonly producer: ReportsProducer,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const failed = (err: unknown) => this.logger.error({ err }, `Queue ${REPORTS_QUEUE} processing stopped`);
    this.queue.process(ReportJob.Generate, this.config.WORKER_CONCURRENCY, (job) => this.generate(job as Job<GenerateReportPayload>)).catch(failed);
    this.queue.process(ReportJob.Expire, 1, () => this.runner.expire(this.config.REPORT_RETENTION_DAYS)).catch(failed);
    await this.producer.scheduleExpiry(this.config.REPORT_EXPIRY_INTERVAL_MS);
  }

  generate(job: Job<GenerateReportPayload>): Promise<RunOutcome> {
    return this.runner.run(job.data.reportId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
  }
}
