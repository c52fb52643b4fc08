import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { RedisService } from '@common/redis/redis.module';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimiter } from './rate-limiter';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * Rate limits for every route: @nestjs/throttler with a Redis token-bucket storage shared by every
 * process. Import after the auth module, so its guard runs after authentication.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [RedisService],
      useFactory: (redis: RedisService) => ({
        // The class limits come from RateLimiter; this entry only names the throttler.
        throttlers: [{ name: 'default', ttl: 60_000, limit: 100 }],
        storage: new RedisThrottlerStorage(redis),
      }),
    }),
  ],
  providers: [RateLimiter, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [RateLimiter],
})
export class RateLimitModule {}
