/** Names of the metric families this service exports (besides the default process ones). */
export const METRIC = {
  httpRequestDuration: 'http_request_duration_seconds',
  tasks: 'orchestrator_tasks_total',
  taskDuration: 'orchestrator_task_duration_seconds',
  tasksInFlight: 'orchestrator_tasks_in_flight',
  tasksQueued: 'orchestrator_tasks_queued',
  agents: 'orchestrator_agents',
  outboxBacklog: 'orchestrator_trace_outbox_backlog',
  outboxOldestAge: 'orchestrator_trace_outbox_oldest_age_seconds',
  outboxDeliveries: 'orchestrator_trace_outbox_deliveries_total',
  outboxDeadLetters: 'orchestrator_trace_dead_letters',
  dispatcherYielding: 'orchestrator_trace_dispatcher_yielding',
  buildInfo: 'orchestrator_build_info',
} as const;

/** `route` label of a request that matched no route (unknown path, or refused before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

/** `capability` / `agent` label of a name no registered agent has (callers never choose label values). */
export const UNKNOWN_LABEL = 'unknown';

/** Seconds; HTTP answers of this service take from well under a millisecond to a task's timeout. */
export const HTTP_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Seconds, from acceptance of a task to its committed outcome. */
export const TASK_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
