import type { FactoryProvider } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { DATABASE, databaseDialect } from '../../database/index.js';
import { ContractRepository } from '../contract.repository.js';
import type { ContractsTables } from './contracts.tables.js';
import { PostgresContractRepository } from './postgres/postgres-contract.repository.js';
import { SqliteContractRepository } from './sqlite/sqlite-contract.repository.js';

/** The contract store's adapter for the dialect of `db` (one instance serves ContractRepository and OutboxRepository). */
export function contractRepositoryFor(db: Kysely<ContractsTables>): SqliteContractRepository {
  return databaseDialect(db as Kysely<any>) === 'postgres' ? new PostgresContractRepository(db) : new SqliteContractRepository(db);
}

export const contractRepositoryProvider: FactoryProvider<ContractRepository> = {
  provide: ContractRepository,
  inject: [DATABASE],
  useFactory: contractRepositoryFor,
};
