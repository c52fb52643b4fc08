import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@config/app-config';
import { currentRequest } from '@common/request-context';

/** Cached answers outlive their data version by at most this long (a newer version is a new key). */
const TTL_SECONDS = 3600;
/** Recent answers also kept in this process (an answer under a versioned key never changes). */
const LOCAL_ENTRIES = 256;

/**
 * Answers cached in Redis under keys that contain the organization's data version, so a publish
 * or delete (which bumps it) makes every older answer unreachable at once: never stale, nothing
 * to invalidate. Concurrent requests for the same key in this process share one computation, and
 * the most recent answers are kept in the process too, sparing the hottest a Redis round trip.
 * Redis being down only costs speed: answers are then computed every time.
 */
@Injectable()
export class ResultCache implements OnModuleDestroy {
  private readonly logger = new Logger(ResultCache.name);
  private readonly redis: Redis;
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Insertion-ordered: the first entry is the least recently used. */
  private readonly local = new Map<string, unknown>();

  constructor(private readonly config: AppConfig) {
    this.redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.redis.on('error', () => undefined); // reported per call below
    this.redis.connect().catch((err: unknown) => this.logger.warn({ err }, 'Result cache: Redis unavailable; answers will not be cached'));
  }

  /**
   * The cached value under `parts` (and where it was found), else `compute()`'s, stored for the next
   * caller. A request with `Cache-Control: no-cache` skips the lookups (and any computation in
   * flight): its answer is computed, then stored like any other.
   */
  async getOrCompute<T>(parts: string[], compute: () => Promise<T>): Promise<{ value: T; isCached: boolean; hitFrom?: 'memory' | 'redis' }> {
    const key = `${this.config.REDIS_PREFIX}:analytics:${parts.join(':')}`;
    const isBypassed = currentRequest()?.isCacheBypassed === true;
    if (!isBypassed && this.local.has(key)) {
      const value = this.local.get(key) as T;
      this.remember(key, value);
      return { value, isCached: true, hitFrom: 'memory' };
    }
    const hit = isBypassed ? undefined : await this.read<T>(key);
    if (hit !== undefined) {
      this.remember(key, hit);
      return { value: hit, isCached: true, hitFrom: 'redis' };
    }
    let running = isBypassed ? undefined : (this.inFlight.get(key) as Promise<T> | undefined);
    if (!running) {
      running = compute().then(async (value) => {
        this.remember(key, value);
        await this.write(key, value);
        return value;
      });
      this.inFlight.set(key, running);
      void running.finally(() => this.inFlight.delete(key)).catch(() => undefined);
    }
    return { value: await running, isCached: false };
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }

  private remember(key: string, value: unknown): void {
    this.local.delete(key);
    this.local.set(key, value);
    if (this.local.size > LOCAL_ENTRIES) {
      this.local.delete(this.local.keys().next().value!);
    }
  }

  private async read<T>(key: string): Promise<T | undefined> {
    if (this.redis.status !== 'ready') {
      return undefined;
    }
    try {
      const text = await this.redis.get(key);
      return text === null ? undefined : (JSON.parse(text) as T);
    } catch (err) {
      this.logger.warn({ err }, `Result cache read failed for ${key}`);
      return undefined;
    }
  }

  private async write(key: string, value: unknown): Promise<void> {
    if (this.redis.status !== 'ready') {
      return;
    }
    try {
      await this.redis.set(key, JSON.stringify(value), 'EX', TTL_SECONDS);
    } catch (err) {
      this.logger.warn({ err }, `Result cache write failed for ${key}`);
    }
  }
}
