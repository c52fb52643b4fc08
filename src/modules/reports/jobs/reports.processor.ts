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
    // One handler for every job of the queue: Bull adds up the concurrency of named handlers, and
    // each takes any job, so two would run one report more than WORKER_CONCURRENCY at a time.
    this.queue
      .process('*', this.config.WORKER_CONCURRENCY, (job: Job) =>
        job.name === ReportJob.Expire ? this.runner.expire(this.config.REPORT_RETENTION_DAYS) : this.generate(job as Job<GenerateReportPayload>))
      .catch(failed);
    // A job Bull gives up on without running it to an end (stalled too often: workers that kept
    // dying) would leave its report RUNNING: mark it FAILED.
    this.queue.on('failed', (job: Job<GenerateReportPayload>, err: Error) => {
      if (job.name !== ReportJob.Generate || job.attemptsMade < (job.opts.attempts ?? 1)) return;
      this.runner.failAbandoned(job.data.reportId, err.message).catch((e: unknown) => this.logger.error({ err: e }, 'Marking an abandoned report FAILED failed'));
    });
    await this.producer.scheduleExpiry(this.config.REPORT_EXPIRY_INTERVAL_MS);
  }

  generate(job: Job<GenerateReportPayload>): Promise<RunOutcome> {
    return this.runner.run(job.data.reportId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
  }
}
