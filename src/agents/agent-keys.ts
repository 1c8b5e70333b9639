import { ForbiddenException } from '@nestjs/common';
import type { ApiKeyPrincipal } from '../auth/index.js';
import { AgentsMessages } from './agents.messages.js';

/** The agent the request's API key is bound to, or undefined (no key, or a key bound to no agent). */
function boundAgent(key: ApiKeyPrincipal | undefined): string | undefined {
  return key?.agent_id ?? undefined;
}

/** A key bound to an agent may send heartbeats only for that agent: 403 otherwise. */
export function assertKeyMayHeartbeat(key: ApiKeyPrincipal | undefined, agentId: string): void {
  const bound = boundAgent(key);
  if (bound !== undefined && bound !== agentId)
    throw new ForbiddenException(AgentsMessages.keyBoundToOtherAgent(key!.name, bound, agentId));
}

/**
 * A key bound to an agent may delegate only for the tasks that agent runs (`runner`: the agent running
 * the task now; undefined when the task is not running, which the delegation itself answers with 404).
 */
export function assertKeyMayDelegate(key: ApiKeyPrincipal | undefined, taskId: string, runner: string | undefined): void {
  const bound = boundAgent(key);
  if (bound !== undefined && runner !== undefined && bound !== runner) {
    throw new ForbiddenException(AgentsMessages.keyBoundToOtherTask(key!.name, bound, taskId, runner));
  }
}
