import type { TaskEvent, TaskEventsService } from '../orchestrator/events/task-events.service.js';

export interface FollowOptions {
  /** Replay every event after this id (0: all of them); absent: from the latest state event on. */
  after?: number;
  /** Stops following when it fires. */
  signal?: AbortSignal;
}

/**
 * The events of a submitted task as an async iterator: the replayed ones, then each new one until the
 * task's final event. Yields nothing when the task has no stream in this process (finished long ago,
 * or started by `POST /v1/orchestrate`); read its REQUEST then.
 */
export async function* followTask(
  events: TaskEventsService,
  taskId: string,
  { after, signal }: FollowOptions = {},
): AsyncGenerator<TaskEvent, void, undefined> {
  const queue: TaskEvent[] = [];
  let done = false;
  let wake: (() => void) | undefined;
  const subscription = events.subscribe(taskId, after, (event, final) => {
    queue.push(event);
    if (final) done = true;
    wake?.();
  });
  if (!subscription) return;
  queue.unshift(...subscription.replay);
  if (subscription.ended) done = true;
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    while (!signal?.aborted) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    subscription.unsubscribe();
  }
}

/** Resolves when the task's final event was published (at once when it has no stream here), or when `signal` fires. */
export async function untilTaskEnds(events: TaskEventsService, taskId: string, signal?: AbortSignal): Promise<void> {
  const stream = followTask(events, taskId, { after: 0, signal });
  while (!(await stream.next()).done);
}
