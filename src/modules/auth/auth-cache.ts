import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@config/app-config';
import { RedisService } from '@common/redis/redis.module';
import type { AccessClaims } from './access-tokens';
import type { AuthContext } from './auth.context';

/** What makes cached credentials wrong: a revocation (also ends streams) or a change of role or limits. */
export interface CredentialNotice {
  type: 'api-key' | 'session' | 'user' | 'user-updated' | 'org-updated';
  id: string;
}

export const REVOKED_CHANNEL = 'auth-revoked';
const CHANGED_CHANNEL = 'auth-changed';
const MAX_ENTRIES = 20_000;

interface Entry<T> {
  value: T;
  until: number;
}

/**
 * Verified credentials kept in the process for AUTH_CACHE_MS, so a request with a known API key or
 * access token makes no database read: API keys by hash, logins by session id, and verified JWTs
 * (the HMAC check costs more than the rest of a cached answer). Every revocation or change is
 * applied here at once and pushed to every other process through Redis; after the notice
 * connection reconnects (notices may have been missed) everything is dropped, and an entry lives
 * AUTH_CACHE_MS at most in any case. The data version is never taken from here (see DataVersions).
 */
@Injectable()
export class AuthCache implements OnModuleInit {
  private readonly logger = new Logger(AuthCache.name);
  private readonly keys = new Map<string, Entry<AuthContext>>();
  private readonly sessions = new Map<string, Entry<AuthContext>>();
  private readonly tokens = new Map<string, AccessClaims>();

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {}

  async onModuleInit(): Promise<void> {
    const handle = (message: string) => {
      try {
        this.drop(JSON.parse(message) as CredentialNotice);
      } catch (err) {
        this.logger.warn({ err }, 'bad credential notice');
      }
    };
    await this.redis.subscribe(REVOKED_CHANNEL, handle);
    await this.redis.subscribe(CHANGED_CHANNEL, handle);
    this.redis.onResubscribe(() => this.clear());
  }

  private get ttl(): number {
    return this.config.AUTH_CACHE_MS;
  }

  key(hash: string): AuthContext | undefined {
    return this.fresh(this.keys, hash);
  }

  putKey(hash: string, ctx: AuthContext): void {
    this.put(this.keys, hash, ctx);
  }

  session(id: string): AuthContext | undefined {
    return this.fresh(this.sessions, id);
  }

  putSession(id: string, ctx: AuthContext): void {
    this.put(this.sessions, id, ctx);
  }

  /** A token whose signature was verified (its expiry is checked by the caller every time). */
  token(token: string): AccessClaims | undefined {
    return this.ttl > 0 ? this.tokens.get(token) : undefined;
  }

  putToken(token: string, claims: AccessClaims): void {
    if (this.ttl <= 0) return;
    if (this.tokens.size >= MAX_ENTRIES) this.tokens.clear();
    this.tokens.set(token, claims);
  }

  /** A role or limit changed: applied here now, and in every other process when the notice arrives. */
  async changed(notice: CredentialNotice): Promise<void> {
    this.drop(notice);
    await this.redis.publish(CHANGED_CHANNEL, JSON.stringify(notice)).catch((err: unknown) => this.logger.warn({ err }, 'change notice not sent'));
  }

  drop(n: CredentialNotice): void {
    const match = (ctx: AuthContext) =>
      (n.type === 'api-key' && ctx.actorType === 'api-key' && ctx.actorId === n.id) ||
      (n.type === 'session' && ctx.sessionId === n.id) ||
      ((n.type === 'user' || n.type === 'user-updated') && ctx.actorType === 'user' && ctx.actorId === n.id) ||
      (n.type === 'org-updated' && ctx.orgId === n.id);
    for (const map of [this.keys, this.sessions]) {
      for (const [k, e] of map) if (match(e.value)) map.delete(k);
    }
    if (n.type === 'session' || n.type === 'user') {
      for (const [t, c] of this.tokens) if (c.sid === n.id || c.sub === n.id) this.tokens.delete(t);
    }
  }

  clear(): void {
    this.keys.clear();
    this.sessions.clear();
    this.tokens.clear();
  }

  private fresh(map: Map<string, Entry<AuthContext>>, k: string): AuthContext | undefined {
    const e = map.get(k);
    if (!e) return undefined;
    if (e.until <= Date.now()) {
      map.delete(k);
      return undefined;
    }
    // A copy: the request sets its own data version on it.
    return { ...e.value };
  }

  private put(map: Map<string, Entry<AuthContext>>, k: string, ctx: AuthContext): void {
    if (this.ttl <= 0) return;
    if (map.size >= MAX_ENTRIES) map.clear();
    map.set(k, { value: { ...ctx }, until: Date.now() + this.ttl });
  }
}
