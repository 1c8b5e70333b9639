import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Level } from 'pino';
import { TaskLifecycle, type TaskFinishedEvent, type TaskStartedEvent } from '../../orchestrator/task-lifecycle.js';

/** Longest task error kept in a log line. */
const MAX_ERROR_LENGTH = 500;

/** Level of a task's last line: a failed task is worth a look, a completed or cancelled one is not. */
export function taskFinishedLevel(event: Pick<TaskFinishedEvent, 'status'>): Level {
  return event.status === 'failed' ? 'warn' : 'info';
}

/**
 * Writes a line when an agent starts an attempt of a task (`task started`) and when a task ends
 * (`task completed|failed|cancelled`), with session, capability, agent, outcome and duration. Lines
 * are written through the request's logger when there is one (they then carry `req.id`), else the
 * root logger. Nothing is built when the level is off.
 */
@Injectable()
export class TaskLogListener implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    private readonly lifecycle: TaskLifecycle,
    private readonly pino: PinoLogger,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.lifecycle.subscribe({
      started: (event) => this.started(event),
      finished: (event) => this.finished(event),
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  started(event: TaskStartedEvent): void {
    const log = this.pino.logger;
    if (!log.isLevelEnabled('info')) return;
    log.info(
      {
        event: 'task_started',
        task_id: event.task_id,
        session_id: event.session_id,
        capability: event.capability,
        agent_id: event.agent_id,
        attempt: event.attempt,
      },
      'task started',
    );
  }

  finished(event: TaskFinishedEvent): void {
    const level = taskFinishedLevel(event);
    const log = this.pino.logger;
    if (!log.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = {
      event: 'task_finished',
      task_id: event.task_id,
      session_id: event.session_id,
      capability: event.capability,
      agent_id: event.agent_id,
      outcome: event.status,
      duration_ms: event.duration_ms,
      attempts: event.attempts,
    };
    if (event.error !== null) line.error = event.error.slice(0, MAX_ERROR_LENGTH);
    log[level](line, `task ${event.status}`);
  }
}
