import { RateLimits, rateLimitsProblem } from '@common/rate-limit/rate-limits';
import { EnvSchema, validateEnv } from './env.schema';

/** Typed, validated settings; the only door to process.env. */
export class AppConfig extends EnvSchema {
  static fromProcessEnv(overrides: Partial<EnvSchema> = {}): AppConfig {
    const env = validateEnv({ ...process.env, ...overrides });
    const config = Object.assign(new AppConfig(), env);
    config.rateLimits = parseRateLimits(env.RATE_LIMITS);
    return config;
  }

  /** RATE_LIMITS, parsed and checked at boot. */
  rateLimits: RateLimits = {};

  get runsHttp(): boolean {
    return this.APP_ROLE !== 'worker';
  }

  get runsWorkers(): boolean {
    return this.APP_ROLE !== 'api';
  }
}

function parseRateLimits(raw: string | undefined): RateLimits {
  if (!raw) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`Invalid environment:\n  RATE_LIMITS=${JSON.stringify(raw)}: not JSON`);
  }
  const problem = rateLimitsProblem(value);
  if (problem) throw new Error(`Invalid environment:\n  RATE_LIMITS=${JSON.stringify(raw)}: ${problem}`);
  return value as RateLimits;
}
