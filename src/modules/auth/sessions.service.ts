import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { AppConfig } from '@config/app-config';
import { currentRequest } from '@common/request-context';
import { AuditService } from '@modules/audit/audit.service';
import { AccessTokens } from './access-tokens';
import { AuthContext } from './auth.context';
import { AuthErrors } from './auth.errors';
import { TokenPairDto } from './dto/user.dto';
import { LoginLimiter } from './login-limiter';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';
import { SseStreams } from './sse-streams';
import { AuthCache } from './auth-cache';
import { DataVersions } from '@common/cache/data-versions';
import { UserRow, UsersRepository } from './users.repository';
import { hashSecret } from './secret-hash';

export const hashToken = hashSecret;
export const newSecret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

/** Logins: password check, token pairs, refresh rotation with reuse detection, logout, password set. */
@Injectable()
export class SessionsService {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly tokens: AccessTokens,
    private readonly limiter: LoginLimiter,
    private readonly audit: AuditService,
    private readonly streams: SseStreams,
    private readonly cache: AuthCache,
    private readonly dataVersions: DataVersions,
  ) {}

  async login(email: string, password: string, userAgent: string | null): Promise<TokenPairDto> {
    const ip = currentRequest()?.ip ?? null;
    await this.limiter.reserve(email, ip);
    const user = await this.users.userByEmail(email);
    if (!(await verifyPassword(user?.password_hash ?? null, password)) || !user) {
      await this.audit.record(
        { orgId: user?.org_id ?? null, actorType: 'anonymous', actorId: null },
        { action: 'auth.login-failed', target: { type: 'user', id: user?.id ?? null }, details: { email: email.slice(0, 254) } },
      );
      throw AuthErrors.loginFailed();
    }
    await this.limiter.succeeded(email, ip);
    const refreshToken = newSecret('rt');
    const refreshExpiresAt = new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    const sessionId = await this.users.createSession(user, hashToken(refreshToken), refreshExpiresAt, ip, userAgent);
    await this.audit.record({ orgId: user.org_id, actorType: 'user', actorId: user.id }, { action: 'auth.login', target: { type: 'session', id: sessionId } });
    return this.pair(user.id, sessionId, user.org_id, refreshToken, refreshExpiresAt);
  }

  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const next = newSecret('rt');
    const { outcome, row } = await this.users.rotateRefresh(hashToken(refreshToken), hashToken(next));
    if (outcome === 'REUSED') {
      await this.streams.publishRevocation({ type: 'session', id: row!.session_id });
      await this.audit.record(
        { orgId: row!.org_id, actorType: 'anonymous', actorId: null },
        { action: 'auth.refresh-reused', target: { type: 'session', id: row!.session_id }, details: { userId: row!.user_id } },
      );
      throw AuthErrors.refreshReused();
    }
    if (outcome !== 'ROTATED') {
      throw AuthErrors.refreshInvalid();
    }
    return this.pair(row!.user_id, row!.session_id, row!.org_id, next, row!.expires_at);
  }

  /** Ends a login: the one a refresh token belongs to, else the one of the access token making the call. */
  async logout(auth: AuthContext | undefined, refreshToken: string | undefined): Promise<void> {
    let session: { id: string; orgId: string; userId: string } | null = null;
    if (refreshToken) {
      const found = await this.users.sessionOfRefresh(hashToken(refreshToken));
      if (!found) throw AuthErrors.refreshInvalid();
      session = { id: found.session_id, orgId: found.org_id, userId: found.user_id };
    } else if (auth?.sessionId) {
      session = { id: auth.sessionId, orgId: auth.orgId, userId: auth.actorId };
    }
    if (!session) throw AuthErrors.notALogin();
    if (await this.users.revokeSession(session.id, 'logout')) {
      await this.streams.publishRevocation({ type: 'session', id: session.id });
      await this.audit.record({ orgId: session.orgId, actorType: 'user', actorId: session.userId }, { action: 'auth.logout', target: { type: 'session', id: session.id } });
    }
  }

  /** Redeems a password-set token: sets the password, burns the token, ends the user's logins. */
  async setPassword(token: string, password: string): Promise<void> {
    let problem: string | null = null;
    const result = await this.users.redeemPasswordToken(hashToken(token), async (email) => {
      problem = passwordProblem(password, email);
      if (problem) throw AuthErrors.weakPassword(problem);
      return hashPassword(password);
    });
    if (result === null) throw AuthErrors.passwordTokenInvalid();
    if (result === 'EXPIRED') throw AuthErrors.passwordTokenExpired();
    await this.streams.publishRevocation({ type: 'user', id: result.id });
    await this.audit.record({ orgId: result.org_id, actorType: 'user', actorId: result.id }, { action: 'user.password-set', target: { type: 'user', id: result.id } });
  }

  /** The caller behind an access token: verified signature, then its session still live (one indexed read). */
  /** Whether a login's session is still open and its user's (read from the database, not the cache). */
  async isActive(auth: AuthContext): Promise<boolean> {
    const session = auth.sessionId ? await this.users.activeSession(auth.sessionId) : null;
    return session !== null && session.userId === auth.actorId;
  }

  async authenticateAccessToken(token: string): Promise<AuthContext> {
    let claims = this.cache.token(token);
    if (!claims) {
      claims = this.tokens.verify(token);
      this.cache.putToken(token, claims);
    } else if (claims.exp * 1000 <= Date.now()) {
      throw AuthErrors.expiredToken();
    }
    const sid = claims.sid;
    const ctx = await this.cache.session(sid, async () => {
      const session = await this.users.activeSession(sid);
      if (!session) return null;
      void this.dataVersions.seed(session.orgId, session.dataVersion);
      return {
        orgId: session.orgId,
        actorType: 'user',
        actorId: session.userId,
        role: session.role,
        platform: false,
        sessionId: sid,
        dataVersion: session.dataVersion,
        rateLimits: session.rateLimits,
      };
    });
    if (!ctx || ctx.actorId !== claims.sub) {
      throw AuthErrors.sessionEnded();
    }
    return { ...ctx, expiresAt: claims.exp * 1000 };
  }

  private pair(userId: string, sessionId: string, orgId: string, refreshToken: string, refreshExpiresAt: Date): TokenPairDto {
    return {
      accessToken: this.tokens.sign(userId, sessionId, orgId),
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      refreshToken,
      refreshExpiresAt: refreshExpiresAt.toISOString(),
    };
  }
}

export type { UserRow };
