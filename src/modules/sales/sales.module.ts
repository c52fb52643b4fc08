import { DynamicModule, Module } from '@nestjs/common';
import { AnalyticsScopeModule } from '@common/analytics-scope/analytics-scope.module';
import { SalesController } from './sales.controller';
import { SalesDemoService } from './sales-demo.service';
import { SalesRepository } from './sales.repository';
import { SalesScopeService } from './sales-scope.service';
import { SalesService } from './sales.service';

/** Sales outputs over the daily rollup the sales kind publishes with each import, and demo runs. */
@Module({})
export class SalesModule {
  /** Needs the ingestion module (demo runs import through it); AppModule passes the registered one. */
  static register(ingestion: DynamicModule): DynamicModule {
    return {
      module: SalesModule,
      imports: [AnalyticsScopeModule, ingestion],
      controllers: [SalesController],
      providers: [SalesRepository, SalesScopeService, SalesService, SalesDemoService],
      exports: [SalesService],
    };
  }
}
