export const RemoteAgentsMessages = {
  healthCheckFailed: (agentId: string, url: string, reason: string) =>
    `Agent '${agentId}' failed its health check: GET ${url} ${reason}. The endpoint must answer GET /health with a 2xx.`,
  invalidInputSchema: (agentId: string, capability: string, reason: string) =>
    `input_schema of capability '${capability}' of agent '${agentId}' is not a valid JSON Schema: ${reason}`,
  notFound: (agentId: string) => `Agent '${agentId}' not found`,
  localHeartbeat: (agentId: string) => `Agent '${agentId}' runs inside the orchestrator; only remote agents send heartbeats.`,
  unreachable: (agentId: string, method: string, url: string, reason: string) =>
    `agent ${agentId} could not be reached at ${method} ${url}: ${reason}`,
  noConnection: (agentId: string, url: string, code: string) =>
    `the orchestrator could not open a connection to agent ${agentId} at ${url} (${code}: no file descriptor or local port left); raise the process's open-file limit (ulimit -n) or lower the agents' max_concurrency`,
  answeredStatus: (agentId: string, status: number, method: string, url: string, excerpt: string) =>
    `agent ${agentId} answered ${status} from ${method} ${url}${excerpt ? `: ${excerpt}` : ''}`,
  badReply: (agentId: string, excerpt: string) => `agent ${agentId} sent a reply that is not {success, data?, error?}: ${excerpt}`,
  reportedFailure: () => 'agent reported failure',
  registered: (agentId: string, endpoint: string, created: boolean) =>
    `${created ? 'Registered' : 'Updated'} remote agent ${agentId} at ${endpoint}`,
  deregistered: (agentId: string) => `Deregistered remote agent ${agentId}`,
  restored: (count: number) => `Restored ${count} remote agent${count === 1 ? '' : 's'} from the store`,
  restoreSkippedLocal: (agentId: string) =>
    `Stored remote agent '${agentId}' not restored: an in-process agent has that id now. Deregister it or rename one of them.`,
  restoreFailed: (agentId: string, reason: string) => `Stored remote agent '${agentId}' not restored: ${reason}`,
  wentOffline: (agentId: string, ttlMs: number) =>
    `Remote agent ${agentId} is offline: no heartbeat or passing health probe for ${ttlMs} ms`,
  backOnline: (agentId: string, how: 'heartbeat' | 'probe') =>
    `Remote agent ${agentId} is available again (${how === 'heartbeat' ? 'heartbeat' : 'health probe passed'})`,
  probeRoundFailed: (reason: string) => `Liveness probe round failed: ${reason}`,
};
