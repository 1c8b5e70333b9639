import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { AgentRegistry } from '../../agents/agent.registry.js';
import type { AgentsService } from '../../agents/agents.service.js';
import type { TraceOutboxDispatcher } from '../../integrations/trace/trace-outbox.dispatcher.js';
import type { OrchestratorService } from '../../orchestrator/orchestrator.service.js';
import type { AgentScheduler } from '../../orchestrator/routing/agent-scheduler.js';
import { TaskLifecycle } from '../../orchestrator/task-lifecycle.js';
import { MetricsService } from './metrics.service.js';

function setUp(overrides: { backlog?: () => Promise<{ pending: number; oldest_created_at: string | null }> } = {}) {
  const state = { inFlight: 3, waiting: { echo: 2 } as Record<string, number>, backlogCalls: 0 };
  const lifecycle = new TaskLifecycle();
  const agents = [
    {
      definition: {
        agent_id: 'agent_a',
        capabilities: new Map([
          ['echo', {}],
          ['uppercase', {}],
        ]),
      },
    },
    {
      definition: {
        agent_id: 'agent_b',
        capabilities: new Map([
          ['echo', {}],
          ['math.compute', {}],
        ]),
      },
    },
  ];
  const registry = {
    list: () => agents,
    get: (id: string) => agents.find((a) => a.definition.agent_id === id),
    providers: (capability: string) => agents.filter((a) => a.definition.capabilities.has(capability)),
  };
  const service = new MetricsService(
    lifecycle,
    { inFlightCount: () => state.inFlight } as unknown as OrchestratorService,
    { waiting: () => state.waiting } as unknown as AgentScheduler,
    { countByStatus: () => ({ available: 2, offline: 1 }) } as unknown as AgentsService,
    registry as unknown as AgentRegistry,
    {
      stats: () => ({ enabled: true, delivered: 40, failed_attempts: 5, last_error: null, last_delivery_at: null, yielding: true }),
      backlog:
        overrides.backlog ??
        (async () => {
          state.backlogCalls++;
          return { pending: 7, oldest_created_at: new Date(Date.now() - 90_000).toISOString() };
        }),
      deadLetters: async () => ({ count: 2, oldest_dead_at: new Date().toISOString() }),
    } as unknown as TraceOutboxDispatcher,
  );
  service.onModuleInit();
  return { service, lifecycle, state };
}

