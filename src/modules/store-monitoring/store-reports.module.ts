import { DynamicModule, Module } from '@nestjs/common';
import { StoreReportsController } from './store-reports.controller';
import { StoreReportsService } from './store-reports.service';

/**
 * The store-monitoring report routes (trigger_report, get_report, download) on the reports
 * engine. Its own module, so neither of the two it joins imports the other's: the reports module
 * imports store monitoring for its report builder (a source), this one imports both.
 */
@Module({})
export class StoreReportsModule {
  /** `reports` and `storeMonitoring`: the registered modules (the same instances the app imports). */
  static register(reports: DynamicModule, storeMonitoring: DynamicModule): DynamicModule {
    return {
      module: StoreReportsModule,
      imports: [reports, storeMonitoring],
      controllers: [StoreReportsController],
      providers: [StoreReportsService],
    };
  }
}
