import { jest } from '@jest/globals';
import { ForbiddenException, NotFoundException } from '@nestjs/common';
import type { Contract } from '../contracts/contract.model.js';
import type { AcceptedTask, Lineage } from './accepted-task.js';
import type { AttemptRunner } from './attempt-runner.js';
import type { OrchestrateResponseDto } from './dto/orchestrate-response.dto.js';
import type { TaskEventsService } from './events/task-events.service.js';
import type { OrchestratorConfig } from './orchestrator.config.js';
import { OrchestratorService } from './orchestrator.service.js';
import type { TaskDistribution } from './task-distribution.js';
import type { Delegation, TaskRecorder } from './task-recorder.js';
import { TasksInFlight } from './tasks-in-flight.js';

/** Delegation calls reaching an API replica for a task that a worker runs (REDIS_URL): the parent is read from the store. */

const PARENT_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const config: OrchestratorConfig = {
  taskTimeoutMs: 1000,
  queueMax: 10,
  queueTimeoutMs: 1000,
  maxAttempts: 3,
  delegationMaxDepth: 2,
  delegationMaxChildren: 3,
};

function request(id: string, capability: string, toAgent: string): Contract {
  return {
    contract_id: id,
    session_id: 'sess',
    contract_type: 'REQUEST',
    from_agent: 'orchestrator',
    to_agent: toAgent,
    capability,
    payload: {},
    status: 'in_progress',
    created_at: new Date().toISOString(),
    completed_at: null,
    result: null,
    error: null,
    metadata: {},
    parent_contract_id: null,
  };
}

