import type { RegisteredAgent } from '../agents/interfaces/registered-agent.interface.js';
import { AgentTransportError } from '../agents/errors/agent-transport.error.js';
import { ConnectionUnavailableError } from '../agents/errors/connection-unavailable.error.js';
import type { TaskContext } from '../agents/interfaces/task-context.interface.js';
import type { JsonObject, JsonValue } from '../contracts/contract.model.js';
import { OrchestratorMessages } from './orchestrator.messages.js';

/**
 * How one attempt of a task ended. `transport`: the agent could not be reached or answered garbage
 * (a remote agent's timeout counts too); the task may fail over to another agent.
 * `connectionUnavailable`: this process could not open a connection; the agent is not to blame.
 */
export type AttemptResult =
  { success: true; data: JsonObject } | { success: false; error: string; cancelled?: true; transport?: true; connectionUnavailable?: true };

class TaskTimeoutError extends Error {}

/** Abort reason of a task cancelled by a caller. */
export class TaskCancelledError extends Error {}

/** A handler's return value as the result data: JSON only, a non-object wrapped as `{result}`. */
export function toResultData(value: unknown): JsonObject {
  const json = value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
  return json !== null && typeof json === 'object' && !Array.isArray(json) ? json : { result: json };
}

/**
 * Runs one capability of one agent with a timeout. Never throws: a handler that throws, returns
 * something that is not JSON, or runs past the timeout is a failed task. `cancel` firing with a
 * TaskCancelledError cancels the task; the handler sees both as `ctx.signal` firing.
 */
export async function runTask(
  agent: RegisteredAgent,
  input: unknown,
  ctx: Omit<TaskContext, 'signal'>,
  timeoutMs: number,
  cancel?: AbortSignal | AbortController,
): Promise<AttemptResult> {
  const parent = cancel instanceof AbortController ? cancel.signal : cancel;
  // The handler's `ctx.signal` is made on first use: most handlers never read it, and an
  // AbortController with its listeners is a noticeable part of a short task's cost.
  let controller: AbortController | undefined;
  let stoppedBy: { reason: unknown } | undefined;
  let stop!: (reason: unknown) => void;
  const stopped = new Promise<never>((_, reject) => {
    stop = (reason) => {
      if (stoppedBy) return;
      stoppedBy = { reason };
      controller?.abort(reason);
      reject(reason);
    };
  });
  const onCancel = () => stop(parent!.reason);
  if (parent?.aborted) onCancel();
  else parent?.addEventListener('abort', onCancel, { once: true });
  const timer = setTimeout(() => stop(new TaskTimeoutError(OrchestratorMessages.timedOut(timeoutMs))), timeoutMs);
  const handlerContext: TaskContext = {
    ...ctx,
    get signal(): AbortSignal {
      if (!controller) {
        controller = new AbortController();
        if (stoppedBy) controller.abort(stoppedBy.reason);
      }
      return controller.signal;
    },
  };
  try {
    const value = await Promise.race([agent.definition.execute(ctx.capability, input, handlerContext), stopped]);
    try {
      return { success: true, data: toResultData(value) };
    } catch (error) {
      return { success: false, error: OrchestratorMessages.notJson((error as Error).message) };
    }
  } catch (error) {
    if (error instanceof TaskCancelledError) return { success: false, error: error.message, cancelled: true };
    if (error instanceof ConnectionUnavailableError) return { success: false, error: error.message, connectionUnavailable: true };
    const remote = agent.definition.kind !== 'local';
    if (error instanceof AgentTransportError || (remote && error instanceof TaskTimeoutError)) {
      return { success: false, error: (error as Error).message, transport: true };
    }
    return { success: false, error: OrchestratorMessages.threw(error) };
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onCancel);
  }
}
