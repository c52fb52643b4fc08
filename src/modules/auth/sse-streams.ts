import { CanActivate, ExecutionContext, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'crypto';
import type { Request, Response } from 'express';
import { AppConfig } from '@config/app-config';
import { AppError } from '@common/errors';
import { RedisService } from '@common/redis/redis.module';
import { AuthCache, REVOKED_CHANNEL } from './auth-cache';
import type { AuthContext } from './auth.context';

/** A credential that stopped working: every open stream opened with it ends at once. */
export interface Revocation {
  type: 'api-key' | 'session' | 'user';
  id: string;
}

const CHANNEL = REVOKED_CHANNEL;
const SLOT_TTL_MS = 60_000;

/**
 * Open a slot when there are fewer than `max` live ones (slots whose process stopped refreshing
 * them lapse after a minute), in one round trip, by Redis's clock.
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

interface OpenStream {
  auth: AuthContext;
  res: Response;
  end(reason: string): void;
}

/**
 * Server-Sent Event streams: at most MAX_SSE_STREAMS_PER_KEY open per API key or user across
 * every process (a Redis sorted set of slots), and each ends with a final `ended` event when its
 * credential is revoked (an API key revoked, a login ended, a user removed: pushed to every
 * process through Redis) or its access token expires.
 */
@Injectable()
export class SseStreams implements OnModuleInit {
  private readonly logger = new Logger(SseStreams.name);
  private readonly open = new Set<OpenStream>();

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly cache: AuthCache,
  ) {
    redis.client.defineCommand('sseOpen', { numberOfKeys: 1, lua: OPEN });
  }

  async onModuleInit(): Promise<void> {
    await this.redis.subscribe(CHANNEL, (message) => {
      try {
        this.revoked(JSON.parse(message) as Revocation);
      } catch (err) {
        this.logger.warn({ err }, 'bad revocation notice');
      }
    });
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
    const took = await (this.redis.client as unknown as { sseOpen(k: string, max: number, slot: string, ttl: number): Promise<number> }).sseOpen(key, max, slot, SLOT_TTL_MS);
    if (took !== 1) {
      throw new AppError('SSE_STREAMS_LIMIT', 429, `This ${auth.actorType === 'user' ? 'user' : 'API key'} already has ${max} event streams open (MAX_SSE_STREAMS_PER_KEY); close one first`, { max })
        .withHeaders({ 'Retry-After': '5' });
    }
    const refresh = setInterval(() => {
      void this.redis.client.zadd(key, 'XX', Date.now() + SLOT_TTL_MS, slot).catch(() => undefined);
    }, SLOT_TTL_MS / 3);
    refresh.unref();
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
    res.once('close', () => {
      clearInterval(refresh);
      clearTimeout(expiry);
      this.open.delete(stream);
      void this.redis.client.zrem(key, slot).catch(() => undefined);
    });
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
