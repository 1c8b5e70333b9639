import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { A2aAgentRegistrar } from '../a2a/a2a-agent.registrar.js';
import { isA2aRegistrationRequest } from '../a2a/a2a-registration.js';
import { McpAgentRegistrar } from '../mcp/mcp-agent.registrar.js';
import { McpAgentsRefresher } from '../mcp/mcp-agents.refresher.js';
import { isMcpRegistrationRequest } from '../mcp/mcp-registration.js';
import { AgentRegistry } from '../agent.registry.js';
import { LocalAgentConflictError } from '../errors/local-agent-conflict.error.js';
import { AgentsService } from '../agents.service.js';
import { DEFAULT_AGENT_VERSION } from '../agents.constants.js';
import { AgentsMessages } from '../agents.messages.js';
import type { AgentMetadataDto } from '../dto/agent-metadata.dto.js';
import { normalizeEndpoint, RegisterRemoteAgentDto, type HeartbeatResponseDto } from '../dto/register-remote-agent.dto.js';
import { A2aCardError } from '../errors/a2a-card.error.js';
import { AgentTargetError } from '../errors/agent-target.error.js';
import type { AgentDefinition } from '../interfaces/registered-agent.interface.js';
import { AgentTargetPolicy } from '../targets/agent-target.policy.js';
import { AgentTargetsMessages } from '../targets/agent-targets.messages.js';
import { HttpAgentClient } from './http-agent.client.js';
import { HttpAgentFactory } from './http-agent.factory.js';
import type { HttpAgentRegistration, StoredRemoteAgent } from './remote-agent-registration.js';
import { RemoteAgentRepository } from './remote-agent.repository.js';
import { InvalidInputSchemaError } from './remote-capability-input.js';
import { REGISTRATION_HEALTH_TIMEOUT_MS } from './remote-agents.constants.js';
import { RemoteAgentsLivenessMonitor } from './remote-agents.liveness.js';
import { RemoteAgentsMessages } from './remote-agents.messages.js';

export interface RegistrationResult {
  /** False when an agent with that id was replaced. */
  created: boolean;
  agent: AgentMetadataDto;
}

/** A validated registration body in its stored form: defaults filled in, endpoint normalized. */
export function toRegistration(dto: RegisterRemoteAgentDto): HttpAgentRegistration {
  return {
    agent_id: dto.agent_id,
    name: dto.name,
    description: dto.description ?? '',
    version: dto.version ?? DEFAULT_AGENT_VERSION,
    endpoint: normalizeEndpoint(dto.endpoint),
    capabilities: dto.capabilities.map((capability) => ({
      name: capability.name,
      description: capability.description ?? '',
      ...(capability.parameters === undefined ? {} : { parameters: { ...capability.parameters } }),
      ...(capability.input_schema === undefined ? {} : { input_schema: capability.input_schema }),
    })),
    max_concurrency: dto.max_concurrency ?? null,
  };
}

/**
 * Remote HTTP agents: registration (health-checked, persisted, then put in the registry), heartbeats,
 * deregistration, and re-registration of the stored agents at start.
 */
