import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { AuthModule } from '../auth/auth.module.js';
import { queueConfig } from '../queue/queue.config.js';
import { RateLimitMiddleware } from './middleware/rate-limit.middleware.js';
import { RedisRateLimitStore } from './rate-limit/redis-rate-limit.store.js';
import { RateLimitStore } from './rate-limit/rate-limit.store.js';
import { SlidingWindowStore } from './rate-limit/sliding-window.store.js';
import { securityConfig } from './security.config.js';

/**
 * Rate limiting: RateLimitMiddleware over a RateLimitStore: with REDIS_URL, RedisRateLimitStore
 * (every process shares the limits), else the in-memory SlidingWindowStore (per process). It is
 * Express middleware, not a guard, so that it runs before the body is read; `app.setup.ts` mounts
 * it, with the HTTP security headers (helmet, `security-headers.ts`) and CORS.
 */
@Module({
  imports: [ConfigModule.forFeature(securityConfig), ConfigModule.forFeature(queueConfig), AuthModule],
  providers: [
    {
      provide: RateLimitStore,
      inject: [queueConfig.KEY],
      useFactory: ({ redisUrl, keyPrefix }: ConfigType<typeof queueConfig>) =>
        redisUrl === undefined ? new SlidingWindowStore() : new RedisRateLimitStore(redisUrl, keyPrefix),
    },
    RateLimitMiddleware,
  ],
  exports: [RateLimitMiddleware],
})
export class SecurityModule {}
