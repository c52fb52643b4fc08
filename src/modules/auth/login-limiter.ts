import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@config/app-config';
import { RedisService } from '@common/redis/redis.module';
import { AuthErrors } from './auth.errors';
import { hashSecret } from './secret-hash';

/**
 * Reserves an attempt on both counters (account, address) unless either is at its limit; answers
 * 0, or the milliseconds until the fuller refusing counter's window ends. One script, so a burst
 * of simultaneous logins cannot all pass a check before any of them is counted.
 * KEYS: account, address; ARGV: account limit, address limit, window ms.
 */
const RESERVE = `
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 1 then ttl = tonumber(ARGV[3]) end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[3]) end
end
return 0`;

/** A reserved attempt that succeeded: the account's counter goes, the address's gives one back (never below zero, never without its expiry). */
const GIVE_BACK = `
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 0`;

type ReservingClient = { loginReserve(...args: Array<string | number>): Promise<number>; loginGiveBack(...keys: string[]): Promise<number> };

/**
 * Failed logins counted per account and per client address in Redis (shared by every process),
 * over a fixed window. Every attempt is counted as a failure before its password is checked (a
 * success gives it back), so past either limit, logins for that account or from that address are
 * refused with 429 and Retry-After until the window ends, however many arrive at once.
 */
@Injectable()
export class LoginLimiter {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {
    redis.client.defineCommand('loginReserve', { numberOfKeys: 2, lua: RESERVE });
    redis.client.defineCommand('loginGiveBack', { numberOfKeys: 2, lua: GIVE_BACK });
  }

  private keys(email: string, ip: string | null): [string, string] {
    const account = hashSecret(email.trim().toLowerCase()).slice(0, 32);
    return [this.redis.key('login-fail', 'acct', account), this.redis.key('login-fail', 'ip', ip ?? 'unknown')];
  }

  /** Counts an attempt as failed in advance; throws LOGIN_RATE_LIMITED when the account or the address is at its limit. */
  async reserve(email: string, ip: string | null): Promise<void> {
    const [acct, addr] = this.keys(email, ip);
    const c = this.config;
    // Fails closed: without its counters a login could be guessed at without limit.
    if (this.redis.client.status !== 'ready') {
      throw AuthErrors.loginUnavailable();
    }
    const wait = Number(
      await (this.redis.client as unknown as ReservingClient)
        .loginReserve(acct, addr, c.LOGIN_MAX_FAILURES_PER_ACCOUNT, c.LOGIN_MAX_FAILURES_PER_IP, c.LOGIN_WINDOW_S * 1000)
        .catch(() => {
          throw AuthErrors.loginUnavailable();
        }),
    );
    if (wait > 0) {
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      throw AuthErrors.loginRateLimited(seconds).withHeaders({ 'Retry-After': String(seconds) });
    }
  }

  /** A reserved attempt succeeded: the account's failures are forgotten and the address's count gives the attempt back. */
  async succeeded(email: string, ip: string | null): Promise<void> {
    await (this.redis.client as unknown as ReservingClient).loginGiveBack(...this.keys(email, ip));
  }
}
