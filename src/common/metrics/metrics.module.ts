import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Metrics } from './metrics.service';
import { PoolMetrics } from './pool-metrics';
import { QueueMetrics } from './queue-metrics';
import { RegisteredQueues } from './registered-queues';

/** Global: any module counts what it does through Metrics; the queue dashboard lists RegisteredQueues. */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [Metrics, QueueMetrics, PoolMetrics, RegisteredQueues],
  exports: [Metrics, RegisteredQueues],
})
export class MetricsModule {}
