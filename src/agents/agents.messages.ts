export const AgentsMessages = {
  duplicateAgentId: (id: string, first: string, second: string) =>
    `Duplicate agent id '${id}': declared by ${first} and by ${second}. Give one of them another id with @Agent({ id }).`,
  duplicateCapability: (agentClass: string, capability: string) =>
    `Agent ${agentClass} declares capability '${capability}' twice. Each @Capability name must be unique within an agent.`,
  invalidCapabilityName: (agentClass: string, method: string, name: unknown) =>
    `Capability name ${JSON.stringify(name)} on ${agentClass}.${method} is invalid: it must match ^[a-z][a-z0-9_.-]{0,63}$.`,
  invalidAgentId: (agentClass: string, id: unknown) =>
    `Agent id ${JSON.stringify(id)} of ${agentClass} is invalid: use 1-128 letters, digits, '.', '_', ':' or '-'.`,
  skippedAlias: (token: string) => `Skipping alias provider ${token}: its class is registered under its own token.`,
  skippedScoped: (className: string) =>
    `Skipping ${className}: agents must be singletons (request- or transient-scoped providers cannot be agents).`,
  invalidMaxConcurrency: (agentClass: string, value: unknown) =>
    `maxConcurrency ${JSON.stringify(value)} of ${agentClass} is invalid: use a whole number of at least 1.`,
  concurrencyBoundByMachine: (id: string, declared: number, limit: number, boundBy: string) =>
    `Agent '${id}': max_concurrency ${declared} is more calls than this process can hold connections for; at most ${limit} go out at once (bound by ${boundBy}) and the others wait in the queue.`,
  localAgentConflict: (id: string) =>
    `Agent '${id}' runs inside the orchestrator; an in-process agent cannot be replaced or removed over the API.`,
  keyBoundToOtherAgent: (keyName: string, boundTo: string, agentId: string) =>
    `The API key '${keyName}' is bound to agent '${boundTo}': it may not send heartbeats for agent '${agentId}'.`,
  keyBoundToOtherTask: (keyName: string, boundTo: string, taskId: string, runner: string) =>
    `The API key '${keyName}' is bound to agent '${boundTo}': task ${taskId} is run by agent '${runner}', so the key may not delegate for it.`,
  registered: (id: string, capabilities: string[]) => `Registered agent ${id} with capabilities: ${capabilities.join(', ')}`,
};
