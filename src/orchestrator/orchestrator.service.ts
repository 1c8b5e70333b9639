import { BadRequestException, Inject, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AgentRegistry } from '../agents/agent.registry.js';
import { newUlid } from '../common/ids/ulid.js';
import { traceparentFrom } from '../common/tracing/traceparent.js';
import type { Contract, JsonObject } from '../contracts/contract.model.js';
import { ORCHESTRATOR_AGENT_ID } from '../contracts/contract.model.js';
import { ContractRepository } from '../contracts/contract.repository.js';
import { TraceOutboxDispatcher } from '../integrations/trace/trace-outbox.dispatcher.js';
import type { OrchestrateRequestDto } from './dto/orchestrate-request.dto.js';
import type { OrchestrateResponseDto } from './dto/orchestrate-response.dto.js';
import { orchestratorConfig } from './orchestrator.config.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { runTask } from './task-runner.js';

/**
 * Routes a task to an agent, runs it, and records it (SPEC §5): one transaction for the REQUEST,
 * the agent's run, one transaction closing the REQUEST and adding the RESPONSE, then the answer.
 */
@Injectable()
export class OrchestratorService {
  constructor(
    private readonly registry: AgentRegistry,
    private readonly contracts: ContractRepository,
    private readonly trace: TraceOutboxDispatcher,
    @Inject(orchestratorConfig.KEY) private readonly config: ConfigType<typeof orchestratorConfig>,
  ) {}

  /**
   * `traceparent`: the caller's W3C trace context header; kept in the contracts' metadata and sent with
   * their Trace events. A new trace is started when it is absent or invalid.
   */
  async orchestrate(request: OrchestrateRequestDto, traceparent?: string): Promise<OrchestrateResponseDto> {
    const { session_id, capability: capabilityName } = request;
    const route = this.registry.lookup(capabilityName);
    if (!route.found) throw new NotFoundException(OrchestratorMessages.noAgent(capabilityName));
    if (!route.inService) throw new ServiceUnavailableException(OrchestratorMessages.noAgentInService(capabilityName));
    const { agent, capability } = route;

    const parameters = request.parameters ?? {};
    const input = await capability.validate(parameters);
    if (!input.ok) throw new BadRequestException(input.errors);

    const agentId = agent.definition.agent_id;
    const trace = traceparentFrom(traceparent);
    const outbox = { outbox: this.trace.enabled, traceparent: trace };
    const metadata: JsonObject = request.intent === undefined ? { traceparent: trace } : { intent: request.intent, traceparent: trace };
    const requestContract: Contract = {
      contract_id: newUlid(),
      session_id,
      contract_type: 'REQUEST',
      from_agent: ORCHESTRATOR_AGENT_ID,
      to_agent: agentId,
      capability: capabilityName,
      payload: parameters as JsonObject,
      status: 'in_progress',
      created_at: new Date().toISOString(),
      completed_at: null,
      result: null,
      error: null,
      metadata,
      parent_contract_id: null,
    };
    await this.contracts.insertRequest(requestContract, outbox);

    this.registry.taskStarted(agent);
    const outcome = await runTask(
      agent,
      input.value,
      { task_id: requestContract.contract_id, session_id, capability: capabilityName, context: request.context ?? {}, agent_id: agentId },
      this.config.taskTimeoutMs,
    );
    this.registry.taskFinished(agent, outcome.success);

    const completedAt = new Date().toISOString();
    const data = outcome.success ? outcome.data : null;
    const error = outcome.success ? null : outcome.error;
    const status = outcome.success ? 'completed' : 'failed';
    await this.contracts.completeRequest(
      requestContract.contract_id,
      { status, result: data, error, completed_at: completedAt },
      {
        contract_id: newUlid(),
        session_id,
        contract_type: 'RESPONSE',
        from_agent: agentId,
        to_agent: ORCHESTRATOR_AGENT_ID,
        capability: capabilityName,
        payload: { success: outcome.success, data, error },
        status,
        created_at: completedAt,
        completed_at: completedAt,
        result: data,
        error,
        metadata: { traceparent: trace },
        parent_contract_id: requestContract.contract_id,
      },
      outbox,
    );
    this.trace.notify();

    return {
      success: outcome.success,
      data,
      error,
      contract_id: requestContract.contract_id,
      agent_id: agentId,
      timestamp: completedAt,
    };
  }
}
