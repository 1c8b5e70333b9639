import { Logger } from '@nestjs/common';
import { outboundConnectionBudget, type ConnectionBudget } from '../common/http/connection-budget.js';
import { AgentsMessages } from './agents.messages.js';
import type { AgentDefinition } from './interfaces/registered-agent.interface.js';

/**
 * Each agent's effective limit of attempts at once. Each call to an agent reached over the network
 * holds a connection, so no more calls than this process can hold connections go out at once: the
 * others wait in the capability's queue, where QUEUE_MAX, QUEUE_TIMEOUT_MS and the metrics see them.
 */
export class ConcurrencyLimits {
  private readonly logger = new Logger('AgentRegistry');
  private readonly connections: ConnectionBudget;

  constructor(connections: ConnectionBudget = outboundConnectionBudget()) {
    this.connections = connections;
  }

  /** `max_concurrency`, or the connection budget for a remote agent that asks for more (or no limit). */
  of(definition: AgentDefinition): number | null {
    const declared = definition.max_concurrency;
    const machine = this.connections.limit;
    if (definition.kind === 'local' || machine === null || (declared !== null && declared <= machine)) return declared;
    if (declared !== null) {
      this.logger.warn(AgentsMessages.concurrencyBoundByMachine(definition.agent_id, declared, machine, this.connections.boundBy));
    }
    return machine;
  }
}
