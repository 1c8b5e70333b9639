export const A2aServerMessages = {
  badCapability: (value: unknown) =>
    `The data part's 'capability' must be a non-empty string, got ${JSON.stringify(value) ?? String(value)}`,
  badParameters: () => "'parameters' (or every data part, when metadata names the capability) must be a JSON object",
  badContext: () => "'context' must be a JSON object",
  noCapability: (hasDefault: boolean) =>
    hasDefault
      ? "The message names no capability: send a data part {capability, parameters}, or metadata 'capability' with a data part of parameters (text alone goes to the default capability only when the message has no data part)"
      : "The message names no capability: send a data part {capability, parameters}, or metadata 'capability' with a data part of parameters (A2A_DEFAULT_CAPABILITY is not set, so text alone is not enough)",
  badContextId: (contextId: string) =>
    `contextId '${contextId}' cannot be a session id: 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
  noFollowUp: (taskId: string) =>
    `Task '${taskId}' takes no further messages: an orchestrator task runs one capability; send a new message without taskId`,
  noPushNotifications: () => 'Push notifications are not supported; use SendStreamingMessage or SubscribeToTask',
  noExtendedCard: () => 'The orchestrator has no extended agent card',
  alreadyFinished: (taskId: string, status: string) => `Task '${taskId}' already finished (${status}); there is nothing to subscribe to`,
  missingScope: (method: string, scope: string) => `The API key lacks the scope '${scope}' that the A2A request ${method} needs`,
  noMessage: () => 'The request has no message',
};
