import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '@config/app-config';
import { WorkerDrain } from '@common/lifecycle/worker-drain';
import { ReportRunner, RunOutcome } from '../report-runner';
import { ScheduleRunner } from '../schedules/schedule-runner';
import { SchedulesRepository } from '../schedules/schedules.repository';
import { DELIVERY_CONCURRENCY, DeliverPayload, GenerateReportPayload, REPORT_DELIVERIES_QUEUE, ReportJob, REPORTS_QUEUE, ScheduleRunPayload } from './reports.jobs';
import { ReportsProducer } from './reports.producer';

/** Thin processor, registered only where workers run. */
@Injectable()
export class ReportsProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReportsProcessor.name);

  constructor(
    @InjectQueue(REPORTS_QUEUE) private readonly queue: Queue,
    @InjectQueue(REPORT_DELIVERIES_QUEUE) private readonly deliveries: Queue<DeliverPayload>,
    private readonly runner: ReportRunner,
    private readonly schedules: ScheduleRunner,
    private readonly schedulesRepo: SchedulesRepository,
    private readonly producer: ReportsProducer,
    private readonly config: AppConfig,
    private readonly drain: WorkerDrain,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const failed = (queue: string) => (err: unknown) => this.logger.error({ err }, `Queue ${queue} processing stopped`);
    // One handler for every job of the queue: Bull adds up the concurrency of named handlers, and
    // each takes any job, so two would run one report more than WORKER_CONCURRENCY at a time.
    this.queue
      .process(
        '*',
        this.config.WORKER_CONCURRENCY,
        this.drain.wrap(this.queue, (job: Job) => this.handle(job)),
      )
      .catch(failed(REPORTS_QUEUE));
    this.deliveries
      .process(
        '*',
        DELIVERY_CONCURRENCY,
        this.drain.wrap(this.deliveries, (job: Job<DeliverPayload>) => this.schedules.executeDelivery(job.data.runId, job.data.idx)),
      )
      .catch(failed(REPORT_DELIVERIES_QUEUE));
    // A job Bull gives up on without running it to an end (stalled too often: workers that kept
    // dying) would leave its report or run open: mark it FAILED.
    this.queue.on('failed', (job: Job, err: Error) => {
      if (!isFinal(job, err)) return;
      const done =
        (job.name as ReportJob) === ReportJob.Generate
          ? this.runner.failAbandoned((job.data as GenerateReportPayload).reportId, err.message)
          : (job.name as ReportJob) === ReportJob.ScheduleRun
            ? this.schedules.failAbandonedRun((job.data as ScheduleRunPayload).runId, err.message)
            : Promise.resolve();
      done.catch((e: unknown) => this.logger.error({ err: e }, 'Marking an abandoned job FAILED failed'));
    });
    this.deliveries.on('failed', (job: Job<DeliverPayload>, err: Error) => {
      // Tries are counted in the database; only a job that Bull itself abandoned (stalled) ends here.
      if (!isStalledTooOften(err)) return;
      this.schedules
        .failAbandonedDelivery(job.data.runId, job.data.idx, err.message)
        .catch((e: unknown) => this.logger.error({ err: e }, 'Marking an abandoned delivery FAILED failed'));
    });
    await this.producer.scheduleExpiry(this.config.REPORT_EXPIRY_INTERVAL_MS);
  }

  private async handle(job: Job): Promise<unknown> {
    const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    switch (job.name as ReportJob) {
      case ReportJob.Expire: {
        const expired = await this.runner.expire(this.config.REPORT_RETENTION_DAYS);
        const pruned = await this.schedulesRepo.pruneRuns(this.config.REPORT_RETENTION_DAYS);
        return { expired, runsPruned: pruned };
      }
      case ReportJob.ScheduleRun:
        return this.schedules.executeRun((job.data as ScheduleRunPayload).runId, isLastAttempt);
      default:
        return this.generate(job as Job<GenerateReportPayload>);
    }
  }

  generate(job: Job<GenerateReportPayload>): Promise<RunOutcome> {
    return this.runner.run(job.data.reportId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
  }
}

/** Bull fails a job that stalled more than maxStalledCount times without counting an attempt. */
function isStalledTooOften(err: Error): boolean {
  return /stalled more than allowable limit/.test(err.message);
}

/** A failure after which Bull will not run the job again. */
function isFinal(job: Job, err: Error): boolean {
  return isStalledTooOften(err) || job.attemptsMade >= (job.opts.attempts ?? 1);
}
