import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@modules/messaging/messaging.module';
import { TransactionsModule } from '@modules/transactions/transactions.module';
import { ReportsProcessor } from './jobs/reports.processor';
import { ReportsProducer } from './jobs/reports.producer';
import { REPORT_DELIVERIES_QUEUE, REPORTS_QUEUE } from './jobs/reports.jobs';
import { ReportRunner } from './report-runner';
import { ReportSources } from './report-sources';
import { ReportsController } from './reports.controller';
import { ReportsRepository } from './reports.repository';
import { ReportsService } from './reports.service';
import { DeliverySender } from './schedules/delivery-sender';
import { ReportLinks } from './schedules/report-links';
import { ReportScheduler } from './schedules/report-scheduler';
import { ScheduleRunner } from './schedules/schedule-runner';
import { ReportLinksController, ReportSchedulesController, ReportTemplatesController } from './schedules/schedules.controller';
import { SchedulesRepository } from './schedules/schedules.repository';
import { SchedulesService } from './schedules/schedules.service';

/** Exports of any domain's answers and rows as files (the job engine every domain's reports use). */
@Module({})
export class ReportsModule {
  /** `domains`: the registered sales, marketing and store-monitoring modules (their services are the sources'); the processor only where workers run. */
  static register(domains: DynamicModule[], opts: { runsWorkers: boolean }): DynamicModule {
    return {
      module: ReportsModule,
      imports: [...domains, TransactionsModule, MessagingModule, BullModule.registerQueue({ name: REPORTS_QUEUE }, { name: REPORT_DELIVERIES_QUEUE })],
      controllers: [ReportsController, ReportTemplatesController, ReportSchedulesController, ReportLinksController],
      providers: [
        ReportsRepository,
        ReportSources,
        ReportsService,
        ReportsProducer,
        ReportRunner,
        SchedulesRepository,
        SchedulesService,
        ScheduleRunner,
        DeliverySender,
        ReportLinks,
        ...(opts.runsWorkers ? [ReportsProcessor, ReportScheduler] : []),
      ],
      exports: [ReportsService],
    };
  }
}
