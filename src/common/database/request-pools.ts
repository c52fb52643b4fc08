import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AppConfig } from '@config/app-config';
import { currentRequest } from '@common/request-context';

type ConnectCallback = (err: Error | undefined, client?: PoolClient, done?: (release?: unknown) => void) => void;

/**
 * Two connection pools behind the one TypeORM data source, chosen per checkout: a connection taken
 * while an HTTP request is being served comes from the API pool (DB_POOL_API connections, each
 * with statement_timeout = QUERY_TIMEOUT_MS, so a request-time query that runs away is cancelled
 * by Postgres and answered 503 QUERY_TIMEOUT; the computation of an analytics answer, cached once
 * made, gets ANALYTICS_QUERY_TIMEOUT_MS instead), any other (queue jobs, sweeps, the scheduler) from
 * the worker pool (DB_POOL_WORKER, no timeout). Heavy jobs (COPY loads and report exports) open
 * their own connections besides. Requests cannot starve jobs of connections, nor jobs requests.
 */
@Injectable()
export class RequestPools implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RequestPools.name);
  private workerPool?: Pool;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const api = (this.db.driver as PostgresDriver).master as Pool & { options: Record<string, unknown> };
    const timeoutMs = this.config.QUERY_TIMEOUT_MS;
    api.options.max = this.config.DB_POOL_API;
    this.workerPool = new Pool({ ...api.options, max: this.config.DB_POOL_WORKER });
    this.workerPool.on('error', (err) => this.logger.warn({ err }, 'idle worker-pool connection failed'));
    const workers = this.workerPool;
    const apiConnect = api.connect.bind(api) as () => Promise<PoolClient>;
    // The statement_timeout each API connection carries: set when it is first used, and again only
    // when a checkout wants another (an analytics answer's computation: ANALYTICS_QUERY_TIMEOUT_MS).
    const timeouts = new WeakMap<PoolClient, number>();
    const checkout = async (): Promise<PoolClient> => {
      const request = currentRequest();
      if (!request) {
        return workers.connect();
      }
      const client = await apiConnect();
      const wanted = Math.floor(request.statementTimeoutMs ?? timeoutMs);
      if (timeouts.get(client) !== wanted) {
        try {
          await client.query(`SET statement_timeout = ${wanted}`);
          timeouts.set(client, wanted);
        } catch (err) {
          client.release(err as Error);
          throw err;
        }
      }
      return client;
    };
    // pg's own pool.query calls connect with a callback: both forms are kept.
    (api as unknown as { connect: (cb?: ConnectCallback) => Promise<PoolClient> | undefined }).connect = (cb?: ConnectCallback) => {
      const pending = checkout();
      if (!cb) return pending;
      pending.then(
        (client) => cb(undefined, client, (release?: unknown) => client.release(release as Error)),
        (err: Error) => cb(err),
      );
      return undefined;
    };
  }

  /** Both pools by name, for their gauges (api: TypeORM's own pool, serving requests; worker: jobs). */
  pools(): Array<{ name: 'api' | 'worker'; pool: Pool }> {
    const api = (this.db.driver as PostgresDriver).master as Pool;
    return this.workerPool
      ? [
          { name: 'api', pool: api },
          { name: 'worker', pool: this.workerPool },
        ]
      : [{ name: 'api', pool: api }];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.workerPool?.end().catch(() => undefined);
  }
}

@Global()
@Module({ providers: [RequestPools], exports: [RequestPools] })
export class RequestPoolsModule {}
