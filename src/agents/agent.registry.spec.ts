import { AgentRegistry } from './agent.registry.js';
import { ConcurrencyLimits } from './concurrency-limits.js';
import { LocalAgentConflictError } from './errors/local-agent-conflict.error.js';
import type { AgentDefinition, AgentKind } from './interfaces/registered-agent.interface.js';
import { agentDefinition, anyInputCapability } from './testing/agent-definition.js';

const capability = anyInputCapability;

function definition(agent_id: string, kind: AgentKind = 'http', max_concurrency: number | null = null, caps = ['work']): AgentDefinition {
  return agentDefinition(agent_id, { kind, max_concurrency, capabilities: caps });
}

describe('AgentRegistry', () => {
  const cooldownMs = 1000;
  let registry: AgentRegistry;
  beforeEach(() => {
    registry = new AgentRegistry({ ttlMs: 30_000, cooldownMs });
  });

  const routedTo = (avoid?: Set<string>, now?: number) => {
    const route = registry.route('work', avoid, now);
    return route.kind === 'ready' ? route.agent.definition.agent_id : route.kind;
  };

  it('routes to the agent with the fewest tasks in flight, leaving out the agents a task failed on', () => {
    const a = registry.register(definition('a'));
    registry.register(definition('b'));
    registry.attemptStarted(a);
    expect(routedTo()).toBe('b');
    expect(routedTo(new Set(['b']))).toBe('a');
    expect(routedTo(new Set(['a', 'b']))).toBe('unknown');
    expect(registry.route('other')).toEqual({ kind: 'unknown' });
  });

  it('is full when every agent is at its limit, and shows such an agent busy', () => {
    const a = registry.register(definition('a', 'http', 1));
    registry.attemptStarted(a);
    expect(routedTo()).toBe('full');
    expect(registry.statusOf(a)).toBe('busy');
    registry.attemptEnded(a, 'completed');
    expect(routedTo()).toBe('a');
    expect(a.state).toMatchObject({ in_flight: 0, tasks_completed: 1 });
  });

  it('opens the breaker after 5 transport failures in a row, lets one trial through after the cooldown, closes on success', () => {
    const a = registry.register(definition('a'));
    const t0 = 1_000_000;
    for (let i = 0; i < 4; i++) {
      registry.attemptStarted(a);
      registry.attemptEnded(a, 'transport_error', t0);
    }
    expect(routedTo(undefined, t0)).toBe('a');
    registry.attemptStarted(a);
    registry.attemptEnded(a, 'transport_error', t0);
    expect(registry.statusOf(a, t0)).toBe('error');
    expect(routedTo(undefined, t0 + cooldownMs - 1)).toBe('unavailable');

    // Half open: one trial, no second one while it runs.
    expect(routedTo(undefined, t0 + cooldownMs)).toBe('a');
    registry.attemptStarted(a);
    expect(routedTo(undefined, t0 + cooldownMs)).toBe('unavailable');
    // A failed trial opens it again for a full cooldown.
    registry.attemptEnded(a, 'transport_error', t0 + cooldownMs);
    expect(routedTo(undefined, t0 + cooldownMs + 10)).toBe('unavailable');
    expect(routedTo(undefined, t0 + 2 * cooldownMs)).toBe('a');
    registry.attemptStarted(a);
    registry.attemptEnded(a, 'completed', t0 + 2 * cooldownMs);
    expect(registry.statusOf(a, t0 + 2 * cooldownMs)).toBe('available');
    expect(a.state).toMatchObject({ consecutive_failures: 0, breaker_opened_at: null, trial_in_flight: false });
  });

  it('a task-level failure is an answer: it resets the failure count', () => {
    const a = registry.register(definition('a'));
    for (let i = 0; i < 4; i++) {
      registry.attemptStarted(a);
      registry.attemptEnded(a, 'transport_error');
    }
    registry.attemptStarted(a);
    registry.attemptEnded(a, 'failed');
    expect(a.state.consecutive_failures).toBe(0);
  });

  it('offline agents are not routed to until they come back', () => {
    registry.register(definition('a'));
    registry.setStatus('a', 'offline');
    expect(routedTo()).toBe('unavailable');
    registry.setStatus('a', 'available', new Date().toISOString());
    expect(routedTo()).toBe('a');
    expect(registry.get('a')?.state.last_heartbeat).toEqual(expect.any(String));
  });

  it('upsert replaces a remote agent in place; in-process agents cannot be replaced or removed', () => {
    registry.register(definition('local', 'local', null, ['local.work']));
    const first = registry.upsert(definition('r', 'http', null, ['work']));
    const second = registry.upsert(definition('r', 'http', 2, ['other']));
    expect(second).toBe(first);
    expect(registry.list()).toHaveLength(2);
    expect(registry.route('work')).toEqual({ kind: 'unknown' });
    expect(registry.route('other').kind).toBe('ready');
    expect(() => registry.upsert(definition('local', 'http'))).toThrow(LocalAgentConflictError);
    expect(() => registry.deregister('local')).toThrow(LocalAgentConflictError);
    expect(registry.deregister('r')).toBe(true);
    expect(registry.deregister('r')).toBe(false);
    expect(registry.route('other')).toEqual({ kind: 'unknown' });
  });

  it('a capability is resumable only while some agent provides it and every provider is resumable', () => {
    expect(registry.resumable('work')).toBe(false);
    registry.register(definition('a'));
    expect(registry.resumable('work')).toBe(true);
    registry.register({ ...definition('b', 'local'), capabilities: new Map([['work', { ...capability('work'), resumable: false }]]) });
    expect(registry.resumable('work')).toBe(false);
    expect(registry.resumable('other')).toBe(false);
  });

  it('tells listeners when a slot frees up', () => {
    const a = registry.register(definition('a', 'http', 1));
    const seen: string[] = [];
    const stop = registry.onChange((agent) => seen.push(agent.definition.agent_id));
    registry.attemptStarted(a);
    registry.attemptEnded(a, 'unused');
    stop();
    registry.setStatus('a', 'offline');
    expect(seen).toEqual(['a']);
    expect(a.state).toMatchObject({ in_flight: 0, tasks_completed: 0, tasks_failed: 0 });
  });

  describe('limits: max_concurrency, bounded by the connections this process can hold', () => {
    const bounded = (limit: number | null) =>
      new AgentRegistry({ ttlMs: 30_000, cooldownMs }, new ConcurrencyLimits({ limit, boundBy: 'file descriptors (ulimit -n 1000)' }));

    it('a remote agent gets at most the connection budget; an in-process agent keeps its own limit', () => {
      const r = bounded(750);
      expect(r.register(definition('http_big', 'http', 100_000)).limit).toBe(750);
      expect(r.register(definition('http_none', 'http', null)).limit).toBe(750);
      expect(r.register(definition('a2a_small', 'a2a', 10)).limit).toBe(10);
      expect(r.register(definition('local_big', 'local', 100_000, ['other'])).limit).toBe(100_000);
      expect(r.register(definition('local_none', 'local', null, ['third'])).limit).toBeNull();
      expect(r.upsert(definition('http_big', 'http', 20)).limit).toBe(20);
      expect(bounded(null).register(definition('unknown_machine', 'http', null)).limit).toBeNull();
    });

    it('routes no more attempts to an agent than its effective limit', () => {
      const r = bounded(2);
      r.register(definition('a', 'http', 100_000));
      for (let i = 0; i < 2; i++) {
        const route = r.route('work');
        expect(route.kind).toBe('ready');
        if (route.kind === 'ready') r.attemptStarted(route.agent);
      }
      expect(r.route('work').kind).toBe('full');
    });
  });
});
