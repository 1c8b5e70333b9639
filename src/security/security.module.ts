import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard } from './guards/rate-limit.guard.js';
import { RateLimitStore } from './rate-limit/rate-limit.store.js';
import { SlidingWindowStore } from './rate-limit/sliding-window.store.js';
import { securityConfig } from './security.config.js';

/**
 * Rate limiting: the global RateLimitGuard over a RateLimitStore (in memory: SlidingWindowStore).
 * The HTTP security headers (helmet, `security-headers.ts`) and CORS are middleware, set up with the
 * HTTP app in `app.setup.ts`.
 */
@Module({
  imports: [ConfigModule.forFeature(securityConfig)],
  providers: [
    { provide: RateLimitStore, useFactory: () => new SlidingWindowStore() },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class SecurityModule {}
