/** What a registration body says about an MCP server (Streamable HTTP). */
export interface McpRegistrationRequest {
  url: string;
  agent_id?: string;
  name?: string;
  /** Sent with every request to the server (e.g. its own `Authorization`). */
  headers?: Record<string, string>;
  max_concurrency?: number | null;
}

/** One tool of an MCP server as listed, and the capability it is offered under. */
export interface McpTool {
  /** The server's name of the tool, used to call it. */
  name: string;
  capability: string;
  description: string;
  input_schema: Record<string, unknown>;
}

/**
 * An MCP agent as stored (`remote_agents.registration` of a row of kind `mcp`): the server, how to
 * reach it, and its tools as last listed, so that it is restored at start without a request.
 */
export interface McpAgentRegistration {
  agent_id: string;
  name: string;
  description: string;
  version: string;
  url: string;
  headers: Record<string, string>;
  max_concurrency: number | null;
  tools: McpTool[];
}

/** A body registers an MCP server when it says `kind: "mcp"`. */
export function isMcpRegistrationRequest(body: { kind?: unknown }): boolean {
  return body.kind === 'mcp';
}
