/** Message texts of IntegrationsModule (HTTP errors, log lines, recorded delivery errors). */
export const IntegrationsMessages = {
  sessionNotFound: (sessionId: string) => `Session '${sessionId}' not found`,

  memagentNotConfigured: () => 'MemAgent is not configured (MEMAGENT_URL is unset)',
  memagentUnreachable: (url: string, reason: string) => `MemAgent at ${url} is unreachable: ${reason}`,
  memagentTimedOut: (url: string, ms: number) => `MemAgent at ${url} did not answer within ${ms} ms`,
  memagentUpstreamError: (status: number, detail: string) =>
    detail ? `MemAgent answered HTTP ${status}: ${detail}` : `MemAgent answered HTTP ${status}`,
  memagentNotJson: (status: number) => `MemAgent answered HTTP ${status} with a body that is not a JSON object`,

  traceStatus: (status: number, detail: string) => (detail ? `Trace answered HTTP ${status}: ${detail}` : `Trace answered HTTP ${status}`),
  traceTimedOut: (ms: number) => `Trace did not answer within ${ms} ms`,
  traceUnreachable: (reason: string) => `Trace is unreachable: ${reason}`,

  dispatcherStarted: (url: string) => `Trace outbox dispatcher started (delivering to ${url})`,
  dispatcherDisabled: () => 'Trace is not configured (TRACE_URL is unset); contracts are not shipped to Trace',
  dispatcherRoundFailed: (reason: string) => `Trace outbox round failed: ${reason}`,
  dispatcherMarkFailed: (reason: string) => `Could not record the outcome of Trace deliveries: ${reason}`,
  dispatcherTraceDown: (error: string, waitMs: number) => `Trace delivery failing (${error}); next round in ${waitMs} ms`,
  dispatcherTraceRecovered: () => 'Trace delivery recovered',
  dispatcherDeadLettered: (id: number, sessionId: string, attempts: number, error: string) =>
    `Trace event ${id} of session '${sessionId}' moved to the dead letters after ${attempts} attempt(s): ${error} (see npm run outbox -- list)`,
};
