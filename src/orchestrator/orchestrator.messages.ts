export const OrchestratorMessages = {
  noAgent: (capability: string) => `No agent provides capability '${capability}'`,
  noAgentInService: (capability: string) => `No agent in service for capability '${capability}'; try again later`,
  timedOut: (ms: number) => `Task timed out after ${ms} ms`,
  notJson: (reason: string) => `Agent returned a value that cannot be stored as JSON: ${reason}`,
  threw: (value: unknown) => (value instanceof Error ? value.message || value.name : `Agent threw ${String(value)}`),
};
