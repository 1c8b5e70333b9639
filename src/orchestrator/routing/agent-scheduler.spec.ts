import { NotFoundException } from '@nestjs/common';
import { AgentRegistry } from '../../agents/agent.registry.js';
import { agentDefinition } from '../../agents/testing/agent-definition.js';
import { RetryLaterException } from '../../common/exceptions/retry-later.exception.js';
import { AgentScheduler } from './agent-scheduler.js';

function definition(agent_id: string, max_concurrency: number | null) {
  return agentDefinition(agent_id, { max_concurrency, capabilities: ['work'] });
}

describe('AgentScheduler', () => {
  let registry: AgentRegistry;
  let scheduler: AgentScheduler;
  const make = (queueMax: number, queueTimeoutMs: number) => {
    registry = new AgentRegistry({ ttlMs: 30_000, cooldownMs: 30_000 });
    scheduler = new AgentScheduler(registry, {
      taskTimeoutMs: 1000,
      queueMax,
      queueTimeoutMs,
      maxAttempts: 3,
      delegationMaxDepth: 8,
      delegationMaxChildren: 100,
    });
    scheduler.onModuleInit();
  };
  afterEach(() => scheduler.onModuleDestroy());

  it('serves waiters first in, first out, as slots free up', async () => {
    make(10, 10_000);
    const agent = registry.register(definition('a', 1));
    const first = await scheduler.acquire('work');
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => scheduler.acquire('work').then((slot) => (order.push(n), slot)));
    expect(scheduler.waiting()).toEqual({ work: 3 });
    // A new caller does not overtake the queue even when it arrives just as a slot frees.
    first.release('completed');
    const slot1 = await waiting[0];
    slot1.release('completed');
    const slot2 = await waiting[1];
    slot2.release('completed');
    await waiting[2];
    expect(order).toEqual([1, 2, 3]);
    expect(agent.state.in_flight).toBe(1);
    expect(scheduler.waiting()).toEqual({});
  });

  it('rejects with 503 and Retry-After beyond QUEUE_MAX and after QUEUE_TIMEOUT_MS', async () => {
    make(1, 30);
    registry.register(definition('a', 1));
    await scheduler.acquire('work');
    const waiter = scheduler.acquire('work');
    expect(() => scheduler.tryAcquire('work')).toThrow(RetryLaterException);
    await expect(waiter).rejects.toMatchObject({ retryAfterSeconds: 1, message: expect.stringContaining('30 ms') });
    expect(scheduler.waiting()).toEqual({});
  });

  it('404 for an unknown capability, 503 when nobody is in service', () => {
    make(10, 1000);
    expect(() => scheduler.tryAcquire('nothing')).toThrow(NotFoundException);
    registry.register(definition('a', null));
    registry.setStatus('a', 'offline');
    expect(() => scheduler.tryAcquire('work')).toThrow(RetryLaterException);
  });

  it('a waiter whose signal fires leaves the queue', async () => {
    make(10, 10_000);
    registry.register(definition('a', 1));
    await scheduler.acquire('work');
    const controller = new AbortController();
    const waiter = scheduler.acquire('work', undefined, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiter).rejects.toThrow('cancelled');
    expect(scheduler.waiting()).toEqual({});
  });

  it('a slot gives itself back once, telling the registry how the attempt ended', async () => {
    make(10, 1000);
    const agent = registry.register(definition('a', 1));
    const slot = await scheduler.acquire('work');
    expect(agent.state.in_flight).toBe(1);
    slot.release('failed');
    slot.release('failed');
    expect(agent.state).toMatchObject({ in_flight: 0, tasks_failed: 1 });
    expect(scheduler.tryAcquire('work')?.agent).toBe(agent);
  });
});
