import { SetMetadata } from '@nestjs/common';

/**
 * Rate-limit classes. The defaults are the messaging service's (reads 100/min with bursts of 200,
 * report creation 50/min, exports and downloads 10/min, imports 20/min, health 1000/min); webhooks
 * are the WhatsApp notifications, which arrive in bursts from a few addresses.
 */
export const RATE_CLASSES = ['reads', 'reports', 'exports', 'imports', 'health', 'webhooks'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

export interface RateLimit {
  /** Requests a minute, sustained. */
  perMinute: number;
  /** Requests that may come at once after a quiet spell (the bucket's size); perMinute when absent. */
  burst?: number;
}

export type RateLimits = Partial<Record<RateClass, RateLimit>>;

export const DEFAULT_RATE_LIMITS: Record<RateClass, RateLimit> = {
  reads: { perMinute: 100, burst: 200 },
  reports: { perMinute: 50 },
  exports: { perMinute: 10 },
  imports: { perMinute: 20 },
  health: { perMinute: 1000 },
  webhooks: { perMinute: 3000 },
};

export const RATE_CLASS = 'rate:class';

/** The route's rate-limit class; routes without one are `reads`. */
export const RateLimitClass = (cls: RateClass) => SetMetadata(RATE_CLASS, cls);

/** What is wrong with a limits object (from RATE_LIMITS or an organization's override), or null. */
export function rateLimitsProblem(value: unknown): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'must be an object of classes';
  for (const [cls, limit] of Object.entries(value)) {
    if (!(RATE_CLASSES as readonly string[]).includes(cls)) return `unknown class ${cls} (classes: ${RATE_CLASSES.join(', ')})`;
    const l = limit as RateLimit;
    if (!l || typeof l !== 'object' || !Number.isInteger(l.perMinute) || l.perMinute < 1 || l.perMinute > 10_000_000)
      return `${cls}.perMinute must be an integer from 1 to 10000000`;
    if (l.burst !== undefined && (!Number.isInteger(l.burst) || l.burst < 1 || l.burst > 10_000_000)) return `${cls}.burst must be an integer from 1 to 10000000`;
    const extra = Object.keys(l).filter((k) => k !== 'perMinute' && k !== 'burst');
    if (extra.length) return `${cls} has unknown fields ${extra.join(', ')}`;
  }
  return null;
}

/** The limit of a class: the organization's override, else the platform's (RATE_LIMITS over the defaults). */
export function effectiveLimit(cls: RateClass, platform: RateLimits, org?: RateLimits | null): Required<RateLimit> {
  const l = org?.[cls] ?? platform[cls] ?? DEFAULT_RATE_LIMITS[cls];
  return { perMinute: l.perMinute, burst: l.burst ?? l.perMinute };
}
