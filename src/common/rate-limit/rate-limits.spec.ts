import { AppConfig } from '@config/app-config';
import { effectiveLimit, rateLimitsProblem } from './rate-limits';

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
});
