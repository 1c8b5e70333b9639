/** Prefix of a capability name made from a tool name that does not start with a letter. */
export const MCP_TOOL_NAME_PREFIX = 'tool_';

/** Agent id of a server whose name yields no usable slug. */
export const MCP_FALLBACK_AGENT_ID = 'mcp-agent';

/** Timeout of connecting to an MCP server and listing its tools at registration. */
export const MCP_REGISTRATION_TIMEOUT_MS = 10_000;

/** Most headers a registration may send to its MCP server, and the longest value. */
export const MCP_MAX_HEADERS = 32;
export const MCP_MAX_HEADER_VALUE_LENGTH = 8192;

/** `source` of an MCP agent's definition, used in messages. */
export const mcpAgentSource = (url: string) => `mcp ${url}`;
