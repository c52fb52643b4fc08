import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '@config/app-config';
import { Lifecycle } from '@common/lifecycle/lifecycle';
import { MIGRATIONS } from '../../../migrations';

/** Public: which dependency is down, never its error text (addresses, users, versions); that goes to the log. */
type Check = { status: 'up' | 'down' };
export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  checks: { postgres: Check; redis: Check; migrations: Check };
  /** Present while the process drains on SIGTERM: it takes no new work. */
  shuttingDown?: true;
}

const TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref())]);
}

const logger = new Logger('Health');

async function check(p: () => Promise<unknown>, what: string): Promise<Check> {
  try {
    await withTimeout(p(), what);
    return { status: 'up' };
  } catch (err) {
    logger.warn(`readiness: ${what} down: ${err instanceof Error ? err.message : String(err)}`);
    return { status: 'down' };
  }
}

@Injectable()
export class HealthService implements OnModuleDestroy {
  // Its own small connection: readiness must not depend on a queue client's reconnect state.
  private readonly redis: Redis;

  constructor(
    private readonly dataSource: DataSource,
    config: AppConfig,
    private readonly lifecycle: Lifecycle,
  ) {
    this.redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.redis.on('error', () => undefined);
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }

  async readiness(): Promise<ReadinessReport> {
    const [postgres, redis, migrations] = await Promise.all([
      check(() => this.dataSource.query('SELECT 1'), 'Postgres'),
      check(() => this.pingRedis(), 'Redis'),
      check(() => this.assertMigrated(), 'migrations'),
    ]);
    const isOk = [postgres, redis, migrations].every((c) => c.status === 'up');
    if (this.lifecycle.draining) {
      return { status: 'unavailable', checks: { postgres, redis, migrations }, shuttingDown: true };
    }
    return { status: isOk ? 'ok' : 'unavailable', checks: { postgres, redis, migrations } };
  }

  private async pingRedis(): Promise<void> {
    if (this.redis.status === 'wait' || this.redis.status === 'end') {
      await this.redis.connect();
    }
    await this.redis.ping();
  }

  private async assertMigrated(): Promise<void> {
    const rows: Array<{ name: string }> = await this.dataSource.query('SELECT name FROM migrations');
    const applied = new Set(rows.map((r) => r.name));
    const pending = MIGRATIONS.map((m) => m.name).filter((n) => !applied.has(n));
    if (pending.length) {
      throw new Error(`pending migrations: ${pending.join(', ')}`);
    }
  }
}
