import { Inject, Injectable, Logger, type FactoryProvider, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Kysely } from 'kysely';
import { resolve } from 'node:path';
import { databaseConfig } from './database.config.js';
import { DATABASE, SQLITE_FILE_NAME } from './database.constants.js';
import { postgresStoreOpenedMessage, storeOpenedMessage } from './database.messages.js';
import type { Database } from './database.schema.js';
import { openDatabase } from './open-database.js';
import { redactPostgresUrl } from './postgres/open-postgres-database.js';

/**
 * `DATABASE`: the Kysely instance over the PostgreSQL store (`DATABASE_URL`) or `${DATA_DIR}/orchestrator.db`. The factory is async and runs
 * the migrations before it resolves, so nothing can inject the database before the schema is up to date.
 */
export const databaseProvider: FactoryProvider<Promise<Kysely<Database>>> = {
  provide: DATABASE,
  inject: [databaseConfig.KEY],
  useFactory: async (config: ConfigType<typeof databaseConfig>) => {
    const db = await openDatabase(config);
    new Logger('DatabaseModule').log(
      config.postgresUrl === undefined
        ? storeOpenedMessage(resolve(config.dataDir, SQLITE_FILE_NAME), config.sqliteSynchronous)
        : postgresStoreOpenedMessage(redactPostgresUrl(config.postgresUrl)),
    );
    return db;
  },
};

/**
 * Closes the database at shutdown. `onApplicationShutdown` runs after every `beforeApplicationShutdown`
 * hook, i.e. after background loops (the outbox dispatcher) have stopped using the store.
 */
@Injectable()
export class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Kysely<Database>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
