/** Where the orchestrator answers MCP (Streamable HTTP). */
export const MCP_ENDPOINT_PATH = 'mcp';

/** `_meta` key of a tool call naming the session its task joins; also returned in the result's `_meta`. */
export const MCP_SESSION_META_KEY = 'orchestrator/session_id';

/** `_meta` key of a tool result carrying the task id (the REQUEST contract id). */
export const MCP_TASK_META_KEY = 'orchestrator/task_id';
