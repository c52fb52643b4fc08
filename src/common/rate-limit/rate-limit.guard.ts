import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import type { AuthContext } from '@modules/auth/auth.context';
import { RATE_CLASS, RateClass } from './rate-limits';
import { RateLimiter } from './rate-limiter';
import { DataVersions } from '@common/cache/data-versions';

/**
 * The throttler guard with classes and token buckets: runs after the auth guard (registered
 * after it), so an authenticated request is counted against its key or user, an anonymous one
 * against its address. Requests whose credentials are refused are counted by the auth guard.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly limiter: RateLimiter,
    private readonly dataVersions: DataVersions,
  ) {
    super(options, storage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const cls = this.reflector.getAllAndOverride<RateClass | undefined>(RATE_CLASS, [context.getHandler(), context.getClass()]) ?? 'reads';
    const http = context.switchToHttp();
    const req = http.getRequest<Request & { auth?: AuthContext }>();
    // The organization's data version is read by the same script that takes the token.
    const version = await this.limiter.take(req, http.getResponse<Response>(), cls, req.auth ? this.dataVersions.keyOf(req.auth.orgId) : undefined);
    if (req.auth && version !== null && BigInt(version) > BigInt(req.auth.dataVersion)) {
      req.auth.dataVersion = version;
    }
    return true;
  }
}
