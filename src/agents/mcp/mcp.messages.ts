export const McpMessages = {
  cannotRegister: (reason: string) => `Cannot register the MCP server: ${reason}`,
  unreachable: (url: string, reason: string) => `MCP server ${url} could not be reached: ${reason}`,
  noTools: (url: string) => `MCP server ${url} lists no tools`,
  tooManyTools: (url: string, count: number, max: number) => `MCP server ${url} lists ${count} tools; at most ${max} are taken`,
  callFailed: (agentId: string, tool: string, reason: string) => `MCP agent ${agentId} failed to call tool '${tool}': ${reason}`,
  toolRefused: (tool: string, reason: string) => `Tool '${tool}' refused the call: ${reason}`,
  toolFailed: (tool: string) => `Tool '${tool}' failed without a message`,
  replyTooLarge: (maxBytes: number) => `The MCP server's reply is larger than RESPONSE_MAX_BYTES (${maxBytes} bytes)`,
  storedMalformed: () => 'its stored registration is not a usable MCP registration',
  toolsChanged: (agentId: string, count: number) =>
    `MCP agent ${agentId} now lists ${count} tool${count === 1 ? '' : 's'}; its capabilities follow`,
  relistFailed: (agentId: string, reason: string) => `MCP agent ${agentId}: tools not refreshed: ${reason}`,
};
