import { DynamicModule, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsGuard } from './metrics.guard';
import { MetricsServer } from './metrics-server';
import { OperationsAccessModule } from './operations-access';
import { QueueDashboardModule } from './queue-dashboard.module';

/**
 * What operators read: GET /metrics (and the METRICS_PORT server), and where HTTP is served, the
 * queue dashboard at /admin/queues.
 */
@Module({})
export class OperationsModule {
  static register(opts: { runsHttp: boolean }): DynamicModule {
    return {
      module: OperationsModule,
      imports: [OperationsAccessModule, ...(opts.runsHttp ? [QueueDashboardModule] : [])],
      controllers: [MetricsController],
      providers: [MetricsGuard, MetricsServer],
    };
  }
}