/** Samples of one family: `name{labels} value` lines, without comments. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('MetricsService', () => {
  it('counts finished tasks by capability, agent and outcome, and times them', async () => {
    const { service, lifecycle } = setUp();
    const base = { task_id: 't', session_id: 's', error: null, attempts: 1 };
    lifecycle.finished({ ...base, capability: 'echo', agent_id: 'agent_a', status: 'completed', duration_ms: 20 });
    lifecycle.finished({ ...base, capability: 'echo', agent_id: 'agent_a', status: 'completed', duration_ms: 30 });
    lifecycle.finished({ ...base, capability: 'echo', agent_id: 'agent_b', status: 'failed', duration_ms: 5, error: 'boom' });
    const text = await service.metrics();
    expect(samples(text, 'orchestrator_tasks_total')).toEqual([
      'orchestrator_tasks_total{capability="echo",agent="agent_a",outcome="completed"} 2',
      'orchestrator_tasks_total{capability="echo",agent="agent_b",outcome="failed"} 1',
    ]);
    expect(samples(text, 'orchestrator_task_duration_seconds_count')).toEqual([
      'orchestrator_task_duration_seconds_count{capability="echo",outcome="completed"} 2',
      'orchestrator_task_duration_seconds_count{capability="echo",outcome="failed"} 1',
    ]);
    expect(samples(text, 'orchestrator_task_duration_seconds_sum')[0]).toBe(
      'orchestrator_task_duration_seconds_sum{capability="echo",outcome="completed"} 0.05',
    );
  });

  it('labels capabilities and agents that are not registered as unknown', async () => {
    const { service, lifecycle, state } = setUp();
    const base = { task_id: 't', session_id: 's', error: null, attempts: 1, duration_ms: 1 };
    lifecycle.finished({ ...base, capability: 'made.up.by.caller', agent_id: 'orchestrator', status: 'failed' });
    lifecycle.finished({ ...base, capability: 'echo', agent_id: 'agent_gone', status: 'completed' });
    state.waiting = { echo: 1, 'queue.of.nobody': 4 };
    const text = await service.metrics();
    expect(samples(text, 'orchestrator_tasks_total')).toEqual([
      'orchestrator_tasks_total{capability="unknown",agent="orchestrator",outcome="failed"} 1',
      'orchestrator_tasks_total{capability="echo",agent="unknown",outcome="completed"} 1',
    ]);
    expect(samples(text, 'orchestrator_tasks_queued')).toContain('orchestrator_tasks_queued{capability="unknown"} 4');
    expect(text).not.toContain('made.up.by.caller');
    expect(text).not.toContain('agent_gone');
    expect(text).not.toContain('queue.of.nobody');
  });

  it('reads gauges when scraped', async () => {
    const { service, state } = setUp();
    let text = await service.metrics();
    expect(samples(text, 'orchestrator_tasks_in_flight')).toEqual(['orchestrator_tasks_in_flight 3']);
    expect(samples(text, 'orchestrator_tasks_queued')).toEqual([
      'orchestrator_tasks_queued{capability="echo"} 2',
      'orchestrator_tasks_queued{capability="uppercase"} 0',
      'orchestrator_tasks_queued{capability="math.compute"} 0',
    ]);
    expect(samples(text, 'orchestrator_agents')).toEqual([
      'orchestrator_agents{status="available"} 2',
      'orchestrator_agents{status="busy"} 0',
      'orchestrator_agents{status="offline"} 1',
      'orchestrator_agents{status="error"} 0',
    ]);
    expect(samples(text, 'orchestrator_trace_outbox_backlog')).toEqual(['orchestrator_trace_outbox_backlog 7']);
    const age = Number(samples(text, 'orchestrator_trace_outbox_oldest_age_seconds')[0].split(' ')[1]);
    expect(age).toBeGreaterThanOrEqual(89);
    expect(samples(text, 'orchestrator_trace_outbox_deliveries_total')).toEqual([
      'orchestrator_trace_outbox_deliveries_total{outcome="delivered"} 40',
      'orchestrator_trace_outbox_deliveries_total{outcome="failed"} 5',
    ]);
    expect(samples(text, 'orchestrator_trace_dispatcher_yielding')).toEqual(['orchestrator_trace_dispatcher_yielding 1']);
    expect(samples(text, 'orchestrator_trace_dead_letters')).toEqual(['orchestrator_trace_dead_letters 2']);
    expect(state.backlogCalls).toBe(1);

    state.inFlight = 0;
    state.waiting = {};
    text = await service.metrics();
    expect(samples(text, 'orchestrator_tasks_in_flight')).toEqual(['orchestrator_tasks_in_flight 0']);
    expect(samples(text, 'orchestrator_tasks_queued')).toContain('orchestrator_tasks_queued{capability="echo"} 0');
    expect(state.backlogCalls).toBe(2);
  });

  it('a backlog that cannot be read leaves its gauges empty instead of failing the scrape', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { service } = setUp({ backlog: () => Promise.reject(new Error('database closed')) });
    const text = await service.metrics();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('database closed'));
    warn.mockRestore();
    expect(text).toContain('# TYPE orchestrator_trace_outbox_backlog gauge');
    expect(samples(text, 'orchestrator_trace_outbox_backlog')).toEqual([]);
    expect(samples(text, 'orchestrator_trace_outbox_oldest_age_seconds')).toEqual([]);
    expect(samples(text, 'orchestrator_tasks_in_flight')).toEqual(['orchestrator_tasks_in_flight 3']);
  });

  it('records HTTP answers by method, route and status, and has the default process metrics', async () => {
    const { service } = setUp();
    service.observeHttp('GET', '/v1/contracts/:contract_id', 404, 0.002);
    const text = await service.metrics();
    expect(samples(text, 'http_request_duration_seconds_count')).toEqual([
      'http_request_duration_seconds_count{method="GET",route="/v1/contracts/:contract_id",status_code="404"} 1',
    ]);
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    expect(text).toContain('orchestrator_build_info{version=');
    expect(service.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('each instance has its own registry', async () => {
    const a = setUp().service;
    const b = setUp().service;
    a.observeHttp('GET', '/x', 200, 0.001);
    expect(samples(await b.metrics(), 'http_request_duration_seconds_count')).toEqual([]);
  });
});
