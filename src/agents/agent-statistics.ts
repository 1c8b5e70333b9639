import type { AgentState, SlotOutcome } from './interfaces/registered-agent.interface.js';

/** The task counts `/v1/agents` and `/v1/status` show for each agent since start, kept in the agent's state. */
export class AgentStatistics {
  /** The statistics' part of a new agent's state. */
  static readonly NONE = { tasks_completed: 0, tasks_failed: 0 } as const satisfies Partial<AgentState>;

  /** Counts an attempt that ran: completed, or failed whatever the cause. A slot given back unused counts nothing. */
  record(state: AgentState, outcome: SlotOutcome): void {
    if (outcome === 'unused') return;
    if (outcome === 'completed') state.tasks_completed += 1;
    else state.tasks_failed += 1;
  }
}
