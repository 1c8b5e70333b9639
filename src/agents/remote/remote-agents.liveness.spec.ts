import type { McpAgentsRefresher } from '../mcp/mcp-agents.refresher.js';
import { AgentRegistry } from '../agent.registry.js';
import { agentDefinition } from '../testing/agent-definition.js';
import type { HealthCheck, HttpAgentClient } from './http-agent.client.js';
import { RemoteAgentsLivenessMonitor } from './remote-agents.liveness.js';

const httpAgent = (agent_id: string) => agentDefinition(agent_id, { kind: 'http' });

describe('RemoteAgentsLivenessMonitor', () => {
  const ttlMs = 1000;
  let registry: AgentRegistry;
  let healthy: boolean;
  let pending: Array<() => void>;
  let probes: string[];
  let monitor: RemoteAgentsLivenessMonitor;

  beforeEach(() => {
    registry = new AgentRegistry({ ttlMs, cooldownMs: 0 });
    healthy = false;
    pending = [];
    probes = [];
    const client = {
      checkHealth: (endpoint: string) =>
        new Promise<HealthCheck>((resolve) => {
          probes.push(endpoint);
          pending.push(() => resolve(healthy ? { ok: true, url: endpoint } : { ok: false, url: endpoint, reason: 'answered 503' }));
        }),
    } as unknown as HttpAgentClient;
    const mcp = { probe: () => Promise.resolve(false) } as unknown as McpAgentsRefresher;
    monitor = new RemoteAgentsLivenessMonitor(registry, client, { ttlMs, cooldownMs: 0 }, mcp);
  });

  const settle = async (round: Promise<void> | undefined) => {
    pending.splice(0).forEach((resolve) => resolve());
    await round;
  };

  it('probes every min(TTL/2, 10 s) with a timeout of at most the TTL', () => {
    expect(monitor.periodMs).toBe(500);
    expect(monitor.probeTimeoutMs).toBe(1000);
  });

  it('marks an agent offline after a TTL without signs of life; a heartbeat brings it back', async () => {
    registry.register(httpAgent('a'));
    monitor.seen('a', 'registration', 0);
    await settle(monitor.tick(400));
    expect(probes).toEqual([]); // heard from within the period: not probed
    await settle(monitor.tick(999));
    expect(registry.get('a')!.state.status).toBe('available');
    await settle(monitor.tick(1000));
    expect(registry.get('a')!.state.status).toBe('offline');
    monitor.seen('a', 'heartbeat', 1100);
    expect(registry.get('a')!.state.status).toBe('available');
  });

  it('a passing probe brings an offline agent back; a deregistered agent is not touched', async () => {
    registry.register(httpAgent('a'));
    registry.register(httpAgent('b'));
    monitor.seen('a', 'registration', 0);
    monitor.seen('b', 'registration', 0);
    await settle(monitor.tick(1000));
    expect(registry.get('a')!.state.status).toBe('offline');
    healthy = true;
    const round = monitor.tick(1500);
    registry.deregister('b');
    await settle(round);
    expect(registry.get('a')!.state.status).toBe('available');
    expect(registry.get('b')).toBeUndefined();
  });

  it('never runs two probe rounds at once', async () => {
    registry.register(httpAgent('a'));
    monitor.seen('a', 'registration', 0);
    const first = monitor.tick(600);
    const second = monitor.tick(1200);
    expect(second).toBe(first);
    expect(probes).toHaveLength(1);
    expect(registry.get('a')!.state.status).toBe('offline'); // expiry does not wait for the round
    await settle(first);
    const third = monitor.tick(1800);
    expect(probes).toHaveLength(2);
    await settle(third);
  });

  it('ignores in-process agents', async () => {
    registry.register({ ...httpAgent('local'), kind: 'local', endpoint: null });
    await settle(monitor.tick(0));
    await settle(monitor.tick(10_000));
    expect(probes).toEqual([]);
    expect(registry.get('local')!.state.status).toBe('available');
  });
});
