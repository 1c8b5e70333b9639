import type { Contract } from '../contracts/contract.model.js';
import type { WriteOptions } from '../contracts/contract.repository.js';

/** Where a task sits in a chain of delegations. */
export interface Lineage {
  /** 0 for a task a caller started; 1 for its sub-tasks, and so on. */
  readonly depth: number;
  /** Capabilities of the tasks above this one, outermost first. */
  readonly chain: readonly string[];
}

export const NO_LINEAGE: Lineage = { depth: 0, chain: [] };

/** A task whose REQUEST is committed. */
export interface AcceptedTask {
  request: Contract;
  capability: string;
  parameters: Record<string, unknown>;
  context: Record<string, unknown>;
  outbox: WriteOptions & { traceparent: string };
  lineage: Lineage;
  /** Cancels the task when it fires (a sub-task follows its parent's cancellation). */
  parentSignal?: AbortSignal;
  /** Sub-tasks this task has started (refused ones included), bounded by DELEGATION_MAX_CHILDREN. */
  children: number;
}
