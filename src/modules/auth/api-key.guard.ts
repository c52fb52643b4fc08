import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthContext, IS_PUBLIC, MIN_ROLE } from './auth.context';
import { AuthErrors } from './auth.errors';
import { AuthService } from './auth.service';
import { ROLES, Role } from './entities/api-key.entity';

/** Global guard: every route needs a valid X-API-Key unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authService: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      return true;
    }
    const req = context.switchToHttp().getRequest<Request & { auth?: AuthContext }>();
    const header = req.headers['x-api-key'];
    const auth = await this.authService.authenticate(Array.isArray(header) ? header[0] : header);
    const needed = this.reflector.getAllAndOverride<Role | undefined>(MIN_ROLE, targets) ?? 'viewer';
    if (ROLES.indexOf(auth.role) < ROLES.indexOf(needed)) {
      throw AuthErrors.forbidden(auth.role, needed);
    }
    req.auth = auth;
    return true;
  }
}
