export const McpServerMessages = {
  instructions: () =>
    'Each tool is a capability of the orchestrator; a call runs it as a task routed to an agent that provides it. ' +
    "Send _meta['orchestrator/session_id'] to keep calls in one session; otherwise every call starts a new one.",
  badSession: (key: string) =>
    `_meta['${key}'] must be a session id: 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
  unknownTool: (name: string, reason: string) => `Unknown tool '${name}': ${reason}`,
  notFinished: (taskId: string, status: string) => `Task ${taskId} ended ${status} without an outcome`,
  progressNotSent: (taskId: string, error: unknown) =>
    `Progress of task ${taskId} not sent: ${error instanceof Error ? error.message : String(error)}`,
  methodNotAllowed: () => 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC requests with POST',
};
