import type { RegisteredAgent } from '../agents/interfaces/registered-agent.interface.js';
import type { TaskContext } from '../agents/interfaces/task-context.interface.js';
import { runTask, TaskCancelledError, toResultData } from './task-runner.js';

function agentRunning(handler: (input: unknown, ctx: TaskContext) => unknown): RegisteredAgent {
  return {
    definition: {
      agent_id: 'a',
      name: 'A',
      description: '',
      version: '1.0.0',
      kind: 'local',
      endpoint: null,
      max_concurrency: null,
      source: 'A',
      capabilities: new Map(),
      execute: async (_capability, input, ctx) => handler(input, ctx),
    },
    limit: null,
    state: {
      status: 'available',
      in_flight: 0,
      tasks_completed: 0,
      tasks_failed: 0,
      registered_at: '',
      last_heartbeat: null,
      consecutive_failures: 0,
      breaker_opened_at: null,
      trial_in_flight: false,
    },
  };
}

const ctx: Omit<TaskContext, 'signal'> = {
  task_id: 't',
  session_id: 's',
  capability: 'c',
  context: {},
  agent_id: 'a',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  progress: () => undefined,
  delegate: () => Promise.reject(new Error('no delegation in this test')),
};

describe('runTask', () => {
  it('returns the handler result as data, wrapping non-objects', async () => {
    await expect(
      runTask(
        agentRunning(() => ({ a: 1 })),
        {},
        ctx,
        1000,
      ),
    ).resolves.toEqual({ success: true, data: { a: 1 } });
    await expect(
      runTask(
        agentRunning(async () => 'text'),
        {},
        ctx,
        1000,
      ),
    ).resolves.toEqual({
      success: true,
      data: { result: 'text' },
    });
    expect(toResultData([1, 2])).toEqual({ result: [1, 2] });
    expect(toResultData(undefined)).toEqual({ result: null });
    expect(toResultData({ at: new Date('2026-01-01T00:00:00Z') })).toEqual({ at: '2026-01-01T00:00:00.000Z' });
  });

  it('turns a throw into a failed task with the message', async () => {
    const failing = agentRunning(() => {
      throw new Error('model unavailable');
    });
    await expect(runTask(failing, {}, ctx, 1000)).resolves.toEqual({ success: false, error: 'model unavailable' });
  });

  it('fails a result that is not JSON', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const result = await runTask(
      agentRunning(() => cyclic),
      {},
      ctx,
      1000,
    );
    expect(result.success).toBe(false);
    expect(!result.success && result.error).toMatch(/cannot be stored as JSON/);
  });

  it('aborts the signal and fails the task on timeout', async () => {
    let signal: AbortSignal | undefined;
    const slow = agentRunning(
      (_input, c) =>
        new Promise((resolve) => {
          signal = c.signal;
          c.signal.addEventListener('abort', () => resolve({ late: true }));
        }),
    );
    await expect(runTask(slow, {}, ctx, 20)).resolves.toEqual({ success: false, error: 'Task timed out after 20 ms' });
    expect(signal?.aborted).toBe(true);
  });

  it('a cancel aborts the signal and ends the task as cancelled', async () => {
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const slow = agentRunning((_input, c) => {
      signal = c.signal;
      return new Promise(() => undefined);
    });
    const running = runTask(slow, {}, ctx, 10_000, controller);
    controller.abort(new TaskCancelledError('Task cancelled'));
    await expect(running).resolves.toEqual({ success: false, error: 'Task cancelled', cancelled: true });
    expect(signal?.aborted).toBe(true);
  });

  it('a signal first read after the task stopped is already aborted, with the reason', async () => {
    const controller = new AbortController();
    let read: (() => AbortSignal) | undefined;
    const slow = agentRunning((_input, c) => {
      read = () => c.signal;
      return new Promise(() => undefined);
    });
    const running = runTask(slow, {}, ctx, 10_000, controller);
    const reason = new TaskCancelledError('Task cancelled');
    controller.abort(reason);
    await running;
    const signal = read!();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(read!()).toBe(signal);
  });
});
