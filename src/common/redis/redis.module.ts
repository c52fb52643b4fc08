import { Global, Injectable, Module, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@config/app-config';

/**
 * The process's shared Redis connection for small, hot commands (rate limits, login counters,
 * revocation notices), under REDIS_PREFIX so test and bench runs keep to their own keys.
 */
@Injectable()
export class RedisService implements OnModuleDestroy {
  readonly client: Redis;
  readonly prefix: string;
  private subscriber?: Redis;
  private readonly handlers = new Map<string, Array<(message: string) => void>>();
  private readonly resubscribed: Array<() => void> = [];

  constructor(config: AppConfig) {
    this.prefix = config.REDIS_PREFIX;
    this.client = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, enableAutoPipelining: true });
    this.client.on('error', () => undefined);
  }

  key(...parts: string[]): string {
    return `${this.prefix}:${parts.join(':')}`;
  }

  /** Publishes on a channel of this prefix: every process that subscribed hears it. */
  async publish(channel: string, message: string): Promise<void> {
    await this.client.publish(this.key('ch', channel), message);
  }

  /** Subscribes on a channel of this prefix (one subscriber connection per process). */
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    const name = this.key('ch', channel);
    if (!this.subscriber) {
      this.subscriber = this.client.duplicate();
      this.subscriber.on('error', () => undefined);
      // After a reconnect, notices sent meanwhile are lost: whoever caches on them starts afresh.
      let hasBeenReady = false;
      this.subscriber.on('ready', () => {
        if (hasBeenReady) this.resubscribed.forEach((f) => f());
        hasBeenReady = true;
      });
      this.subscriber.on('message', (ch: string, message: string) => {
        for (const h of this.handlers.get(ch) ?? []) {
          h(message);
        }
      });
    }
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
    await this.subscriber.subscribe(name);
  }

  /** Called after the notice connection reconnects (notices may have been missed). */
  onResubscribe(f: () => void): void {
    this.resubscribed.push(f);
  }

  async onModuleDestroy(): Promise<void> {
    this.subscriber?.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
export class RedisModule {}
