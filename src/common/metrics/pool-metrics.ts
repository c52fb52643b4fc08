import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { Gauge } from 'prom-client';
import { RequestPools } from '@common/database/request-pools';
import { Metrics } from './metrics.service';

/** The database pools' use when scraped: TypeORM's pg pool (requests) and the jobs' pool (RequestPools). */
@Injectable()
export class PoolMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly pools: RequestPools,
  ) {}

  onModuleInit(): void {
    const gauge = (name: string, help: string, read: (p: Pool) => number) => {
      const g: Gauge<'pool'> = new Gauge({
        name,
        help,
        labelNames: ['pool'],
        registers: [this.metrics.registry],
        collect: () => {
          for (const { name: pool, pool: p } of this.pools.pools()) g.set({ pool }, read(p));
        },
      });
    };
    gauge('analytics_db_pool_connections', 'Open connections of each database pool (api: requests, worker: jobs, sweeps, the scheduler)', (p) => p.totalCount);
    gauge('analytics_db_pool_idle_connections', 'Open connections of each pool not checked out', (p) => p.idleCount);
    gauge('analytics_db_pool_waiting_requests', 'Checkouts waiting for a connection of each pool (all are in use)', (p) => p.waitingCount);
    gauge('analytics_db_pool_max_connections', 'Most connections each pool opens (DB_POOL_API, DB_POOL_WORKER)', (p) => p.options.max ?? 0);
  }
}
