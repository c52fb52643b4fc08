import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '@config/app-config';
import { ReportRunner, RunOutcome } from '../report-runner';
import { GenerateReportPayload, ReportJob, REPORTS_QUEUE } from './reports.jobs';

/** Thin processor, registered only where workers run. */
@Injectable()
export class ReportsProcessor implements OnModuleInit {
  private readonly logger = new Logger(ReportsProcessor.name);

  constructor(
    @InjectQueue(REPORTS_QUEUE) private readonly queue: Queue<GenerateReportPayload>,
    private readonly runner: ReportRunner,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.queue
      .process(ReportJob.Generate, this.config.WORKER_CONCURRENCY, (job) => this.generate(job))
      .catch((err: unknown) => this.logger.error({ err }, `Queue ${REPORTS_QUEUE} processing stopped`));
  }

  generate(job: Job<GenerateReportPayload>): Promise<RunOutcome> {
    return this.runner.run(job.data.reportId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
  }
}
