import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@config/app-config';
import { RedisService } from '@common/redis/redis.module';
import { AuthErrors } from './auth.errors';
import { hashSecret } from './secret-hash';

/**
 * Failed logins counted per account and per client address in Redis (shared by every process),
 * over a fixed window. Past either limit, logins for that account or from that address are
 * refused with 429 and Retry-After until the window ends, before any password is checked.
 */
@Injectable()
export class LoginLimiter {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {}

  private keys(email: string, ip: string | null): [string, string] {
    const account = hashSecret(email.trim().toLowerCase()).slice(0, 32);
    return [this.redis.key('login-fail', 'acct', account), this.redis.key('login-fail', 'ip', ip ?? 'unknown')];
  }

  /** Throws LOGIN_RATE_LIMITED when the account or the address is over its limit. */
  async check(email: string, ip: string | null): Promise<void> {
    const [acct, addr] = this.keys(email, ip);
    const [[, a], [, aTtl], [, i], [, iTtl]] = (await this.redis.client.multi().get(acct).pttl(acct).get(addr).pttl(addr).exec()) as Array<[unknown, string | number | null]>;
    const over = (count: unknown, max: number) => Number(count ?? 0) >= max;
    const waits: number[] = [];
    if (over(a, this.config.LOGIN_MAX_FAILURES_PER_ACCOUNT)) waits.push(Number(aTtl));
    if (over(i, this.config.LOGIN_MAX_FAILURES_PER_IP)) waits.push(Number(iTtl));
    if (waits.length > 0) {
      const seconds = Math.max(1, Math.ceil(Math.max(...waits) / 1000));
      throw AuthErrors.loginRateLimited(seconds).withHeaders({ 'Retry-After': String(seconds) });
    }
  }

  async failed(email: string, ip: string | null): Promise<void> {
    const window = this.config.LOGIN_WINDOW_S;
    const multi = this.redis.client.multi();
    for (const key of this.keys(email, ip)) {
      multi.incr(key).expire(key, window, 'NX');
    }
    await multi.exec();
  }

  async succeeded(email: string, ip: string | null): Promise<void> {
    await this.redis.client.del(this.keys(email, ip)[0]);
  }
}
