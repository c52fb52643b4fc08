import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type { RedisService } from '@common/redis/redis.module';

/**
 * A token bucket per key in Redis, taken in one round trip by a script that reads Redis's own
 * clock: every process shares the same budget and no process's clock matters. The bucket holds
 * `burst` tokens and refills at perMinute / 60 000 per millisecond; a request takes one.
 */
const TAKE = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil then tokens = capacity; at = now end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
local extra = false
if KEYS[2] then extra = redis.call('GET', KEYS[2]) end
return {allowed, tostring(tokens), extra}
`;

export interface Taken {
  allowed: boolean;
  /** Whole requests left now. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one request is allowed (0 when this one was). */
  retryAfterSeconds: number;
  /** The value of `alsoGet`'s key, read in the same script (null when absent or not asked). */
  also: string | null;
}

export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly redis: RedisService) {
    redis.client.defineCommand('rateTake', { lua: TAKE });
  }

  /** Takes a token; `alsoGet` (a full key) is read in the same round trip (the caller's data version). */
  async take(key: string, burst: number, perMinute: number, alsoGet?: string): Promise<Taken> {
    // Not queued while Redis is away (ioredis would hold the command through its reconnects).
    if (this.redis.client.status !== 'ready') {
      throw new Error(`Redis connection is ${this.redis.client.status}`);
    }
    const rate = perMinute / 60_000;
    const keys = alsoGet ? [this.redis.key('rl', key), alsoGet] : [this.redis.key('rl', key)];
    const [allowed, left, also] = await (
      this.redis.client as unknown as { rateTake(n: number, ...args: Array<string | number>): Promise<[number, string, string | null]> }
    ).rateTake(keys.length, ...keys, burst, rate);
    const tokens = Number(left);
    return {
      allowed: allowed === 1,
      remaining: Math.floor(tokens),
      resetSeconds: Math.ceil((burst - tokens) / rate / 1000),
      retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / rate / 1000)),
      also: also ?? null,
    };
  }

  /** The ThrottlerStorage contract (used by @Throttle routes, none so far): a bucket of `limit` refilled over `ttl`. */
  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const t = await this.take(key, limit, (limit * 60_000) / ttl);
    return {
      totalHits: limit - t.remaining,
      timeToExpire: t.resetSeconds,
      isBlocked: !t.allowed,
      timeToBlockExpire: t.retryAfterSeconds,
    };
  }
}
