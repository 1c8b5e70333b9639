import { RetryLaterException } from '../common/exceptions/retry-later.exception.js';
import type { AcceptedTask } from './accepted-task.js';
import { TaskCancelledError } from './task-runner.js';
import { TasksInFlight, type RunningTask } from './tasks-in-flight.js';

const task = (id: string, parentSignal?: AbortSignal) =>
  ({ request: { contract_id: id, to_agent: 'a' }, parentSignal }) as unknown as AcceptedTask;

/** Work that ends only when its task is cancelled, resolving with the cancellation reason. */
const untilCancelled = (running: RunningTask) =>
  new Promise<unknown>((resolve) => running.signal.addEventListener('abort', () => resolve(running.signal.reason), { once: true }));

describe('TasksInFlight', () => {
  it('tracks a task until its work settles; cancel fires its signal and waits for the outcome', async () => {
    const tasks = new TasksInFlight();
    const done = tasks.track(task('t1'), untilCancelled);
    expect(tasks.get('t1')?.agentId).toBe('a');
    expect(tasks.count()).toBe(1);
    await expect(tasks.cancel('t1')).resolves.toBe(true);
    await expect(done).resolves.toBeInstanceOf(TaskCancelledError);
    expect(tasks.count()).toBe(0);
    await expect(tasks.cancel('t1')).resolves.toBe(false);
  });

  it('a sub-task is cancelled with its parent', async () => {
    const tasks = new TasksInFlight();
    const parent = tasks.track(task('parent'), untilCancelled);
    const child = tasks.track(task('child', tasks.get('parent')!.signal), untilCancelled);
    await tasks.cancel('parent');
    await expect(child).resolves.toBeInstanceOf(TaskCancelledError);
    await parent;
  });

  it('drain stops accepting and cancels what is still running', async () => {
    const tasks = new TasksInFlight();
    tasks.checkAccepting();
    void tasks.track(task('t1'), untilCancelled);
    await expect(tasks.drain(1)).resolves.toEqual({ finished: 0, cancelled: 1 });
    expect(() => tasks.checkAccepting()).toThrow(RetryLaterException);
  });
});
