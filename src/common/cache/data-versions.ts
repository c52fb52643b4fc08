import { Global, Injectable, Logger, Module } from '@nestjs/common';
import { RedisService } from '@common/redis/redis.module';

/** Sets the key to the number given unless it holds a larger one: versions only move forward. */
const SET_MAX = `
local cur = tonumber(redis.call('GET', KEYS[1]))
if cur == nil or tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0
`;

/**
 * Each organization's data version, mirrored in Redis so a request learns it in the round trip
 * that takes its rate-limit token, instead of a database read. Every bump announces the new
 * version inside its transaction, before the commit, and again after it: a reader never sees an
 * older version once the new data is visible. Seeing the new version a moment before the commit is
 * harmless: analytics load their scope (and key their cached answers) by the version the database
 * shows them, so an early reader only misses the in-process memo.
 */
@Injectable()
export class DataVersions {
  private readonly logger = new Logger(DataVersions.name);

  constructor(private readonly redis: RedisService) {
    redis.client.defineCommand('dataVersionMax', { numberOfKeys: 1, lua: SET_MAX });
  }

  /** The Redis key of the organization's version (the rate-limit script reads it in the same round trip). */
  keyOf(orgId: string): string {
    return this.redis.key('dv', orgId);
  }

  /** Announces a bump (never moves the version back); a Redis failure is logged, the bump stands. */
  async announce(orgId: string, version: string | number): Promise<void> {
    try {
      await (this.redis.client as unknown as { dataVersionMax(k: string, v: string): Promise<number> }).dataVersionMax(this.keyOf(orgId), String(version));
    } catch (err) {
      this.logger.warn({ err, orgId }, 'data version not announced; requests read it from the database until it is');
    }
  }

  /** Records a version just read from the database when Redis has none (after a Redis restart). */
  async seed(orgId: string, version: string): Promise<void> {
    await this.redis.client.set(this.keyOf(orgId), version, 'NX').catch(() => undefined);
  }
}

@Global()
@Module({ providers: [DataVersions], exports: [DataVersions] })
export class DataVersionsModule {}
