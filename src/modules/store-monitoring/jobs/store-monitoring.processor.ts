import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '@config/app-config';
import { ReportOutcome, StoreReportBuilder } from '../store-report.builder';
import { GenerateReportPayload, STORE_REPORTS_QUEUE, StoreReportJob } from './store-monitoring.jobs';

/** Thin processor (registered by hand, like the ingestion one, so only worker roles load it). */
@Injectable()
export class StoreMonitoringProcessor implements OnModuleInit {
  private readonly logger = new Logger(StoreMonitoringProcessor.name);

  constructor(
    @InjectQueue(STORE_REPORTS_QUEUE) private readonly queue: Queue<GenerateReportPayload>,
    private readonly builder: StoreReportBuilder,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.queue
      .process(StoreReportJob.Generate, this.config.WORKER_CONCURRENCY, (job) => this.generate(job))
      .catch((err: unknown) => this.logger.error({ err }, `Queue ${STORE_REPORTS_QUEUE} processing stopped`));
  }

  generate(job: Job<GenerateReportPayload>): Promise<ReportOutcome> {
    const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.builder.build(job.data.reportId, isLastAttempt);
  }
}
