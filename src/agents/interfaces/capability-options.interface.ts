import type { Type } from '@nestjs/common';

export interface CapabilityOptions {
  /** Matches `^[a-z][a-z0-9_.-]{0,63}$`; unique within an agent. */
  name: string;
  description: string;
  /** A class-validator DTO class; parameters are validated against it before the handler runs. */
  input?: Type<object>;
  /**
   * Whether a task of this capability that a crash interrupted may run again at the next start
   * (default true: tasks are run at least once, so a handler may see the same `ctx.task_id` twice).
   * false: such a task is failed instead, and the handler never runs twice for one task.
   */
  resumable?: boolean;
}

export interface AgentOptions {
  /** Defaults to the class name in snake_case. */
  id?: string;
  /** Defaults to the class name. */
  name?: string;
  description?: string;
  version?: string;
  /** Most tasks the agent runs at once; more wait in the orchestrator's queue. No limit by default. */
  maxConcurrency?: number;
}