@Injectable()
export class RemoteAgentsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('RemoteAgents');
  /** Registrations and deregistrations run one at a time, so that the store and the registry agree. */
  private mutations: Promise<unknown> = Promise.resolve();
  /** The stored registrations this process has put in its registry (kind and registration as JSON), by id. */
  private readonly applied = new Map<string, string>();

  constructor(
    private readonly registry: AgentRegistry,
    private readonly agents: AgentsService,
    private readonly repository: RemoteAgentRepository,
    private readonly factory: HttpAgentFactory,
    private readonly client: HttpAgentClient,
    private readonly liveness: RemoteAgentsLivenessMonitor,
    private readonly a2a: A2aAgentRegistrar,
    private readonly targets: AgentTargetPolicy,
    private readonly mcp: McpAgentRegistrar,
    private readonly mcpAgents: McpAgentsRefresher,
  ) {}

  /** Re-registers the stored agents; runs after every module's onModuleInit, i.e. after discovery. */
  async onApplicationBootstrap(): Promise<void> {
    let restored = 0;
    for (const stored of await this.repository.list()) {
      if (await this.restore(stored)) restored += 1;
    }
    if (restored > 0) this.logger.log(RemoteAgentsMessages.restored(restored));
  }

  /**
   * Brings the registry in line with the stored registrations when other processes share the store
   * (API replicas and workers on one PostgreSQL database): agents registered or replaced elsewhere are
   * restored here, those deregistered elsewhere leave the registry.
   */
  resync(): Promise<void> {
    return this.serialized(async () => {
      const stored = await this.repository.list();
      for (const agent of stored) if (this.applied.get(agent.agent_id) !== appliedKey(agent)) await this.restore(agent);
      const ids = new Set(stored.map((agent) => agent.agent_id));
      for (const agentId of this.applied.keys()) {
        if (ids.has(agentId)) continue;
        this.applied.delete(agentId);
        this.registry.deregister(agentId);
        this.liveness.forget(agentId);
        this.mcpAgents.forget(agentId);
      }
    });
  }

  /**
   * Registers or replaces a remote agent. 409 for the id of an in-process agent, 400 for an input_schema
   * ajv rejects or an endpoint the agent target rules refuse (no request is sent to it then), 422 when
   * `GET {endpoint}/health` does not answer 2xx. A body with `agent_card_url` (or `kind: "a2a"`)
   * registers an A2A agent instead.
   */
  async register(dto: RegisterRemoteAgentDto): Promise<RegistrationResult> {
    if (isMcpRegistrationRequest(dto)) return this.registerMcp(dto);
    if (isA2aRegistrationRequest(dto)) return this.registerA2a(dto);
    const registration = toRegistration(dto);
    const { agent_id: agentId, endpoint } = registration;
    this.assertRemote(agentId);
    const definition = this.define(registration);
    const refusal = await this.targets.refusal(endpoint, 'endpoint');
    if (refusal !== undefined) throw new BadRequestException(refusal);
    const health = await this.client.checkHealth(endpoint, REGISTRATION_HEALTH_TIMEOUT_MS);
    if (!health.ok) throw new UnprocessableEntityException(RemoteAgentsMessages.healthCheckFailed(agentId, health.url, health.reason));
    return this.store(definition, 'http', { ...registration });
  }

  /**
   * Registers or replaces an A2A agent from its agent card, stored with the card. 400 when the URL leads
   * to no card, 422 for a card that cannot be used, 409 for the id of an in-process agent.
   */
  private async registerA2a(dto: RegisterRemoteAgentDto): Promise<RegistrationResult> {
    const request = { agent_card_url: dto.agent_card_url!, agent_id: dto.agent_id, max_concurrency: dto.max_concurrency };
    const { definition, registration } = await this.a2a.prepare(request);
    this.assertRemote(definition.agent_id);
    return this.store(definition, 'a2a', { ...registration });
  }

  /**
   * Registers or replaces an MCP server: connects, lists its tools (each a capability), stores them.
   * 400 for a URL the agent target rules refuse, 422 when the server cannot be used, 409 for the id of
   * an in-process agent.
   */
  private async registerMcp(dto: RegisterRemoteAgentDto): Promise<RegistrationResult> {
    const { definition, registration } = await this.mcp.prepare({
      url: dto.url!,
      agent_id: dto.agent_id,
      name: dto.name,
      headers: dto.headers,
      max_concurrency: dto.max_concurrency,
    });
    this.assertRemote(definition.agent_id);
    const result = await this.store(definition, 'mcp', { ...registration });
    this.mcpAgents.track(registration);
    return result;
  }

  /** Stores the registration and puts the agent in the registry (one mutation at a time). */
  private store(
    definition: AgentDefinition,
    kind: StoredRemoteAgent['kind'],
    registration: Record<string, unknown>,
  ): Promise<RegistrationResult> {
    const { agent_id: agentId } = definition;
    return this.serialized(async () => {
      this.assertRemote(agentId);
      const created = this.registry.get(agentId) === undefined;
      const stored = await this.repository.save({ agent_id: agentId, kind, registration }, new Date().toISOString());
      const agent = this.upsert(definition, stored);
      this.applied.set(agentId, appliedKey(stored));
      this.liveness.seen(agentId, 'registration');
      this.logger.log(RemoteAgentsMessages.registered(agentId, definition.endpoint ?? '', created));
      return { created, agent: this.agents.toMetadata(agent) };
    });
  }

  /** Records a heartbeat of a remote agent (it is available again). 404 unknown, 409 in-process. */
  async heartbeat(agentId: string): Promise<HeartbeatResponseDto> {
    const agent = this.registry.get(agentId);
    if (!agent) throw new NotFoundException(RemoteAgentsMessages.notFound(agentId));
    if (agent.definition.kind === 'local') throw new ConflictException(RemoteAgentsMessages.localHeartbeat(agentId));
    const at = new Date().toISOString();
    this.liveness.seen(agentId, 'heartbeat');
    this.registry.setStatus(agentId, 'available', at);
    await this.repository.recordHeartbeat(agentId, at);
    return { agent_id: agentId, last_heartbeat: at };
  }

  /** Removes a remote agent and its stored registration. 404 unknown, 409 in-process. */
  deregister(agentId: string): Promise<void> {
    return this.serialized(async () => {
      this.assertRemote(agentId);
      const stored = await this.repository.delete(agentId);
      const registered = this.registry.deregister(agentId);
      this.applied.delete(agentId);
      this.liveness.forget(agentId);
      this.mcpAgents.forget(agentId);
      if (!stored && !registered) throw new NotFoundException(RemoteAgentsMessages.notFound(agentId));
      this.logger.log(RemoteAgentsMessages.deregistered(agentId));
    });
  }

  /**
   * Puts a stored agent back in the registry. One that the agent target rules refuse now (e.g.
   * AGENT_ALLOWED_HOSTS changed) is logged and left out of routing; its stored registration is kept.
   */
  private async restore(stored: StoredRemoteAgent): Promise<boolean> {
    const { agent_id: agentId } = stored;
    // Tried once per stored version: one that is refused is not tried (and logged) again until it changes.
    this.applied.set(agentId, appliedKey(stored));
    if (stored.kind !== 'http' && stored.kind !== 'a2a' && stored.kind !== 'mcp') return false;
    if (this.registry.get(agentId)?.definition.kind === 'local') {
      this.logger.warn(RemoteAgentsMessages.restoreSkippedLocal(agentId));
      return false;
    }
    try {
      if (stored.kind === 'mcp') {
        // From the stored tool list: no request to the server at start; the first probe lists them again.
        const { definition, registration } = await this.mcp.restore(stored.registration);
        this.upsert(definition, stored);
        this.mcpAgents.track(registration);
      } else if (stored.kind === 'a2a') {
        // From the stored card: no request to the agent at start.
        this.upsert(await this.a2a.restore(stored.registration), stored);
      } else {
        const dto = plainToInstance(RegisterRemoteAgentDto, stored.registration);
        const errors = validateSync(dto, { forbidUnknownValues: false });
        if (errors.length > 0) throw new Error(errors.map((e) => Object.values(e.constraints ?? {}).join('; ') || e.property).join('; '));
        const registration = toRegistration(dto);
        // A host that does not resolve now is checked again when connecting.
        const refusal = await this.targets.refusal(registration.endpoint, 'endpoint', 'allow');
        if (refusal !== undefined) throw new AgentTargetError(refusal);
        this.upsert(this.factory.create(registration), stored);
      }
      this.liveness.seen(agentId, 'registration');
      return true;
    } catch (error) {
      if (error instanceof AgentTargetError || (error instanceof A2aCardError && error.reason === 'forbidden_target')) {
        this.logger.error(AgentTargetsMessages.restoreRefused(agentId, error.message));
        return false;
      }
      this.logger.error(RemoteAgentsMessages.restoreFailed(agentId, error instanceof Error ? error.message : String(error)));
      return false;
    }
  }

  private upsert(definition: AgentDefinition, stored: StoredRemoteAgent) {
    let agent;
    try {
      agent = this.registry.upsert(definition, stored.last_heartbeat);
    } catch (error) {
      if (error instanceof LocalAgentConflictError) throw new ConflictException(error.message);
      throw error;
    }
    // The registry stamps a new agent with the current time; keep the time of the first registration.
    agent.state.registered_at = stored.registered_at;
    return agent;
  }

  private define(registration: HttpAgentRegistration): AgentDefinition {
    try {
      return this.factory.create(registration);
    } catch (error) {
      if (error instanceof InvalidInputSchemaError) {
        throw new BadRequestException(RemoteAgentsMessages.invalidInputSchema(registration.agent_id, error.capability, error.message));
      }
      throw error;
    }
  }

  private assertRemote(agentId: string): void {
    const existing = this.registry.get(agentId);
    if (existing?.definition.kind === 'local') {
      throw new ConflictException(AgentsMessages.localAgentConflict(agentId));
    }
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const result = this.mutations.then(run);
    this.mutations = result.catch(() => undefined);
    return result;
  }
}

/** What identifies one stored version of a registration. */
function appliedKey(stored: StoredRemoteAgent): string {
  return JSON.stringify([stored.kind, stored.registration]);
}
