import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsRepository } from './analytics.repository';
import { TransactionsScopeService } from './transactions-scope.service';
import { AnalyticsService } from './analytics.service';
import { AnalyticsScopeModule } from '@common/analytics-scope/analytics-scope.module';

/** Transaction analytics over the rollups the transactions kind publishes with each import. */
@Module({
  imports: [AnalyticsScopeModule],
  controllers: [AnalyticsController],
  providers: [AnalyticsRepository, TransactionsScopeService, AnalyticsService],
  exports: [AnalyticsService],
})
export class TransactionsModule {}
