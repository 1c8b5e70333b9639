import { Injectable } from '@nestjs/common';
import { RetryLaterException } from '../common/exceptions/retry-later.exception.js';
import { settlesWithin } from '../common/shutdown/settles-within.js';
import type { AcceptedTask } from './accepted-task.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { TaskCancelledError } from './task-runner.js';

/** A task accepted and not finished. */
export interface RunningTask {
  readonly task: AcceptedTask;
  /** Fires when the task is cancelled (by a caller, its parent task, or shutdown). */
  readonly signal: AbortSignal;
  /** The agent running the current attempt. */
  agentId: string;
}

interface Entry extends RunningTask {
  readonly controller: AbortController;
  done: Promise<unknown>;
}

/** Seconds a caller is asked to wait while this process shuts down (another instance may take over). */
const RETRY_AFTER_SHUTDOWN_S = 5;

/**
 * The tasks in flight on this process: each one's cancellation (linked to its parent task's), the
 * background tasks shutdown waits for, and whether new tasks are still accepted.
 */
@Injectable()
export class TasksInFlight {
  private readonly tasks = new Map<string, Entry>();
  /** Background tasks (`submit`) still running; shutdown waits for them. */
  private readonly background = new Set<Promise<unknown>>();
  /** False once shutdown began: new tasks get 503. */
  private accepting = true;

  /** Throws 503 (`Retry-After`) once shutdown began. */
  checkAccepting(): void {
    if (!this.accepting) throw new RetryLaterException(OrchestratorMessages.shuttingDown(), RETRY_AFTER_SHUTDOWN_S);
  }

  isAccepting(): boolean {
    return this.accepting;
  }

  stopAccepting(): void {
    this.accepting = false;
  }

  /** The task with that id, when it is in flight here. */
  get(taskId: string): RunningTask | undefined {
    return this.tasks.get(taskId);
  }

  count(): number {
    return this.tasks.size;
  }

  /**
   * Runs `work` as the task in flight under its REQUEST id until it settles; the task is cancelled
   * with its parent task.
   */
  track<T>(task: AcceptedTask, work: (running: RunningTask) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const { parentSignal } = task;
    const onParentAbort = () => controller.abort(parentSignal!.reason);
    if (parentSignal?.aborted) onParentAbort();
    else parentSignal?.addEventListener('abort', onParentAbort, { once: true });
    const taskId = task.request.contract_id;
    const entry: Entry = { task, controller, signal: controller.signal, done: Promise.resolve(), agentId: task.request.to_agent };
    const done = work(entry).finally(() => {
      this.tasks.delete(taskId);
      parentSignal?.removeEventListener('abort', onParentAbort);
    });
    entry.done = done;
    this.tasks.set(taskId, entry);
    return done;
  }

  /** Keeps a background task's promise until it settles, for shutdown to wait on. */
  inBackground(done: Promise<unknown>): void {
    const settled = done.finally(() => this.background.delete(settled));
    this.background.add(settled);
  }

  /** Cancels a task in flight and waits for its outcome to be committed; false when it is not in flight. */
  async cancel(taskId: string): Promise<boolean> {
    const entry = this.tasks.get(taskId);
    if (!entry) return false;
    entry.controller.abort(new TaskCancelledError(OrchestratorMessages.cancelled()));
    // Rejects only when the store refused the outcome: the caller gets that 503 too.
    await entry.done;
    return true;
  }

  /** Stops accepting, waits up to `timeoutMs` for the tasks in flight, then cancels the rest and waits for their outcomes. */
  async drain(timeoutMs: number): Promise<{ finished: number; cancelled: number }> {
    this.stopAccepting();
    const pending = [...this.tasks.values()];
    if (await settlesWithin(Promise.allSettled(pending.map((task) => task.done)), timeoutMs))
      return { finished: pending.length, cancelled: 0 };
    const left = [...this.tasks.values()];
    for (const task of left) task.controller.abort(new TaskCancelledError(OrchestratorMessages.cancelledByShutdown()));
    await Promise.allSettled(left.map((task) => task.done));
    return { finished: pending.length - left.length, cancelled: left.length };
  }

  /** Stops accepting and waits for the background tasks (each is bounded by TASK_TIMEOUT_MS). */
  async settleBackground(): Promise<void> {
    this.stopAccepting();
    await Promise.allSettled(this.background);
  }
}
