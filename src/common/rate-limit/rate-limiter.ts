import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectThrottlerStorage } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AppConfig } from '@config/app-config';
import { AppError } from '@common/errors';
import type { AuthContext } from '@modules/auth/auth.context';
import { effectiveLimit, RateClass, RateLimits } from './rate-limits';
import { RedisThrottlerStorage, Taken } from './redis-throttler.storage';

/**
 * Takes one request from the caller's bucket of a class: keyed by API key or user, by client
 * address when anonymous (or when the credentials were refused). Sets X-RateLimit-Limit (the
 * bucket's size), -Remaining and -Reset (seconds until full); a refused request gets 429
 * RATE_LIMITED with Retry-After. Webhooks (anonymous, from the sender's few addresses) are kept
 * per organization as well, so one tenant's traffic does not spend another's budget.
 *
 * When Redis cannot be reached the request goes through unlimited (without the headers) and the
 * outage is logged, at most every 30 s: health checks must still say what is down, and answers
 * that need only Postgres keep working. Logins fail closed instead (see LoginLimiter).
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly platform: RateLimits;
  private lastOutageLog = 0;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    @InjectThrottlerStorage() private readonly storage: RedisThrottlerStorage,
  ) {
    this.platform = config.rateLimits;
  }

  /** Takes the request's token; answers the value of `alsoGet` read in the same round trip. */
  async take(req: Request & { auth?: AuthContext }, res: Response, cls: RateClass, alsoGet?: string): Promise<string | null> {
    const auth = req.auth;
    const limit = effectiveLimit(cls, this.platform, auth?.rateLimits);
    const scope = cls === 'webhooks' && typeof req.params?.orgSlug === 'string' ? `:${req.params.orgSlug.slice(0, 100)}` : '';
    const tracker = auth ? `${auth.actorType}:${auth.actorId}` : `ip:${req.ip ?? 'unknown'}${scope}`;
    let taken: Taken;
    try {
      taken = await this.storage.take(`${cls}:${tracker}`, limit.burst, limit.perMinute, alsoGet);
    } catch (err) {
      if (Date.now() - this.lastOutageLog > 30_000) {
        this.lastOutageLog = Date.now();
        this.logger.warn({ err }, 'rate limits not applied: Redis cannot be reached');
      }
      return null;
    }
    res.setHeader('X-RateLimit-Limit', String(limit.burst));
    res.setHeader('X-RateLimit-Remaining', String(taken.remaining));
    res.setHeader('X-RateLimit-Reset', String(taken.resetSeconds));
    if (!taken.allowed) {
      throw new AppError(
        'RATE_LIMITED',
        429,
        `Too many ${cls} requests: ${limit.perMinute} a minute (bursts of ${limit.burst}) for this ${auth ? (auth.actorType === 'user' ? 'user' : 'API key') : 'address'}; retry in ${taken.retryAfterSeconds} s`,
        { class: cls, limitPerMinute: limit.perMinute, burst: limit.burst, retryAfterSeconds: taken.retryAfterSeconds },
      ).withHeaders({ 'Retry-After': String(taken.retryAfterSeconds) });
    }
    return taken.also;
  }
}
