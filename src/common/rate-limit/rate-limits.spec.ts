import { AppConfig } from '@config/app-config';
import type { Request, Response } from 'express';
import { effectiveLimit, rateLimitsProblem } from './rate-limits';
import { RateLimiter } from './rate-limiter';
import type { RedisThrottlerStorage } from './redis-throttler.storage';

describe('rate limits', () => {
  it('should take the organization over RATE_LIMITS over the defaults, burst defaulting to the rate', () => {
    expect(effectiveLimit('reads', {})).toEqual({ perMinute: 100, burst: 200 });
    expect(effectiveLimit('exports', {})).toEqual({ perMinute: 10, burst: 10 });
    expect(effectiveLimit('reads', { reads: { perMinute: 600 } })).toEqual({ perMinute: 600, burst: 600 });
    expect(effectiveLimit('reads', { reads: { perMinute: 600 } }, { reads: { perMinute: 5, burst: 7 } })).toEqual({ perMinute: 5, burst: 7 });
    expect(effectiveLimit('imports', { reads: { perMinute: 600 } }, { reads: { perMinute: 5 } })).toEqual({ perMinute: 20, burst: 20 });
  });

  it('should name what is wrong with a limits object', () => {
    expect(rateLimitsProblem({ reads: { perMinute: 10, burst: 20 } })).toBeNull();
    expect(rateLimitsProblem([])).toMatch(/object/);
    expect(rateLimitsProblem({ writes: { perMinute: 1 } })).toMatch(/unknown class writes/);
    expect(rateLimitsProblem({ reads: { perMinute: 0 } })).toMatch(/reads.perMinute/);
    expect(rateLimitsProblem({ reads: { perMinute: 1, burst: 1.5 } })).toMatch(/reads.burst/);
    expect(rateLimitsProblem({ reads: { perMinute: 1, per: 2 } })).toMatch(/unknown fields per/);
  });

  it('should refuse a bad RATE_LIMITS at boot, naming it', () => {
    expect(() => AppConfig.fromProcessEnv({ RATE_LIMITS: '{nope' })).toThrow(/RATE_LIMITS=.*not JSON/);
    expect(() => AppConfig.fromProcessEnv({ RATE_LIMITS: '{"reads":{"perMinute":-1}}' })).toThrow(/RATE_LIMITS=.*reads.perMinute/);
    expect(AppConfig.fromProcessEnv({ RATE_LIMITS: '{"reads":{"perMinute":7}}' }).rateLimits).toEqual({ reads: { perMinute: 7 } });
  });
  describe('RateLimiter', () => {
    const taken: string[] = [];
    const storage = { take: (key: string) => Promise.resolve((taken.push(key), { allowed: true, remaining: 1, resetSeconds: 1, retryAfterSeconds: 0, also: null })) };
    const down = { take: async () => Promise.reject(new Error('Redis connection is reconnecting')) };
    const res = () => ({
      headers: {} as Record<string, string>,
      setHeader(n: string, v: string) {
        this.headers[n] = v;
      },
    });
    const req = (params: Record<string, string> = {}) => ({ ip: '10.0.0.1', params }) as unknown as Request;

    it('should keep anonymous webhook budgets per organization, and other anonymous budgets per address', async () => {
      const limiter = new RateLimiter(AppConfig.fromProcessEnv({}), storage as unknown as RedisThrottlerStorage);
      await limiter.take(req({ orgSlug: 'acme' }), res() as unknown as Response, 'webhooks');
      await limiter.take(req({ orgSlug: 'globex' }), res() as unknown as Response, 'webhooks');
      await limiter.take(req({ orgSlug: 'acme' }), res() as unknown as Response, 'reads');
      expect(taken).toEqual(['webhooks:ip:10.0.0.1:acme', 'webhooks:ip:10.0.0.1:globex', 'reads:ip:10.0.0.1']);
    });

    it('should let a request through without headers when Redis cannot be reached', async () => {
      const limiter = new RateLimiter(AppConfig.fromProcessEnv({}), down as unknown as RedisThrottlerStorage);
      const r = res();
      await expect(limiter.take(req(), r as unknown as Response, 'reads')).resolves.toBeNull();
      expect(r.headers).toEqual({});
    });
  });
});
