import { CanActivate, ExecutionContext, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'crypto';
import type { Request, Response } from 'express';
import { AppConfig } from '@config/app-config';
import { AppError } from '@common/errors';
import { RedisService } from '@common/redis/redis.module';
import { Lifecycle } from '@common/lifecycle/lifecycle';
import { AuthCache, REVOKED_CHANNEL } from './auth-cache';
import type { AuthContext } from './auth.context';

/** A credential that stopped working: every open stream opened with it ends at once. */
export interface Revocation {
  type: 'api-key' | 'session' | 'user';
  id: string;
}

const CHANNEL = REVOKED_CHANNEL;

/**
 * Open a slot when there are fewer than `max` live ones (slots whose process stopped refreshing
 * them lapse after SSE_SLOT_TTL_MS), in one round trip, by Redis's clock.
 */
const OPEN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

/** Keep a live slot (and the set holding it) for another SSE_SLOT_TTL_MS, by Redis's clock. */
const REFRESH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

type SlotClient = {
  sseOpen(k: string, max: number, slot: string, ttl: number): Promise<number>;
  sseRefresh(k: string, slot: string, ttl: number): Promise<number>;
};

interface OpenStream {
  auth: AuthContext;
  res: Response;
  end(reason: string): void;
}

/**
 * Server-Sent Event streams: at most MAX_SSE_STREAMS_PER_KEY open per API key or user across
 * every process (a Redis sorted set of slots), and each ends with a final `ended` event when its
 * credential is revoked (an API key revoked, a login ended, a user removed: pushed to every
 * process through Redis), its access token expires, or the process shuts down (`server-shutdown`).
 */
@Injectable()
export class SseStreams implements OnModuleInit {
  private readonly logger = new Logger(SseStreams.name);
  private readonly open = new Set<OpenStream>();
  private validate?: (auth: AuthContext) => Promise<boolean>;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly cache: AuthCache,
    private readonly lifecycle: Lifecycle,
  ) {
    redis.client.defineCommand('sseOpen', { numberOfKeys: 1, lua: OPEN });
    redis.client.defineCommand('sseRefresh', { numberOfKeys: 1, lua: REFRESH });
  }

  async onModuleInit(): Promise<void> {
    // The process is stopping: every stream gets its final event now, so clients reconnect
    // elsewhere instead of holding the HTTP server open until SHUTDOWN_GRACE_MS.
    this.lifecycle.onDrain('event streams', () => {
      for (const s of this.open) s.end('server-shutdown');
      return Promise.resolve();
    });
    await this.redis.subscribe(CHANNEL, (message) => {
      try {
        this.revoked(JSON.parse(message) as Revocation);
      } catch (err) {
        this.logger.warn({ err }, 'bad revocation notice');
      }
    });
    // Notices sent while the connection was down are lost: every open stream's credential is read again.
    this.redis.onResubscribe(() => {
      for (const s of this.open) void this.recheck(s);
    });
  }

  /** How a stream's credential is read again (the auth service's): still valid or not. */
  validateWith(validate: (auth: AuthContext) => Promise<boolean>): void {
    this.validate = validate;
  }

  /** Ends the stream if its credential stopped working without a notice reaching this process. */
  private async recheck(s: OpenStream): Promise<void> {
    try {
      if (this.validate && !(await this.validate(s.auth))) {
        s.end(s.auth.actorType === 'api-key' ? 'key-revoked' : 'login-ended');
      }
    } catch (err) {
      // The database is away: read again at the next renewal.
      this.logger.warn({ err }, 'stream credential not checked');
    }
  }

  /** Tells every process that a credential stopped working (this one at once). */
  async publishRevocation(r: Revocation): Promise<void> {
    this.cache.drop(r);
    this.revoked(r);
    await this.redis.publish(CHANNEL, JSON.stringify(r)).catch((err: unknown) => this.logger.warn({ err }, 'revocation notice not sent'));
  }

  /** Takes a stream slot for the caller or throws 429 SSE_STREAMS_LIMIT; the slot is given back when the response closes. */
  async acquire(auth: AuthContext, res: Response): Promise<void> {
    const max = this.config.MAX_SSE_STREAMS_PER_KEY;
    const key = this.redis.key('sse', auth.actorType, auth.actorId);
    const slot = randomUUID();
    const ttl = this.config.SSE_SLOT_TTL_MS;
    const client = this.redis.client as unknown as SlotClient;
    // Listening before the round trip: a client gone while the slot is being taken gives it back.
    let closed = false;
    let release: () => void = () => undefined;
    res.once('close', () => {
      closed = true;
      release();
    });
    const took = await client.sseOpen(key, max, slot, ttl);
    if (took !== 1) {
      throw new AppError(
        'SSE_STREAMS_LIMIT',
        429,
        `This ${auth.actorType === 'user' ? 'user' : 'API key'} already has ${max} event streams open (MAX_SSE_STREAMS_PER_KEY); close one first`,
        { max },
      ).withHeaders({ 'Retry-After': '5' });
    }
    let expiry: NodeJS.Timeout | undefined;
    const stream: OpenStream = {
      auth,
      res,
      end: (reason: string) => {
        if (!res.writableEnded) {
          res.write(`event: ended\ndata: ${JSON.stringify({ reason })}\n\n`);
          res.end();
        }
      },
    };
    if (auth.expiresAt) {
      expiry = setTimeout(() => stream.end('token-expired'), Math.max(0, auth.expiresAt - Date.now()));
      expiry.unref();
    }
    this.open.add(stream);
    // Each renewal also extends the set's own expiry (extending the slot alone let the whole set
    // lapse SSE_SLOT_TTL_MS after the last stream opened, and the cap with it), and reads the
    // stream's credential again: a revocation whose notice was lost ends the stream within a third of it.
    const refresh = setInterval(() => {
      void client.sseRefresh(key, slot, ttl).catch(() => undefined);
      void this.recheck(stream);
    }, ttl / 3);
    refresh.unref();
    release = () => {
      clearInterval(refresh);
      clearTimeout(expiry);
      this.open.delete(stream);
      void this.redis.client.zrem(key, slot).catch(() => undefined);
    };
    if (closed || res.destroyed) {
      release();
    }
  }

  private revoked(r: Revocation): void {
    for (const s of this.open) {
      const a = s.auth;
      const hit =
        (r.type === 'api-key' && a.actorType === 'api-key' && a.actorId === r.id) ||
        (r.type === 'session' && a.sessionId === r.id) ||
        (r.type === 'user' && a.actorType === 'user' && a.actorId === r.id);
      if (hit) s.end(r.type === 'api-key' ? 'key-revoked' : 'login-ended');
    }
  }
}

/** Guard of an event-stream route: takes the caller's stream slot before the stream starts. */
@Injectable()
export class SseSlotGuard implements CanActivate {
  constructor(private readonly streams: SseStreams) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request & { auth: AuthContext }>();
    await this.streams.acquire(req.auth, http.getResponse<Response>());
    return true;
  }
}
