import { Inject, Injectable, Logger, type FactoryProvider, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Kysely } from 'kysely';
import { resolve } from 'node:path';
import { contractsConfig } from '../../contracts.config.js';
import { CONTRACTS_DATABASE, SQLITE_FILE_NAME } from '../../contracts.constants.js';
import type { ContractsDatabase } from '../contracts-database.schema.js';
import { openSqliteDatabase } from './open-sqlite-database.js';

/**
 * `CONTRACTS_DATABASE`: the Kysely instance over `${DATA_DIR}/orchestrator.db`. The factory is async and
 * runs the migrations before it resolves, so nothing can inject the database before the schema is
 * up to date.
 */
export const sqliteDatabaseProvider: FactoryProvider<Promise<Kysely<ContractsDatabase>>> = {
  provide: CONTRACTS_DATABASE,
  inject: [contractsConfig.KEY],
  useFactory: async (config: ConfigType<typeof contractsConfig>) => {
    const db = await openSqliteDatabase({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous });
    new Logger('ContractsModule').log(
      `Contract store: ${resolve(config.dataDir, SQLITE_FILE_NAME)} (SQLite, WAL, synchronous=${config.sqliteSynchronous})`,
    );
    return db;
  },
};

/**
 * Closes the database at shutdown. `onApplicationShutdown` runs after every `beforeApplicationShutdown`
 * hook, i.e. after background loops (the outbox dispatcher) have stopped using the store.
 */
@Injectable()
export class SqliteDatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(CONTRACTS_DATABASE) private readonly db: Kysely<ContractsDatabase>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
