import { DynamicModule, Module } from '@nestjs/common';
import { StoreReportBuilder } from './store-report.builder';
import { StoreMonitoringController } from './store-monitoring.controller';
import { StoreMonitoringRepository } from './store-monitoring.repository';
import { StoreMonitoringService } from './store-monitoring.service';

/**
 * The three store feeds (import kinds of the ingestion module) and the uptime/downtime report
 * builder, which the reports engine runs as its source store-monitoring.uptime (the report
 * routes are StoreReportsModule's).
 */
@Module({})
export class StoreMonitoringModule {
  /** Needs the registered ingestion module (feeds load through it). */
  static register(ingestion: DynamicModule): DynamicModule {
    return {
      module: StoreMonitoringModule,
      imports: [ingestion],
      controllers: [StoreMonitoringController],
      providers: [StoreMonitoringRepository, StoreMonitoringService, StoreReportBuilder],
      exports: [StoreMonitoringService, StoreReportBuilder],
    };
  }
}
