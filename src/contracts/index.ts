/** The public API of the contracts module for code outside it that cannot inject (the CLIs). */
export { ContractRepository, OutboxRepository, type TraceDeadLetter } from './contract.repository.js';
export { ContractsModule } from './contracts.module.js';
// For the `outbox` CLI, which works on an opened store without the Nest application (and for specs).
export { contractRepositoryFor } from './persistence/contract-repository.provider.js';
export { SqliteContractRepository } from './persistence/sqlite/sqlite-contract.repository.js';
