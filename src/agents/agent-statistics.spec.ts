import { AgentStatistics } from './agent-statistics.js';
import type { AgentState } from './interfaces/registered-agent.interface.js';

describe('AgentStatistics', () => {
  it('counts completed and failed attempts (a transport error is a failure); an unused slot counts nothing', () => {
    const state = { ...AgentStatistics.NONE } as AgentState;
    const statistics = new AgentStatistics();
    for (const outcome of ['completed', 'failed', 'transport_error', 'unused', 'completed'] as const) statistics.record(state, outcome);
    expect(state).toMatchObject({ tasks_completed: 2, tasks_failed: 2 });
  });
});
