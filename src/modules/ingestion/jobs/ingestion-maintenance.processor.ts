import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '@config/app-config';
import { WorkerDrain } from '@common/lifecycle/worker-drain';
import { ImportRemovalService } from '../import-removal.service';
import { IngestionRepository } from '../ingestion.repository';
import { IngestionSweeper } from './ingestion-sweeper';
import { INGESTION_MAINTENANCE_QUEUE, IngestionMaintenanceJob, PurgeImportPayload } from './ingestion.jobs';
import { IngestionProducer } from './ingestion.producer';

/** Thin processor of the housekeeping queue (worker processes only). */
@Injectable()
export class IngestionMaintenanceProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(IngestionMaintenanceProcessor.name);

  constructor(
    @InjectQueue(INGESTION_MAINTENANCE_QUEUE) private readonly queue: Queue,
    private readonly producer: IngestionProducer,
    private readonly sweeper: IngestionSweeper,
    private readonly removal: ImportRemovalService,
    private readonly repo: IngestionRepository,
    private readonly config: AppConfig,
    private readonly drain: WorkerDrain,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const failed = (err: unknown) => this.logger.error({ err }, `Queue ${INGESTION_MAINTENANCE_QUEUE} processing stopped`);
    this.queue
      .process(
        IngestionMaintenanceJob.PurgeImport,
        1,
        this.drain.wrap(this.queue, (job: Job<PurgeImportPayload>) => this.purge(job.data.importId)),
      )
      .catch(failed);
    this.queue
      .process(
        IngestionMaintenanceJob.Sweep,
        1,
        this.drain.wrap(this.queue, () => this.sweeper.sweep()),
      )
      .catch(failed);
    await this.producer.scheduleSweeps(this.config.SWEEP_INTERVAL_MS);
  }

  private async purge(importId: string): Promise<void> {
    const imp = await this.repo.findDeleting(importId);
    if (!imp) {
      this.logger.log(`Import ${importId} is not being deleted (done already); nothing to purge`);
      return;
    }
    await this.removal.purge(imp);
  }
}
