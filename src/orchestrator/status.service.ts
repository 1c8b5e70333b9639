import { Injectable } from '@nestjs/common';
import { AgentsService } from '../agents/agents.service.js';
import { OutboxRepository } from '../contracts/contract.repository.js';
import { ContractsService } from '../contracts/contracts.service.js';
import { ReachabilityService } from '../integrations/reachability/reachability.service.js';
import { TraceOutboxDispatcher } from '../integrations/trace/trace-outbox.dispatcher.js';
import { SERVICE_DESCRIPTION, SERVICE_NAME, SERVICE_VERSION } from '../app.constants.js';
import type { HealthDto, ServiceInfoDto, StatusDto } from './dto/status.dto.js';
import { OrchestratorService } from './orchestrator.service.js';
import { AgentScheduler } from './routing/agent-scheduler.js';

/** Health, status and service info of `/v1`, `/v1/health` and `/v1/status`. */
@Injectable()
export class StatusService {
  constructor(
    private readonly agents: AgentsService,
    private readonly contracts: ContractsService,
    private readonly reachability: ReachabilityService,
    private readonly outbox: OutboxRepository,
    private readonly dispatcher: TraceOutboxDispatcher,
    private readonly orchestrator: OrchestratorService,
    private readonly scheduler: AgentScheduler,
  ) {}

  health(): HealthDto {
    return { service: SERVICE_NAME, status: 'healthy', version: SERVICE_VERSION };
  }

  info(): ServiceInfoDto {
    return {
      service: SERVICE_NAME,
      description: SERVICE_DESCRIPTION,
      version: SERVICE_VERSION,
      endpoints: {
        health: '/v1/health',
        status: '/v1/status',
        agents: '/v1/agents',
        orchestrate: '/v1/orchestrate',
        agent_heartbeat: '/v1/agents/{agent_id}/heartbeat',
        tasks: '/v1/tasks',
        task: '/v1/tasks/{task_id}',
        task_events: '/v1/tasks/{task_id}/events',
        task_cancel: '/v1/tasks/{task_id}/cancel',
        task_delegate: '/v1/tasks/{task_id}/delegate',
        contracts: '/v1/contracts',
        contract: '/v1/contracts/{contract_id}',
        contract_tree: '/v1/contracts/{contract_id}/tree',
        sessions: '/v1/sessions',
        session: '/v1/sessions/{session_id}',
        compress: '/v1/compress',
        a2a_agent_card: '/.well-known/agent-card.json',
        a2a: '/a2a',
        mcp: '/mcp',
      },
      docs: '/docs',
    };
  }

  async status(): Promise<StatusDto> {
    const [contracts, reach, backlog, deadLetters] = await Promise.all([
      this.contracts.stats(),
      this.reachability.check(),
      this.outbox.backlog(),
      this.dispatcher.deadLetters(),
    ]);
    const agentList = this.agents.list().agents;
    const configured = [reach.memagent, reach.trace].filter((i) => i.configured);
    return {
      orchestrator: 'healthy',
      agents: {
        total: agentList.length,
        by_status: this.agents.countByStatus(),
        registered: agentList.map((a) => ({
          agent_id: a.agent_id,
          name: a.name,
          status: a.status,
          capabilities: a.capabilities.map((c) => c.name),
          tasks_completed: a.tasks_completed,
          tasks_failed: a.tasks_failed,
        })),
      },
      contracts: contracts as StatusDto['contracts'],
      integrations: {
        memagent: reach.memagent.reachable,
        trace: reach.trace.reachable,
        all_healthy: configured.every((i) => i.reachable),
        details: {
          memagent: { ...reach.memagent, mode: reach.memagent.configured ? 'memagent' : 'local compressor' },
          trace: {
            ...reach.trace,
            outbox_backlog: backlog.pending,
            oldest_pending_at: backlog.oldest_created_at,
            dead_letters: deadLetters.count,
            oldest_dead_letter_at: deadLetters.oldest_dead_at,
            dispatcher: this.dispatcher.stats(),
          },
        },
      },
      tasks: { in_flight: this.orchestrator.inFlightCount(), queued: this.scheduler.waiting() },
    };
  }
}
