import { DynamicModule, Module } from '@nestjs/common';
import { AnalyticsScopeModule } from '@common/analytics-scope/analytics-scope.module';
import { MarketingAnomaliesService } from './marketing-anomalies.service';
import { MarketingCompatController } from './marketing-compat.controller';
import { MarketingController } from './marketing.controller';
import { MarketingIngestService } from './marketing-ingest.service';
import { MarketingInsightsRepository } from './marketing-insights.repository';
import { MarketingInsightsService } from './marketing-insights.service';
import { MarketingRepository } from './marketing.repository';
import { MarketingScopeService } from './marketing-scope.service';
import { MarketingService } from './marketing.service';

/** Ad performance: ROI family, breakdowns, trends, z-score anomalies and insights over the marketing kind, and the old service's routes. */
@Module({})
export class MarketingModule {
  /** Needs the ingestion module (data/ingest imports through it); AppModule passes the registered one. */
  static register(ingestion: DynamicModule): DynamicModule {
    return {
      module: MarketingModule,
      imports: [AnalyticsScopeModule, ingestion],
      controllers: [MarketingController, MarketingCompatController],
      providers: [
        MarketingRepository,
        MarketingInsightsRepository,
        MarketingScopeService,
        MarketingService,
        MarketingAnomaliesService,
        MarketingInsightsService,
        MarketingIngestService,
      ],
      exports: [MarketingService, MarketingAnomaliesService, MarketingInsightsService],
    };
  }
}
