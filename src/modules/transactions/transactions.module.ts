import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsRepository } from './analytics.repository';
import { AnalyticsScopeService } from './analytics-scope.service';
import { AnalyticsService } from './analytics.service';
import { ResultCacheModule } from '@common/cache/result-cache.module';

/** Transaction analytics over the rollups the transactions kind publishes with each import. */
@Module({
  imports: [ResultCacheModule],
  controllers: [AnalyticsController],
  providers: [AnalyticsRepository, AnalyticsScopeService, AnalyticsService],
  exports: [AnalyticsService],
})
export class TransactionsModule {}
