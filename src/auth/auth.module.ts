import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { DatabaseModule } from '../database/database.module.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { authConfig } from './auth.config.js';
import { ApiKeyGuard } from './guards/api-key.guard.js';
import { KyselyApiKeysRepository } from './persistence/kysely-api-keys.repository.js';

/**
 * API keys with scopes: the key store (on DatabaseModule's connection), the service that
 * authenticates keys, and the global guard that enforces `@Scopes(...)`/`@Public()` on every route.
 * Keys are managed with `npm run keys` (src/cli/keys.ts).
 */
@Module({
  imports: [ConfigModule.forFeature(authConfig), DatabaseModule],
  providers: [
    KyselyApiKeysRepository,
    { provide: ApiKeysRepository, useExisting: KyselyApiKeysRepository },
    ApiKeysService,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeysService],
})
export class AuthModule {}
