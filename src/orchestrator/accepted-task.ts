import { traceparentFrom } from '../common/tracing/traceparent.js';
import type { Contract, JsonObject } from '../contracts/contract.model.js';
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

/**
 * The task of a top-level REQUEST as recorded (to run it again): its parameters are the REQUEST's
 * payload, its context and trace context those kept in its metadata. `traceOutbox`: whether its
 * contracts get Trace outbox events (the Trace dispatcher is enabled).
 */
export function acceptedTaskFrom(request: Contract, traceOutbox: boolean): AcceptedTask {
  const { context, traceparent } = request.metadata;
  return {
    request,
    capability: request.capability ?? '',
    parameters: request.payload as Record<string, unknown>,
    context: isObject(context) ? context : {},
    outbox: { outbox: traceOutbox, traceparent: traceparentFrom(traceparent) },
    lineage: NO_LINEAGE,
    children: 0,
  };
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The attempts a REQUEST records in its metadata (earlier runs of the task); none when it has none. */
export function recordedAttempts(request: Contract): JsonObject[] {
  const { attempts } = request.metadata;
  return Array.isArray(attempts) ? (attempts as JsonObject[]) : [];
}
