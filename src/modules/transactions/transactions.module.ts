import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsRepository } from './analytics.repository';
import { AnalyticsScopeService } from './analytics-scope.service';
import { AnalyticsService } from './analytics.service';
import { ResultCache } from './result-cache.service';

/** Transaction analytics over the rollups the transactions kind publishes with each import. */
@Module({
  controllers: [AnalyticsController],
  providers: [AnalyticsRepository, AnalyticsScopeService, AnalyticsService, ResultCache],
  exports: [AnalyticsService],
})
export class TransactionsModule {}