function task(contract: Contract, lineage: Lineage, children = 0): AcceptedTask {
  return {
    request: contract,
    capability: contract.capability ?? '',
    parameters: {},
    context: { user: 'u' },
    outbox: { outbox: false, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    lineage,
    children,
  };
}

function setUp(options: { runner?: string; parent?: AcceptedTask; enabled?: boolean }) {
  const recorded: Array<{ toAgent: string; delegation?: Delegation; capability: string }> = [];
  const outcomes: Array<{ error: string | null }> = [];
  const recorder = {
    inProgress: jest.fn(async () => options.parent),
    recordRequest: jest.fn(async (req: { capability: string }, _trace: string | undefined, toAgent: string, delegation?: Delegation) => {
      recorded.push({ toAgent, delegation, capability: req.capability });
      return task(request('01SUBTASK00000000000000000', req.capability, toAgent), delegation!.lineage);
    }),
    recordOutcome: jest.fn(async (t: AcceptedTask, outcome: { result: { success: boolean; error?: string } }) => {
      outcomes.push({ error: outcome.result.error ?? null });
      return {
        success: false,
        data: null,
        error: outcome.result.error ?? null,
        contract_id: t.request.contract_id,
        agent_id: 'x',
        timestamp: '',
      };
    }),
  };
  const answer: OrchestrateResponseDto = {
    success: true,
    data: { result: 'UP' },
    error: null,
    contract_id: '01SUBTASK00000000000000000',
    agent_id: 'agent_upper',
    timestamp: '',
  };
  const distribution = {
    enabled: options.enabled ?? true,
    runningAgentOf: jest.fn(async () => options.runner),
    runElsewhere: jest.fn(async () => answer),
    onCancelRequest: jest.fn(() => () => undefined),
    cancel: jest.fn(async () => true),
  };
  const attempts = { check: jest.fn(async () => 'agent_upper'), place: jest.fn() };
  const service = new OrchestratorService(
    attempts as unknown as AttemptRunner,
    recorder as unknown as TaskRecorder,
    new TasksInFlight(),
    {} as TaskEventsService,
    distribution as unknown as TaskDistribution,
    config,
  );
  return { service, recorder, distribution, attempts, recorded, outcomes };
}

describe('OrchestratorService.delegateFor on a replica that does not run the parent', () => {
  it('is a 404 without workers, or when no attempt of the task runs (no running agent recorded), before any check or write', async () => {
    for (const options of [{ enabled: false, runner: 'agent_b' }, { runner: undefined }]) {
      const { service, recorder } = setUp(options);
      const authorize = jest.fn();
      await expect(service.delegateFor(PARENT_ID, { capability: 'upper' }, authorize)).rejects.toBeInstanceOf(NotFoundException);
      expect(authorize).not.toHaveBeenCalled();
      expect(recorder.recordRequest).not.toHaveBeenCalled();
    }
  });

  it('is a 404 when the store has no in-progress REQUEST of that id', async () => {
    const { service, recorder } = setUp({ runner: 'agent_b', parent: undefined });
    await expect(service.delegateFor(PARENT_ID, { capability: 'upper' })).rejects.toBeInstanceOf(NotFoundException);
    expect(recorder.recordRequest).not.toHaveBeenCalled();
  });

  it('asks `authorize` about the agent the worker recorded for the current attempt, not the REQUEST’s to_agent', async () => {
    const parent = task(request(PARENT_ID, 'plan', 'agent_a'), { depth: 0, chain: [] });
    const { service, recorder } = setUp({ runner: 'agent_b', parent });
    const authorize = jest.fn((runner: string) => {
      if (runner !== 'agent_a') throw new ForbiddenException('bound to agent_a');
    });
    await expect(service.delegateFor(PARENT_ID, { capability: 'upper' }, authorize)).rejects.toBeInstanceOf(ForbiddenException);
    expect(authorize).toHaveBeenCalledWith('agent_b');
    expect(recorder.recordRequest).not.toHaveBeenCalled();
  });

  it('records the sub-task under the parent, runs it on a worker and answers the delegation result', async () => {
    const parent = task(request(PARENT_ID, 'plan', 'agent_a'), { depth: 0, chain: [] });
    const { service, distribution, recorded, attempts } = setUp({ runner: 'agent_b', parent });
    const result = await service.delegateFor(PARENT_ID, { capability: 'upper', parameters: { text: 'up' } });
    expect(result).toEqual({
      success: true,
      data: { result: 'UP' },
      error: null,
      contract_id: '01SUBTASK00000000000000000',
      agent_id: 'agent_upper',
    });
    expect(attempts.check).toHaveBeenCalledWith('upper', { text: 'up' });
    expect(recorded).toEqual([
      {
        capability: 'upper',
        toAgent: 'agent_upper',
        delegation: { lineage: { depth: 1, chain: ['plan'] }, parentId: PARENT_ID, fromAgent: 'agent_b', parentSignal: undefined },
      },
    ]);
    expect(distribution.runElsewhere).toHaveBeenCalledTimes(1);
    expect(distribution.onCancelRequest).toHaveBeenCalledWith(PARENT_ID, expect.any(Function));
  });

  it('keeps DELEGATION_MAX_DEPTH and DELEGATION_MAX_CHILDREN with the lineage and sub-tasks read from the store', async () => {
    const deep = task(request(PARENT_ID, 'c', 'agent_a'), { depth: 2, chain: ['a', 'b'] });
    const tooDeep = setUp({ runner: 'agent_b', parent: deep });
    expect(await tooDeep.service.delegateFor(PARENT_ID, { capability: 'upper' })).toMatchObject({ success: false, agent_id: null });
    expect(tooDeep.outcomes[0].error).toContain('DELEGATION_MAX_DEPTH=2');
    expect(tooDeep.distribution.runElsewhere).not.toHaveBeenCalled();

    const busy = task(request(PARENT_ID, 'plan', 'agent_a'), { depth: 0, chain: [] }, 3);
    const tooMany = setUp({ runner: 'agent_b', parent: busy });
    expect(await tooMany.service.delegateFor(PARENT_ID, { capability: 'upper' })).toMatchObject({ success: false, agent_id: null });
    expect(tooMany.outcomes[0].error).toContain('DELEGATION_MAX_CHILDREN=3');
  });
});
