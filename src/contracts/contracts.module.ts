import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ContractRepository, OutboxRepository } from './contract.repository.js';
import { contractsConfig } from './contracts.config.js';
import { CONTRACTS_DATABASE } from './contracts.constants.js';
import { ContractsController } from './contracts.controller.js';
import { ContractsService } from './contracts.service.js';
import { PythonContractsImporter } from './import/python-contracts.importer.js';
import { SqliteContractRepository } from './persistence/sqlite/sqlite-contract.repository.js';
import { SqliteDatabaseCloser, sqliteDatabaseProvider } from './persistence/sqlite/sqlite-database.provider.js';
import { SessionsController } from './sessions.controller.js';

/**
 * The contract model and store (SQLite through Kysely by default), queries, sessions, and the
 * `/v1/contracts` and `/v1/sessions` routes. Other modules inject ContractRepository (writes),
 * OutboxRepository (Trace dispatcher) and ContractsService (reads).
 */
@Module({
  imports: [ConfigModule.forFeature(contractsConfig)],
  controllers: [ContractsController, SessionsController],
  providers: [
    sqliteDatabaseProvider,
    SqliteDatabaseCloser,
    SqliteContractRepository,
    { provide: ContractRepository, useExisting: SqliteContractRepository },
    { provide: OutboxRepository, useExisting: SqliteContractRepository },
    ContractsService,
    PythonContractsImporter,
  ],
  exports: [CONTRACTS_DATABASE, ContractRepository, OutboxRepository, ContractsService, PythonContractsImporter],
})
export class ContractsModule {}
