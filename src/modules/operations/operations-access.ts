import { Inject, Injectable, Module } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'crypto';
import type { IncomingHttpHeaders } from 'http';
import { AppConfig } from '@config/app-config';
import { AuthErrors } from '@modules/auth/auth.errors';
import { AuthService } from '@modules/auth/auth.service';
import { BasicCredentials } from '@modules/auth/basic-credentials';
import type { Role } from '@modules/auth/entities/api-key.entity';

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Who may read the operations endpoints: GET /metrics takes METRICS_TOKEN as a bearer token or a
 * platform admin's key; the queue dashboard takes a platform admin's key, also as HTTP Basic
 * (what a browser sends on page loads), never METRICS_TOKEN, which only reads. Platform, not
 * organization: the queues and the metrics are every tenant's (job ids and error texts of other
 * organizations, their import volumes), so an organization's admin gets 403 PLATFORM_ROLE_REQUIRED.
 * Refusals are the API's own 401 and 403 errors.
 */
@Injectable()
export class OperationsAccess {
  private readonly tokenDigest: Buffer | null;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    private readonly auth: AuthService,
    private readonly basic: BasicCredentials,
  ) {
    this.tokenDigest = config.METRICS_TOKEN ? digest(config.METRICS_TOKEN) : null;
  }

  /** Resolves when the request may read the metrics; throws 401 or 403 otherwise. */
  async checkMetricsReader(headers: IncomingHttpHeaders): Promise<void> {
    const authorization = first(headers.authorization);
    if (this.isMetricsToken(authorization)) {
      return;
    }
    const caller = await this.auth.authenticateRequest(first(headers['x-api-key']), authorization);
    requirePlatformAdmin(caller);
  }

  /** Resolves when the request comes from a platform admin (X-API-Key, Bearer, or Basic); throws 401 or 403 otherwise. */
  async checkAdmin(headers: IncomingHttpHeaders, ip: string | null): Promise<void> {
    const authorization = first(headers.authorization);
    const caller =
      authorization && /^Basic /i.test(authorization) && !headers['x-api-key']
        ? await this.basic.authenticate(authorization, ip)
        : await this.auth.authenticateRequest(first(headers['x-api-key']), authorization);
    requirePlatformAdmin(caller);
  }

  /** Compared as digests of equal length in constant time: the token's length and prefix do not leak. */
  private isMetricsToken(authorization: string | undefined): boolean {
    const bearer = authorization && this.tokenDigest ? /^Bearer +(\S+)\s*$/i.exec(authorization) : null;
    return !!bearer && timingSafeEqual(digest(bearer[1]), this.tokenDigest!);
  }
}

function requirePlatformAdmin(caller: { role: Role; platform: boolean }): void {
  if (caller.role !== 'admin') {
    throw AuthErrors.forbidden(caller.role, 'admin');
  }
  if (!caller.platform) {
    throw AuthErrors.platformOnly();
  }
}

/** OperationsAccess for the metrics routes and the dashboard's gate (which Nest builds inside bull-board's module). */
@Module({ providers: [OperationsAccess], exports: [OperationsAccess] })
export class OperationsAccessModule {}
