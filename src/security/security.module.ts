import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuthModule } from '../auth/auth.module.js';
import { RateLimitMiddleware } from './middleware/rate-limit.middleware.js';
import { RateLimitStore } from './rate-limit/rate-limit.store.js';
import { SlidingWindowStore } from './rate-limit/sliding-window.store.js';
import { securityConfig } from './security.config.js';

/**
 * Rate limiting: RateLimitMiddleware over a RateLimitStore (in memory: SlidingWindowStore). It is
 * Express middleware, not a guard, so that it runs before the body is read; `app.setup.ts` mounts
 * it, with the HTTP security headers (helmet, `security-headers.ts`) and CORS.
 */
@Module({
  imports: [ConfigModule.forFeature(securityConfig), AuthModule],
  providers: [{ provide: RateLimitStore, useFactory: () => new SlidingWindowStore() }, RateLimitMiddleware],
  exports: [RateLimitMiddleware],
})
export class SecurityModule {}
