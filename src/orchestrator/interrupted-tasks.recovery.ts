import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ContractRepository } from '../contracts/contract.repository.js';
import { INTERRUPTED_TASK_ERROR } from '../contracts/contracts.constants.js';
import { OrchestratorMessages } from './orchestrator.messages.js';

/**
 * SPEC §5: REQUESTs a crash left `in_progress` are closed as failed when the server starts. Only the
 * server runs this: it lives in OrchestratorModule, which no CLI imports, because a CLI opened beside a
 * running server would otherwise fail that server's live tasks. `onApplicationBootstrap` runs once
 * every module is initialised and before the HTTP server listens, so no task of this run exists yet.
 */
@Injectable()
export class InterruptedTasksRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(InterruptedTasksRecovery.name);

  constructor(private readonly contracts: ContractRepository) {}

  async onApplicationBootstrap(): Promise<void> {
    const closed = await this.contracts.failInterrupted(INTERRUPTED_TASK_ERROR, new Date().toISOString());
    if (closed > 0) this.logger.warn(OrchestratorMessages.interruptedTasksClosed(closed));
  }
}
