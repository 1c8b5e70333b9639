export const OrchestratorMessages = {
  noAgent: (capability: string) => `No agent provides capability '${capability}'`,
  noAgentInService: (capability: string) => `No agent in service for capability '${capability}'; try again later`,
  timedOut: (ms: number) => `Task timed out after ${ms} ms`,
  notJson: (reason: string) => `Agent returned a value that cannot be stored as JSON: ${reason}`,
  backgroundTaskFailed: (taskId: string, error: unknown) =>
    `Task ${taskId} could not be recorded: ${error instanceof Error ? error.message : String(error)}`,
  cancelled: () => 'Task cancelled',
  alreadyFinished: (taskId: string, status: string) => `Task '${taskId}' already finished (${status}); it cannot be cancelled`,
  taskNotFound: (taskId: string) => `Task '${taskId}' not found`,
  threw: (value: unknown) => (value instanceof Error ? value.message || value.name : `Agent threw ${String(value)}`),
};
