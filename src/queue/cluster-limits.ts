import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Redis } from 'ioredis';
import { newUlid } from '../common/ids/ulid.js';
import { queueConfig } from './queue.config.js';

/** Redis's own clock in milliseconds, so that every process judges lease ages alike. */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Takes one of an agent's `limit` slots: a lease (sorted-set member scored by its expiry). Leases of
 * processes that died expire instead of holding the slot for ever. 1 when taken, 0 when all are held.
 */
const TAKE_SLOT_SCRIPT = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Gives a lease back and tells every process that the agent has a free slot. */
const GIVE_SLOT_SCRIPT = `redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`;

/** Extends the leases still held (XX: a lease that expired meanwhile is not brought back). */
const RENEW_SLOTS_SCRIPT = `${NOW_MS}
local expires = now + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', expires, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/**
 * Admits a task into a capability's cluster-wide queue when fewer than ARGV[1] wait there; entries older
 * than ARGV[2] ms are past QUEUE_TIMEOUT_MS and no longer wait. 1 when admitted, 0 when full.
 */
const ADMIT_SCRIPT = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

type LimitsClient = Redis & {
  takeSlot(key: string, limit: number, leaseMs: number, lease: string): Promise<number>;
  giveSlot(key: string, lease: string, channel: string, agentId: string): Promise<number>;
  renewSlots(key: string, leaseMs: number, ...leases: string[]): Promise<number>;
  admitTask(key: string, queueMax: number, queueTimeoutMs: number, taskId: string): Promise<number>;
};

/** A slot taken through `takeSlot`; `shared: false` when Redis did not answer and only this process's limit held. */
export interface ClusterSlot {
  readonly agentId: string;
  readonly lease: string;
  readonly shared: boolean;
}

/** Leases renewed per script call (thousands of long calls may be in flight to one agent). */
const RENEW_BATCH = 1000;

/** How long a caller waits for Redis before a limit is judged by this process alone. */
const REDIS_TIMEOUT_MS = 1000;

/**
 * The limits that hold across every process when tasks run on workers (REDIS_URL):
 *
 * - an agent's `max_concurrency`: each attempt holds a lease in the agent's sorted set of slots, renewed
 *   while it runs and expiring WORKER_STALL_MS after a process that holds it dies (when its tasks run
 *   again elsewhere); a lease given back is announced, so that tasks waiting on any worker are served;
 * - `QUEUE_MAX`: a capability's accepted tasks that no agent has started yet, counted in one sorted set
 *   per capability from acceptance by a replica to the first attempt on a worker.
 *
 * When Redis does not answer within a second, a limit is judged by this process alone (fail open, one
 * log line when that starts and one when it ends): tasks keep running, as the queue itself waits for Redis.
 */
@Injectable()
export class ClusterLimits implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ClusterLimits.name);
  private readonly client: LimitsClient;
  private readonly subscriber: Redis;
  private readonly freedChannel: string;
  private readonly freedListeners = new Set<(agentId: string) => void>();
  /** Leases this process holds, per agent, renewed every third of their lifetime. */
  private readonly held = new Map<string, Set<string>>();
  private readonly leaseMs: number;
  private renewTimer?: NodeJS.Timeout;
  private failingOpen = false;

  constructor(@Inject(queueConfig.KEY) private readonly config: ConfigType<typeof queueConfig>) {
    this.client = new Redis(config.redisUrl!, { lazyConnect: true, maxRetriesPerRequest: 1 }) as LimitsClient;
    this.client.defineCommand('takeSlot', { numberOfKeys: 1, lua: TAKE_SLOT_SCRIPT });
    this.client.defineCommand('giveSlot', { numberOfKeys: 1, lua: GIVE_SLOT_SCRIPT });
    this.client.defineCommand('renewSlots', { numberOfKeys: 1, lua: RENEW_SLOTS_SCRIPT });
    this.client.defineCommand('admitTask', { numberOfKeys: 1, lua: ADMIT_SCRIPT });
    this.subscriber = new Redis(config.redisUrl!, { lazyConnect: true });
    this.freedChannel = `${config.keyPrefix}:agent-slot-freed`;
    this.leaseMs = config.stallMs;
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([this.client.connect(), this.subscriber.connect()]);
    this.subscriber.on('message', (_channel: string, agentId: string) => {
      for (const listener of this.freedListeners) listener(agentId);
    });
    await this.subscriber.subscribe(this.freedChannel);
    this.renewTimer = setInterval(() => void this.renew(), Math.max(250, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.renewTimer);
    this.freedListeners.clear();
    await Promise.allSettled([this.subscriber.quit(), this.client.quit()]);
  }

  /** One of the agent's `limit` slots across the cluster, or undefined when every one is taken. */
  async takeSlot(agentId: string, limit: number): Promise<ClusterSlot | undefined> {
    const lease = newUlid();
    const taken = await this.answer(this.client.takeSlot(this.slotsKey(agentId), limit, this.leaseMs, lease));
    if (taken === undefined) return { agentId, lease, shared: false };
    if (taken === 0) return undefined;
    const leases = this.held.get(agentId) ?? new Set<string>();
    this.held.set(agentId, leases.add(lease));
    return { agentId, lease, shared: true };
  }

  /** Gives the slot back; every process with tasks waiting for the agent hears of it. */
  giveSlot(slot: ClusterSlot): void {
    if (!slot.shared) return;
    const leases = this.held.get(slot.agentId);
    leases?.delete(slot.lease);
    if (leases?.size === 0) this.held.delete(slot.agentId);
    void this.answer(this.client.giveSlot(this.slotsKey(slot.agentId), slot.lease, this.freedChannel, slot.agentId));
  }

  /** Calls `listener` with the agent's id whenever any process gives back a slot of it. */
  onSlotFreed(listener: (agentId: string) => void): () => void {
    this.freedListeners.add(listener);
    return () => this.freedListeners.delete(listener);
  }

  /**
   * Admits a newly accepted task into its capability's queue across the cluster: false when
   * `queueMax` tasks of the capability wait already (accepted, not started within `queueTimeoutMs`).
   */
  async admit(capability: string, taskId: string, queueMax: number, queueTimeoutMs: number): Promise<boolean> {
    const admitted = await this.answer(this.client.admitTask(this.waitingKey(capability), queueMax, queueTimeoutMs, taskId));
    return admitted !== 0;
  }

  /** The task no longer waits (an agent started it, or it ended). */
  leave(capability: string, taskId: string): void {
    void this.answer(this.client.zrem(this.waitingKey(capability), taskId));
  }

  private async renew(): Promise<void> {
    for (const [agentId, leases] of this.held) {
      const all = [...leases];
      for (let i = 0; i < all.length; i += RENEW_BATCH) {
        await this.answer(this.client.renewSlots(this.slotsKey(agentId), this.leaseMs, ...all.slice(i, i + RENEW_BATCH)));
      }
    }
  }

  /** The command's answer, or undefined when Redis failed or did not answer in time (fail open). */
  private async answer<T>(command: Promise<T>): Promise<T | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), REDIS_TIMEOUT_MS);
    });
    try {
      const answer = await Promise.race([command.catch(() => undefined), timeout]);
      if (answer === undefined) this.failOpen();
      else if (this.failingOpen) {
        this.failingOpen = false;
        this.logger.log('Redis answers again: agent and queue limits hold across the cluster again');
      }
      return answer;
    } finally {
      clearTimeout(timer);
    }
  }

  private failOpen(): void {
    if (this.failingOpen) return;
    this.failingOpen = true;
    this.logger.error(`Redis did not answer within ${REDIS_TIMEOUT_MS} ms: agent and queue limits hold per process until it does`);
  }

  private slotsKey(agentId: string): string {
    return `${this.config.keyPrefix}:agent-slots:${agentId}`;
  }

  private waitingKey(capability: string): string {
    return `${this.config.keyPrefix}:capability-waiting:${capability}`;
  }
}
