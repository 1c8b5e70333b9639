import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AgentRegistry } from '../agent.registry.js';
import type { RegisteredAgent } from '../interfaces/registered-agent.interface.js';
import { agentsConfig } from '../agents.config.js';
import { McpAgentsRefresher } from '../mcp/mcp-agents.refresher.js';
import { HttpAgentClient } from './http-agent.client.js';
import { MAX_PROBE_PERIOD_MS, PROBE_TIMEOUT_MS } from './remote-agents.constants.js';
import { RemoteAgentsMessages } from './remote-agents.messages.js';

export type LivenessSignal = 'registration' | 'heartbeat' | 'probe';

/**
 * Liveness of remote HTTP and MCP agents. An agent is `offline` (not routed to) once it has gone AGENT_TTL_MS
 * without a heartbeat, a registration or a passing `GET /health`; any of them brings it back.
 *
 * Every period (min(AGENT_TTL_MS / 2, 10 s)) a tick marks the agents past their TTL offline and, unless
 * the previous round is still running, starts a probe round: agents not heard from during the last
 * period are probed in parallel, each with a timeout of min(5 s, AGENT_TTL_MS). Timers are unref'd.
 */
@Injectable()
export class RemoteAgentsLivenessMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RemoteAgents');
  /** Epoch ms an agent was last heard from, by id. */
  private readonly lastSeen = new Map<string, number>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  readonly periodMs: number;
  readonly probeTimeoutMs: number;

  constructor(
    private readonly registry: AgentRegistry,
    private readonly client: HttpAgentClient,
    @Inject(agentsConfig.KEY) private readonly config: ConfigType<typeof agentsConfig>,
    private readonly mcp: McpAgentsRefresher,
  ) {
    this.periodMs = Math.max(1, Math.min(Math.floor(config.ttlMs / 2), MAX_PROBE_PERIOD_MS));
    this.probeTimeoutMs = Math.min(PROBE_TIMEOUT_MS, config.ttlMs);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.periodMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.round;
  }

  /** The agent was heard from now: it counts as alive for another AGENT_TTL_MS; an offline agent is back. */
  seen(agentId: string, how: LivenessSignal, now = Date.now()): void {
    this.lastSeen.set(agentId, now);
    const agent = this.registry.get(agentId);
    if (agent?.state.status === 'offline' && this.registry.setStatus(agentId, 'available')) {
      this.logger.log(RemoteAgentsMessages.backOnline(agentId, how === 'probe' ? 'probe' : 'heartbeat'));
    }
  }

  forget(agentId: string): void {
    this.lastSeen.delete(agentId);
  }

  /** One tick: expire, then probe (never two rounds at once). Returns the round, for tests. */
  tick(now = Date.now()): Promise<void> | undefined {
    const agents = this.monitored();
    const ids = new Set<string>();
    const due: RegisteredAgent[] = [];
    for (const agent of agents) {
      const id = agent.definition.agent_id;
      ids.add(id);
      let seenAt = this.lastSeen.get(id);
      if (seenAt === undefined) {
        // First sight (e.g. restored at start): it gets a full TTL to show up.
        seenAt = now;
        this.lastSeen.set(id, now);
      }
      const silentFor = now - seenAt;
      if (silentFor >= this.config.ttlMs && agent.state.status !== 'offline') {
        this.registry.setStatus(id, 'offline');
        this.logger.warn(RemoteAgentsMessages.wentOffline(id, this.config.ttlMs));
      }
      if (silentFor >= this.periodMs) due.push(agent);
    }
    for (const id of this.lastSeen.keys()) if (!ids.has(id)) this.lastSeen.delete(id);
    if (this.round || due.length === 0 || this.stopping.signal.aborted) return this.round;
    this.round = this.probe(due)
      .catch((error: unknown) =>
        this.logger.error(RemoteAgentsMessages.probeRoundFailed(error instanceof Error ? error.message : String(error))),
      )
      .finally(() => {
        this.round = undefined;
      });
    return this.round;
  }

  private monitored(): RegisteredAgent[] {
    return this.registry
      .list()
      .filter((agent) => (agent.definition.kind === 'http' || agent.definition.kind === 'mcp') && agent.definition.endpoint !== null);
  }

  private async probe(agents: RegisteredAgent[]): Promise<void> {
    await Promise.all(
      agents.map(async (agent) => {
        // HTTP agents: GET /health; MCP agents: the protocol's ping (and their tools listed again).
        const ok =
          agent.definition.kind === 'mcp'
            ? await this.mcp.probe(agent.definition.agent_id, this.probeTimeoutMs, this.stopping.signal)
            : (await this.client.checkHealth(agent.definition.endpoint!, this.probeTimeoutMs, this.stopping.signal)).ok;
        // Skip an agent deregistered (or replaced by another kind) while it was probed.
        if (ok && !this.stopping.signal.aborted && this.registry.get(agent.definition.agent_id) === agent) {
          this.seen(agent.definition.agent_id, 'probe');
        }
      }),
    );
  }
}
