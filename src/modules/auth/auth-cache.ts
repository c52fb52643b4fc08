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
  private readonly loading = new Map<string, Promise<AuthContext | null>>();
  /** Bumped by every drop: a load that began before one does not put back what it read. */
  private epoch = 0;

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

  /** The API key's context: cached, or loaded once however many requests ask at the same moment. */
  key(hash: string, load: () => Promise<AuthContext | null>): Promise<AuthContext | null> {
    return this.through(this.keys, `k:${hash}`, hash, load);
  }

  /** A login's context (see key()). */
  session(id: string, load: () => Promise<AuthContext | null>): Promise<AuthContext | null> {
    return this.through(this.sessions, `s:${id}`, id, load);
  }

  /**
   * A fresh entry is answered as is. An expired one is answered too while one load refreshes it in
   * the background (it was not revoked: revocations delete entries), so the thousand requests that
   * arrive as it expires do not all go to the database at once, which made p99 seconds at 1,000
   * connections. Past 2 × AUTH_CACHE_MS, or once a refresh has failed (the database away), an
   * entry is gone: a credential whose revocation notice was lost (Redis away) works at most
   * 2 × AUTH_CACHE_MS after. A miss loads once for every request waiting on it.
   */
  private async through(map: Map<string, Entry<AuthContext>>, flight: string, k: string, load: () => Promise<AuthContext | null>): Promise<AuthContext | null> {
    const now = Date.now();
    const e = map.get(k);
    if (e && e.until > now) return { ...e.value };
    const refresh = () => {
      let p = this.loading.get(flight);
      if (!p) {
        const began = this.epoch;
        p = load().then(
          (ctx) => {
            if (ctx && began === this.epoch) this.put(map, k, ctx);
            else map.delete(k);
            return ctx;
          },
          (err: unknown) => {
            map.delete(k);
            throw err;
          },
        );
        this.loading.set(flight, p);
        void p.finally(() => this.loading.delete(flight)).catch(() => undefined);
      }
      return p;
    };
    if (e && e.until + this.ttl > now) {
      void refresh().catch((err: unknown) => this.logger.warn({ err }, 'credential refresh failed'));
      return { ...e.value };
    }
    map.delete(k);
    const ctx = await refresh();
    return ctx ? { ...ctx } : null;
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
    this.epoch++;
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
    this.epoch++;
    this.keys.clear();
    this.sessions.clear();
    this.tokens.clear();
  }

  private put(map: Map<string, Entry<AuthContext>>, k: string, ctx: AuthContext): void {
    if (this.ttl <= 0) return;
    if (map.size >= MAX_ENTRIES) map.clear();
    map.set(k, { value: { ...ctx }, until: Date.now() + this.ttl });
  }
}
