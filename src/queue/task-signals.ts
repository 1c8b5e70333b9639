import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Redis } from 'ioredis';
import type { JsonObject } from '../contracts/contract.model.js';
import { queueConfig } from './queue.config.js';

/** A task event as every process receives it; `id` counts up per task across all processes. */
export interface SignalledTaskEvent {
  readonly task_id: string;
  readonly id: number;
  readonly type: 'state' | 'progress' | 'error';
  readonly data: JsonObject;
  readonly final: boolean;
}

/** How long a task's event counter is kept in Redis after its last event. */
const EVENT_COUNTER_TTL_MS = 24 * 60 * 60 * 1000;

/** Bounds how long a worker that died mid-task leaves its task's running agent behind (its next attempt overwrites it). */
const RUNNING_AGENT_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Numbers the event and publishes it in one step, so that ids count up in the order every subscriber
 * receives them, whichever process published.
 */
const PUBLISH_EVENT_SCRIPT = `
local id = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[1], id .. '\\n' .. ARGV[2])
return id`;

type EventPublisher = Redis & {
  publishTaskEvent(counterKey: string, channel: string, message: string, ttlMs: number): Promise<number>;
};

/**
 * What crosses processes through Redis pub/sub when tasks run on workers: task events (state changes,
 * progress) for the API replicas' streams and waiting callers, and cancellation requests for the worker
 * that runs the task. Pub/sub delivers to whoever listens now; the store stays the record of every outcome.
 */
@Injectable()
export class TaskSignals implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TaskSignals.name);
  private readonly publisher: EventPublisher;
  private readonly subscriber: Redis;
  private readonly eventsChannel: string;
  private readonly cancelChannel: string;
  private readonly eventListeners = new Set<(event: SignalledTaskEvent) => void>();
  private readonly cancelListeners = new Set<(taskId: string) => void>();

  constructor(@Inject(queueConfig.KEY) private readonly config: ConfigType<typeof queueConfig>) {
    this.publisher = new Redis(config.redisUrl!, { lazyConnect: true }) as EventPublisher;
    this.publisher.defineCommand('publishTaskEvent', { numberOfKeys: 1, lua: PUBLISH_EVENT_SCRIPT });
    this.subscriber = new Redis(config.redisUrl!, { lazyConnect: true });
    this.eventsChannel = `${config.keyPrefix}:task-events`;
    this.cancelChannel = `${config.keyPrefix}:task-cancel`;
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
    this.subscriber.on('message', (channel: string, message: string) => this.received(channel, message));
    await this.subscriber.subscribe(this.eventsChannel, this.cancelChannel);
  }

  async onModuleDestroy(): Promise<void> {
    this.eventListeners.clear();
    this.cancelListeners.clear();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }

  /** Publishes a task event to every process (this one included). */
  async publishEvent(taskId: string, type: SignalledTaskEvent['type'], data: JsonObject, final: boolean): Promise<void> {
    const message = JSON.stringify({ task_id: taskId, type, data, final });
    await this.publisher.publishTaskEvent(
      `${this.config.keyPrefix}:task-event-id:${taskId}`,
      this.eventsChannel,
      message,
      EVENT_COUNTER_TTL_MS,
    );
  }

  /** Asks whichever process runs the task to cancel it. */
  async requestCancel(taskId: string): Promise<void> {
    await this.publisher.publish(this.cancelChannel, taskId);
  }

  /**
   * Records the agent that runs the current attempt of a task (the worker's view), kept until
   * `forgetRunningAgent` or RUNNING_AGENT_TTL_MS, so that any API replica can tell which agent may
   * delegate for the task. One key per running task, overwritten by each attempt.
   */
  async recordRunningAgent(taskId: string, agentId: string): Promise<void> {
    await this.publisher.set(this.runningAgentKey(taskId), agentId, 'PX', RUNNING_AGENT_TTL_MS);
  }

  async forgetRunningAgent(taskId: string): Promise<void> {
    await this.publisher.del(this.runningAgentKey(taskId));
  }

  /** The agent recorded for the task's current attempt; undefined when none is (no attempt started, or finished). */
  async runningAgent(taskId: string): Promise<string | undefined> {
    return (await this.publisher.get(this.runningAgentKey(taskId))) ?? undefined;
  }

  onEvent(listener: (event: SignalledTaskEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onCancel(listener: (taskId: string) => void): () => void {
    this.cancelListeners.add(listener);
    return () => this.cancelListeners.delete(listener);
  }

  private runningAgentKey(taskId: string): string {
    return `${this.config.keyPrefix}:task-agent:${taskId}`;
  }

  private received(channel: string, message: string): void {
    try {
      if (channel === this.cancelChannel) {
        for (const listener of this.cancelListeners) listener(message);
        return;
      }
      const newline = message.indexOf('\n');
      const body = JSON.parse(message.slice(newline + 1)) as Omit<SignalledTaskEvent, 'id'>;
      const event: SignalledTaskEvent = { ...body, id: Number(message.slice(0, newline)) };
      for (const listener of this.eventListeners) listener(event);
    } catch (error) {
      this.logger.error(`Unreadable message on ${channel}: ${(error as Error).message}`);
    }
  }
}
