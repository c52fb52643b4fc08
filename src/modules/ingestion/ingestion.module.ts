import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ImportEntity } from './entities/import.entity';
import { ImportEventsService } from './import-events.service';
import { ImportRunner } from './import-runner.service';
import { IngestionController } from './ingestion.controller';
import { IngestionRepository } from './ingestion.repository';
import { IngestionService } from './ingestion.service';
import { ImportRemovalService } from './import-removal.service';
import { IngestionMaintenanceProcessor } from './jobs/ingestion-maintenance.processor';
import { IngestionSweeper } from './jobs/ingestion-sweeper';
import { INGESTION_MAINTENANCE_QUEUE, INGESTION_QUEUE } from './jobs/ingestion.jobs';
import { IngestionProcessor } from './jobs/ingestion.processor';
import { IngestionProducer } from './jobs/ingestion.producer';
import { KindRegistry } from './kind.registry';
import { UploadReceiver } from './upload-receiver';
import { UploadsController } from './uploads.controller';

@Module({})
export class IngestionModule {
  /** The queue processor is loaded only where APP_ROLE runs workers. */
  static register(opts: { runsWorkers: boolean }): DynamicModule {
    return {
      module: IngestionModule,
      imports: [TypeOrmModule.forFeature([ImportEntity]), BullModule.registerQueue({ name: INGESTION_QUEUE }, { name: INGESTION_MAINTENANCE_QUEUE })],
      controllers: [IngestionController, UploadsController],
      providers: [
        IngestionRepository,
        IngestionService,
        ImportEventsService,
        IngestionProducer,
        KindRegistry,
        UploadReceiver,
        ImportRunner,
        ImportRemovalService,
        IngestionSweeper,
        ...(opts.runsWorkers ? [IngestionProcessor, IngestionMaintenanceProcessor] : []),
      ],
      exports: [IngestionService, ImportRemovalService, IngestionProducer],
    };
  }
}
