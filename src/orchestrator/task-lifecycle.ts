import { Injectable } from '@nestjs/common';
import type { ContractStatus } from '../contracts/contract.model.js';

/** An agent started an attempt of a task. */
export interface TaskStartedEvent {
  task_id: string;
  session_id: string;
  capability: string;
  agent_id: string;
  /** 1 for the first attempt; more after failover. */
  attempt: number;
}

/** A task ended and its outcome is committed. */
export interface TaskFinishedEvent {
  task_id: string;
  session_id: string;
  capability: string;
  /** The agent that gave the outcome, or `orchestrator` when none ran it. */
  agent_id: string;
  status: Extract<ContractStatus, 'completed' | 'failed' | 'cancelled'>;
  error: string | null;
  /** From acceptance to the committed outcome, queueing and failover included. */
  duration_ms: number;
  attempts: number;
}

export interface TaskLifecycleListener {
  started?(event: TaskStartedEvent): void;
  finished?(event: TaskFinishedEvent): void;
}

/**
 * Where the orchestrator tells the rest of the app about tasks starting and ending (logs, metrics),
 * without depending on them. Listeners run synchronously on the task's path: keep them cheap; one that
 * throws is ignored.
 */
@Injectable()
export class TaskLifecycle {
  private listeners: TaskLifecycleListener[] = [];

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: TaskLifecycleListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  started(event: TaskStartedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener.started?.(event);
      } catch {
        // A listener's failure must not fail the task.
      }
    }
  }

  finished(event: TaskFinishedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener.finished?.(event);
      } catch {
        // A listener's failure must not fail the task.
      }
    }
  }
}
