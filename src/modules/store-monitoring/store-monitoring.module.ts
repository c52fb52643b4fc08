import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { STORE_REPORTS_QUEUE } from './jobs/store-monitoring.jobs';
import { StoreMonitoringProcessor } from './jobs/store-monitoring.processor';
import { StoreMonitoringProducer } from './jobs/store-monitoring.producer';
import { StoreReportBuilder } from './store-report.builder';
import { StoreMonitoringController } from './store-monitoring.controller';
import { StoreMonitoringRepository } from './store-monitoring.repository';
import { StoreMonitoringService } from './store-monitoring.service';

/** The three store feeds (import kinds of the ingestion module) and the uptime/downtime report job. */
@Module({})
export class StoreMonitoringModule {
  /** Needs the registered ingestion module (feeds load through it); the processor only where workers run. */
  static register(ingestion: DynamicModule, opts: { runsWorkers: boolean }): DynamicModule {
    return {
      module: StoreMonitoringModule,
      imports: [ingestion, BullModule.registerQueue({ name: STORE_REPORTS_QUEUE })],
      controllers: [StoreMonitoringController],
      providers: [
        StoreMonitoringRepository,
        StoreMonitoringService,
        StoreMonitoringProducer,
        StoreReportBuilder,
        ...(opts.runsWorkers ? [StoreMonitoringProcessor] : []),
      ],
      exports: [StoreMonitoringService],
    };
  }
}
