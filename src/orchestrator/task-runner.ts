import type { RegisteredAgent } from '../agents/agent.registry.js';
import type { TaskContext } from '../agents/interfaces/task-context.interface.js';
import type { JsonObject, JsonValue } from '../contracts/contract.model.js';
import { OrchestratorMessages } from './orchestrator.messages.js';

export type TaskResult = { success: true; data: JsonObject } | { success: false; error: string };

class TaskTimeoutError extends Error {}

/** A handler's return value as the result data: JSON only, a non-object wrapped as `{result}`. */
export function toResultData(value: unknown): JsonObject {
  const json = value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
  return json !== null && typeof json === 'object' && !Array.isArray(json) ? json : { result: json };
}

/**
 * Runs one capability of one agent with a timeout. Never throws: a handler that throws, returns
 * something that is not JSON, or runs past the timeout is a failed task.
 */
export async function runTask(
  agent: RegisteredAgent,
  input: unknown,
  ctx: Omit<TaskContext, 'signal'>,
  timeoutMs: number,
): Promise<TaskResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TaskTimeoutError(OrchestratorMessages.timedOut(timeoutMs));
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const value = await Promise.race([
      agent.definition.execute(ctx.capability, input, { ...ctx, signal: controller.signal }),
      timeout,
    ]);
    try {
      return { success: true, data: toResultData(value) };
    } catch (error) {
      return { success: false, error: OrchestratorMessages.notJson((error as Error).message) };
    }
  } catch (error) {
    return { success: false, error: OrchestratorMessages.threw(error) };
  } finally {
    clearTimeout(timer);
  }
}
