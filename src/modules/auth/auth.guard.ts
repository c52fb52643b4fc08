import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { RateLimiter } from '@common/rate-limit/rate-limiter';
import { AuthContext, IS_PUBLIC, MIN_ROLE, PLATFORM_ONLY } from './auth.context';
import { AuthErrors } from './auth.errors';
import { AuthService } from './auth.service';
import { ROLES, Role } from './entities/api-key.entity';

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Global guard: every route needs credentials unless marked @Public(): an API key (X-API-Key or
 * Authorization: Bearer) or a login's access token (Authorization: Bearer), then the route's role.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authService: AuthService,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      return true;
    }
    const req = context.switchToHttp().getRequest<Request & { auth?: AuthContext }>();
    let auth: AuthContext;
    try {
      auth = await this.authService.authenticateRequest(first(req.headers['x-api-key']), first(req.headers.authorization));
    } catch (err) {
      // Refused credentials count against the address's budget: guessing keys ends in 429s.
      await this.limiter.take(req, context.switchToHttp().getResponse<Response>(), 'reads');
      throw err;
    }
    if (this.reflector.getAllAndOverride<boolean>(PLATFORM_ONLY, targets)) {
      if (!auth.platform) {
        throw AuthErrors.platformOnly();
      }
    } else {
      const needed = this.reflector.getAllAndOverride<Role | undefined>(MIN_ROLE, targets) ?? 'viewer';
      if (ROLES.indexOf(auth.role) < ROLES.indexOf(needed)) {
        throw AuthErrors.forbidden(auth.role, needed);
      }
    }
    req.auth = auth;
    return true;
  }
}
