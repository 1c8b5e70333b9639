import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { databaseConfig } from './database.config.js';
import { DATABASE } from './database.constants.js';
import { DatabaseCloser, databaseProvider } from './database.provider.js';

/**
 * The store's connection (`DATABASE`: one migrated `Kysely<Database>` per application), its
 * migrations and its shutdown. Imported by each module that has a repository rather than made global:
 * the dependency stays visible in the module that uses it, and a module imported alone (a CLI's
 * context, a spec's testing module) still gets its database. Nest instantiates a static module once,
 * so every importer shares the same connection.
 */
@Module({
  imports: [ConfigModule.forFeature(databaseConfig)],
  providers: [databaseProvider, DatabaseCloser],
  exports: [DATABASE],
})
export class DatabaseModule {}
