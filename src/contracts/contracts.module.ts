import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { DatabaseModule } from '../database/database.module.js';
import { ContractRepository, OutboxRepository } from './contract.repository.js';
import { contractsConfig } from './contracts.config.js';
import { ContractsController } from './contracts.controller.js';
import { ContractsService } from './contracts.service.js';
import { PythonContractsImporter } from './import/python-contracts.importer.js';
import { contractRepositoryProvider } from './persistence/contract-repository.provider.js';
import { SessionsController } from './sessions.controller.js';

/**
 * The contract model and its repository (on DatabaseModule's connection), queries, sessions, and the
 * `/v1/contracts` and `/v1/sessions` routes. Other modules inject ContractRepository (writes),
 * OutboxRepository (Trace dispatcher) and ContractsService (reads).
 */
@Module({
  imports: [ConfigModule.forFeature(contractsConfig), DatabaseModule],
  controllers: [ContractsController, SessionsController],
  providers: [
    contractRepositoryProvider,
    { provide: OutboxRepository, useExisting: ContractRepository },
    ContractsService,
    PythonContractsImporter,
  ],
  exports: [ContractRepository, OutboxRepository, ContractsService, PythonContractsImporter],
})
export class ContractsModule {}
