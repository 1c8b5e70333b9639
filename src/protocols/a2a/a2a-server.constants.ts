import type { Scope } from '../../auth/index.js';

/** Where the orchestrator answers A2A JSON-RPC. */
export const A2A_ENDPOINT_PATH = '/a2a';

/** Where the orchestrator answers the A2A HTTP+JSON (REST) binding. */
export const A2A_REST_PATH = '/a2a/rest';

/** The v0.3 protocol version the SDK's compatibility layer serves. */
export const A2A_LEGACY_PROTOCOL_VERSION = '0.3';

/** ListTasks page size when the client gives none, and the largest it may ask for. */
export const A2A_DEFAULT_PAGE_SIZE = 50;
export const A2A_MAX_PAGE_SIZE = 100;

/**
 * The scope each A2A JSON-RPC method needs once API keys exist (v1.0 names and their v0.3 names):
 * `invoke` to start or cancel work, `read` to look. A method not listed needs `read` (the SDK answers
 * "method not found" for unknown ones).
 */
export const A2A_METHOD_SCOPES: Readonly<Record<string, Scope>> = {
  SendMessage: 'invoke',
  SendStreamingMessage: 'invoke',
  CancelTask: 'invoke',
  CreateTaskPushNotificationConfig: 'invoke',
  DeleteTaskPushNotificationConfig: 'invoke',
  'message/send': 'invoke',
  'message/stream': 'invoke',
  'tasks/cancel': 'invoke',
  'tasks/pushNotificationConfig/set': 'invoke',
  'tasks/pushNotificationConfig/delete': 'invoke',
};

export function a2aMethodScope(method: unknown): Scope {
  return (typeof method === 'string' && Object.hasOwn(A2A_METHOD_SCOPES, method) && A2A_METHOD_SCOPES[method]) || 'read';
}

/**
 * The scope an A2A HTTP+JSON request needs: `invoke` to send a message, cancel a task or change push
 * notification configs (refused anyway), `read` for the rest (get, list, subscribe, the extended card).
 */
export function a2aRestScope(method: string, path: string): Scope {
  const writes = method === 'DELETE' || (method === 'POST' && /(:send|:stream|:cancel|\/pushNotificationConfigs)\/?$/.test(path));
  return writes ? 'invoke' : 'read';
}
