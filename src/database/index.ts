/** The public API of the database: what feature modules, CLIs and tests import from `src/database`. */
export {
  databaseConfig,
  loadDatabaseConfig,
  SQLITE_SYNCHRONOUS_MODES,
  type DatabaseConfig,
  type SqliteSynchronousMode,
} from './database.config.js';
export { DATABASE, SQLITE_BUSY_TIMEOUT_MS, SQLITE_FILE_NAME } from './database.constants.js';
export { databaseDialect, type DatabaseDialect } from './database-dialect.js';
export { DatabaseModule } from './database.module.js';
export type { Database } from './database.schema.js';
export { DatabaseMigrationError } from './errors/database-migration.error.js';
export { DATABASE_MIGRATIONS, databaseMigrationProvider, migrateDatabase } from './migrations/index.js';
export { openDatabase } from './open-database.js';
export { openPostgresDatabase, redactPostgresUrl, type PostgresDatabaseOptions } from './postgres/open-postgres-database.js';
export { prepareOnEveryConnection } from './postgres/prepared-statements.js';
export { openSqliteDatabase, type SqliteDatabaseOptions } from './sqlite/open-sqlite-database.js';
