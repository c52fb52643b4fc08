import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '@config/app-config';
import { WorkerDrain } from '@common/lifecycle/worker-drain';
import { ImportRunner, RunOutcome } from '../import-runner.service';
import { INGESTION_QUEUE, IngestionJob, RunImportPayload } from './ingestion.jobs';

/**
 * Thin processor: unpack, run, report. Registered by hand rather than with @Process so that its
 * concurrency comes from WORKER_CONCURRENCY; only processes with APP_ROLE all|worker load it.
 */
@Injectable()
export class IngestionProcessor implements OnModuleInit {
  private readonly logger = new Logger(IngestionProcessor.name);

  constructor(
    @InjectQueue(INGESTION_QUEUE) private readonly queue: Queue<RunImportPayload>,
    private readonly runner: ImportRunner,
    private readonly config: AppConfig,
    private readonly drain: WorkerDrain,
  ) {}

  onModuleInit(): void {
    this.queue
      .process(
        IngestionJob.RunImport,
        this.config.WORKER_CONCURRENCY,
        this.drain.wrap(this.queue, (job) => this.runImport(job)),
      )
      .catch((err: unknown) => this.logger.error({ err }, `Queue ${INGESTION_QUEUE} processing stopped`));
    this.logger.log(`Processing queue ${INGESTION_QUEUE} with concurrency ${this.config.WORKER_CONCURRENCY}`);
  }

  runImport(job: Job<RunImportPayload>): Promise<RunOutcome> {
    const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    // Which process ran which attempt: the line carries this process's pid.
    this.logger.log(`Import ${job.data.importId}: attempt ${job.attemptsMade + 1} started`);
    return this.runner.run(job.data.importId, (pct) => job.progress(pct), isLastAttempt);
  }
}
