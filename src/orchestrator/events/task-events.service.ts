import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { JsonObject } from '../../contracts/contract.model.js';

/** `error`: the task's outcome could not be recorded; the stream ends with it. */
export type TaskEventType = 'state' | 'progress' | 'error';

/** One event of a task's stream; ids count up from 1 per task. */
export interface TaskEvent {
  readonly id: number;
  readonly type: TaskEventType;
  readonly data: JsonObject;
}

export interface TaskEventSubscription {
  /** Events to send first: the latest state and what followed it, or everything after `Last-Event-ID`. */
  readonly replay: readonly TaskEvent[];
  /** The task reached its final state already; nothing more will come. */
  readonly ended: boolean;
  unsubscribe(): void;
}

/**
 * Carries task events between processes when tasks run on workers (REDIS_URL): what a process publishes
 * goes out through it, numbered there, and comes back to every process (this one included) to feed
 * the streams.
 */
export interface TaskEventRelay {
  publishEvent(taskId: string, type: TaskEventType, data: JsonObject, final: boolean): Promise<void>;
  onEvent(listener: (event: TaskEvent & { task_id: string; final: boolean }) => void): () => void;
}

interface Channel {
  readonly events: TaskEvent[];
  readonly listeners: Set<(event: TaskEvent, final: boolean) => void>;
  nextId: number;
  lastStateIndex: number;
  ended: boolean;
}

/** Events kept per task (older progress events are dropped first). */
const MAX_EVENTS_PER_TASK = 1000;
/** How long, and how many, finished tasks' streams stay available for late clients. */
const RETAIN_FINISHED_MS = 5 * 60 * 1000;
const MAX_RETAINED_FINISHED = 10_000;

/**
 * The in-memory event streams of tasks (`GET /v1/tasks/:id/events`): state changes and the progress
 * that handlers report with `ctx.progress`. A stream exists from the task's submission until a while
 * after its final state; without one, a client is answered from the task's REQUEST contract.
 */
@Injectable()
export class TaskEventsService implements OnModuleDestroy {
  private readonly channels = new Map<string, Channel>();
  /** Finished, retained streams by time they ended (insertion order), for expiry. */
  private readonly finished = new Map<string, number>();
  private sweeper?: NodeJS.Timeout;
  private relay?: TaskEventRelay;
  private readonly logger = new Logger(TaskEventsService.name);

  /**
   * From now on events are published through `relay`, and the streams of this process are fed from it:
   * an API replica streams the events of a task that a worker runs.
   */
  relayThrough(relay: TaskEventRelay): void {
    this.relay = relay;
    relay.onEvent((event) => this.receive(event.task_id, event, event.final));
  }

  /** Starts a task's stream (submitted tasks); it is kept a while after the task ends, for late and reconnecting clients. */
  open(taskId: string): void {
    if (!this.channels.has(taskId)) {
      this.channels.set(taskId, { events: [], listeners: new Set(), nextId: 1, lastStateIndex: -1, ended: false });
    }
  }

  has(taskId: string): boolean {
    return this.channels.has(taskId);
  }

  /** Adds an event to the task's stream, if it has one. `final`: the task's last event; the stream ends. */
  publish(taskId: string, type: TaskEventType, data: JsonObject, final = false): void {
    const channel = this.channels.get(taskId);
    if (!channel || channel.ended) return;
    if (this.relay) {
      // Added here when it comes back numbered, as in every other process.
      this.relay
        .publishEvent(taskId, type, data, final)
        .catch((error: unknown) => this.logger.error(`Task ${taskId}: event not relayed: ${String(error)}`));
      return;
    }
    this.append(taskId, channel, { id: channel.nextId, type, data }, final);
  }

  /** An event relayed from whichever process published it; opens the task's stream here when needed. */
  private receive(taskId: string, event: TaskEvent, final: boolean): void {
    this.open(taskId);
    const channel = this.channels.get(taskId)!;
    if (channel.ended || event.id < channel.nextId) return;
    this.append(taskId, channel, { id: event.id, type: event.type, data: event.data }, final);
  }

  private append(taskId: string, channel: Channel, event: TaskEvent, final: boolean): void {
    const { type } = event;
    channel.nextId = event.id + 1;
    channel.events.push(event);
    if (type === 'state') channel.lastStateIndex = channel.events.length - 1;
    if (channel.events.length > MAX_EVENTS_PER_TASK) this.trim(channel);
    if (final) channel.ended = true;
    // A copy: a listener may unsubscribe (or a new one subscribe) while this event is handed out.
    for (const listener of Array.from(channel.listeners)) listener(event, final);
    if (final) this.ended(taskId, channel);
  }

  /** The latest state event of the task's stream, if it has one. */
  latestState(taskId: string): JsonObject | undefined {
    const channel = this.channels.get(taskId);
    return channel && channel.lastStateIndex >= 0 ? channel.events[channel.lastStateIndex].data : undefined;
  }

  /**
   * Follows a task's stream: undefined when the task has none here. Without `lastEventId` the replay
   * starts at the latest state; with it, right after that event.
   */
  subscribe(
    taskId: string,
    lastEventId: number | undefined,
    listener: (event: TaskEvent, final: boolean) => void,
  ): TaskEventSubscription | undefined {
    const channel = this.channels.get(taskId);
    if (!channel) return undefined;
    const from =
      lastEventId === undefined || lastEventId >= channel.nextId
        ? Math.max(channel.lastStateIndex, 0)
        : channel.events.findIndex((event) => event.id > lastEventId);
    const replay = from < 0 ? [] : channel.events.slice(from);
    if (channel.ended) return { replay, ended: true, unsubscribe: () => undefined };
    channel.listeners.add(listener);
    return { replay, ended: false, unsubscribe: () => channel.listeners.delete(listener) };
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    this.channels.clear();
    this.finished.clear();
  }

  private ended(taskId: string, channel: Channel): void {
    channel.listeners.clear();
    this.finished.set(taskId, Date.now());
    if (this.finished.size > MAX_RETAINED_FINISHED) this.expire(Number.POSITIVE_INFINITY, this.finished.size - MAX_RETAINED_FINISHED);
    this.sweeper ??= setInterval(() => this.expire(Date.now() - RETAIN_FINISHED_MS), RETAIN_FINISHED_MS / 5).unref();
  }

  /** Drops finished streams that ended before `before`, or the `count` oldest. */
  private expire(before: number, count = Number.POSITIVE_INFINITY): void {
    for (const [taskId, endedAt] of this.finished) {
      if (count <= 0 || endedAt >= before) break;
      this.finished.delete(taskId);
      this.channels.delete(taskId);
      count -= 1;
    }
  }

  /** Drops the oldest progress event (state events are kept). */
  private trim(channel: Channel): void {
    const index = channel.events.findIndex((event) => event.type === 'progress');
    if (index < 0) return;
    channel.events.splice(index, 1);
    if (channel.lastStateIndex > index) channel.lastStateIndex -= 1;
  }
}
