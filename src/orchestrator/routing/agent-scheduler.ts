import { Inject, Injectable, Logger, NotFoundException, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AgentRegistry } from '../../agents/agent.registry.js';
import type { RegisteredAgent, RegisteredCapability, SlotOutcome } from '../../agents/interfaces/registered-agent.interface.js';
import { RetryLaterException } from '../../common/exceptions/retry-later.exception.js';
import { ClusterLimits, type ClusterSlot } from '../../queue/cluster-limits.js';
import { orchestratorConfig } from '../orchestrator.config.js';
import { OrchestratorMessages } from '../orchestrator.messages.js';

/** A slot taken on an agent for one attempt of a task. */
export interface AgentSlot {
  readonly agent: RegisteredAgent;
  readonly capability: RegisteredCapability;
  /** Gives the slot back, saying how the attempt ended (`unused` when it never ran). Later calls do nothing. */
  release(outcome: SlotOutcome): void;
}

interface Waiter {
  readonly exclude: ReadonlySet<string>;
  resolve(slot: AgentSlot): void;
  reject(error: unknown): void;
}

/** Seconds a caller is asked to wait (`Retry-After`) when every capable agent is busy or out of service. */
const RETRY_AFTER_BUSY_S = 1;
const RETRY_AFTER_UNAVAILABLE_S = 5;

const EMPTY: ReadonlySet<string> = new Set();

/**
 * How often tasks waiting on a worker look again for a cluster-wide slot, besides being woken when any
 * process gives one back: a slot held by a process that died frees silently when its lease expires.
 */
const CLUSTER_RECHECK_MS = 1000;

/**
 * Hands out agent slots: the capable agent with the fewest tasks in flight that is under its
 * `max_concurrency`. When every one is at its limit, tasks wait in a FIFO per capability, at most
 * QUEUE_MAX of them and for at most QUEUE_TIMEOUT_MS; beyond either the caller gets 503 with
 * `Retry-After`. A waiter is served as soon as an agent frees a slot or comes (back) into service.
 * A slot goes back through its own `release`, which tells the registry how the attempt ended.
 *
 * With workers (REDIS_URL), a remote agent's `max_concurrency` holds across the cluster: its slot also
 * takes a lease from ClusterLimits, and an agent whose leases are all held elsewhere counts
 * as busy here. Tasks then wait in this process's FIFO as above, and are served when any process gives
 * a slot back.
 */
@Injectable()
export class AgentScheduler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AgentScheduler.name);
  private readonly queues = new Map<string, Waiter[]>();
  private readonly stopListening: (() => void)[] = [];
  /** Capabilities whose queue is being served from cluster-wide slots now, and those to serve once more after. */
  private readonly serving = new Set<string>();
  private readonly serveAgain = new Set<string>();
  private recheckTimer?: NodeJS.Timeout;

  constructor(
    private readonly registry: AgentRegistry,
    @Inject(orchestratorConfig.KEY) private readonly config: ConfigType<typeof orchestratorConfig>,
    @Optional() private readonly cluster?: ClusterLimits,
  ) {}

  onModuleInit(): void {
    this.stopListening.push(this.registry.onChange((agent) => this.wake(agent)));
    if (!this.cluster) return;
    this.stopListening.push(this.cluster.onSlotFreed(() => this.serveAll()));
    this.recheckTimer = setInterval(() => this.serveAll(), CLUSTER_RECHECK_MS);
    this.recheckTimer.unref();
  }

  onModuleDestroy(): void {
    for (const stop of this.stopListening.splice(0)) stop();
    clearInterval(this.recheckTimer);
  }

  /**
   * A slot now, or undefined when the task has to wait and the queue has room for it. Throws 404 when
   * no agent provides the capability, 503 (`Retry-After`) when none is in service or the queue is full.
   * `exclude`: agents the task must not go to (those it already failed on). Only for a process that runs
   * its own tasks: with cluster-wide limits a slot is known only after asking Redis (`acquire`).
   */
  tryAcquire(capability: string, exclude: ReadonlySet<string> = EMPTY): AgentSlot | undefined {
    if (this.cluster) throw new Error('tryAcquire cannot take cluster-wide slots: use acquire');
    const route = this.routeOrThrow(capability, exclude);
    const waiting = this.queues.get(capability)?.length ?? 0;
    if (route.kind === 'ready' && waiting === 0) return this.take(route.agent, route.capability);
    this.checkRoom(capability, waiting);
    return undefined;
  }

  /** The capability's route; 404 when no agent outside `exclude` provides it, 503 when none is in service. */
  private routeOrThrow(capability: string, exclude: ReadonlySet<string>) {
    const route = this.registry.route(capability, exclude);
    if (route.kind === 'unknown') throw new NotFoundException(OrchestratorMessages.noAgent(capability));
    if (route.kind === 'unavailable') {
      throw new RetryLaterException(OrchestratorMessages.noAgentInService(capability), RETRY_AFTER_UNAVAILABLE_S);
    }
    return route;
  }

  /** 503 when the capability's queue here is full. */
  private checkRoom(capability: string, waiting: number): void {
    if (waiting >= this.config.queueMax) {
      throw new RetryLaterException(OrchestratorMessages.queueFull(capability, this.config.queueMax), RETRY_AFTER_BUSY_S);
    }
  }

  /**
   * A slot, waiting in the capability's queue when needed. Rejects as `tryAcquire`, with a 503 when the
   * wait passes `waitMs` (QUEUE_TIMEOUT_MS unless the task has waited some of it already), or with
   * `signal.reason` when the signal fires first.
   */
  acquire(
    capability: string,
    exclude: ReadonlySet<string> = EMPTY,
    signal?: AbortSignal,
    waitMs: number = this.config.queueTimeoutMs,
  ): Promise<AgentSlot> {
    if (this.cluster) return this.acquireShared(capability, exclude, signal, waitMs);
    try {
      signal?.throwIfAborted();
      const slot = this.tryAcquire(capability, exclude);
      if (slot) return Promise.resolve(slot);
      if (waitMs <= 0) throw this.queueTimeout(capability);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.wait(capability, exclude, signal, waitMs);
  }

  /** `acquire` with cluster-wide slots: a limited agent is ready only once its lease is taken. */
  private async acquireShared(
    capability: string,
    exclude: ReadonlySet<string>,
    signal: AbortSignal | undefined,
    waitMs: number,
  ): Promise<AgentSlot> {
    signal?.throwIfAborted();
    const route = this.routeOrThrow(capability, exclude);
    const waiting = this.queues.get(capability)?.length ?? 0;
    if (route.kind === 'ready' && waiting === 0) {
      const slot = await this.claim(capability, exclude);
      if (slot) return slot;
    }
    this.checkRoom(capability, this.queues.get(capability)?.length ?? 0);
    if (waitMs <= 0) throw this.queueTimeout(capability);
    return this.wait(capability, exclude, signal, waitMs);
  }

  /** Waits in the capability's FIFO for a slot, at most `waitMs`. */
  private wait(capability: string, exclude: ReadonlySet<string>, signal: AbortSignal | undefined, waitMs: number): Promise<AgentSlot> {
    return new Promise<AgentSlot>((resolve, reject) => {
      const queue = this.queues.get(capability) ?? [];
      this.queues.set(capability, queue);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const leave = (error: unknown) => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        if (queue.length === 0 && this.queues.get(capability) === queue) this.queues.delete(capability);
        done();
        reject(error);
      };
      const waiter: Waiter = {
        exclude,
        resolve: (slot) => {
          done();
          resolve(slot);
        },
        reject: leave,
      };
      const onAbort = () => leave(signal!.reason);
      const timer = setTimeout(() => leave(this.queueTimeout(capability)), waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  }

  private queueTimeout(capability: string): RetryLaterException {
    return new RetryLaterException(OrchestratorMessages.queueTimeout(capability, this.config.queueTimeoutMs), RETRY_AFTER_BUSY_S);
  }

  /** Tasks waiting for a slot, per capability. */
  waiting(): Record<string, number> {
    return Object.fromEntries([...this.queues].map(([capability, queue]) => [capability, queue.length]));
  }

  /**
   * Starts an attempt on the agent; the slot is the only way to end it, so the registry's count (and the
   * cluster-wide lease, when it holds one) stays right.
   */
  private take(agent: RegisteredAgent, capability: RegisteredCapability, lease?: ClusterSlot): AgentSlot {
    this.registry.attemptStarted(agent);
    let released = false;
    return {
      agent,
      capability,
      release: (outcome) => {
        if (released) return;
        released = true;
        if (lease) this.cluster!.giveSlot(lease);
        this.registry.attemptEnded(agent, outcome);
      },
    };
  }

  /**
   * A slot on the least busy capable agent that has a cluster-wide slot free, or undefined when every
   * ready agent's slots are held (elsewhere too). Agents without a limit need no lease.
   */
  private async claim(capability: string, exclude: ReadonlySet<string>): Promise<AgentSlot | undefined> {
    let skip = exclude;
    for (;;) {
      const route = this.registry.route(capability, skip);
      if (route.kind !== 'ready') return undefined;
      const { agent } = route;
      // An in-process agent is an instance per process, so its limit is per process; a remote one is one
      // service that every worker calls.
      if (agent.limit === null || agent.definition.kind === 'local') return this.take(agent, route.capability);
      // Every attempt on the agent in this process holds one of its leases, so a lease taken means a
      // local slot is free too, whatever other tasks here did while Redis answered. Without Redis (a
      // lease not shared) only the local count tells.
      const lease = await this.cluster!.takeSlot(agent.definition.agent_id, agent.limit);
      if (lease && (lease.shared || agent.state.in_flight < agent.limit)) return this.take(agent, route.capability, lease);
      skip = new Set([...skip, agent.definition.agent_id]);
    }
  }

  /** Serves every capability with tasks waiting (a slot may have freed anywhere in the cluster). */
  private serveAll(): void {
    for (const capability of this.queues.keys()) void this.serve(capability);
  }

  /**
   * Serves the capability's queue from cluster-wide slots, head first, until none is free. One pass at
   * a time per capability; a wake during a pass makes one more pass after it.
   */
  private async serve(capability: string): Promise<void> {
    if (this.serving.has(capability)) {
      this.serveAgain.add(capability);
      return;
    }
    this.serving.add(capability);
    try {
      do {
        this.serveAgain.delete(capability);
        for (;;) {
          const queue = this.queues.get(capability);
          const head = queue?.[0];
          if (!head) break;
          const slot = await this.claim(capability, head.exclude);
          if (!slot) break;
          // The head may have left meanwhile (timed out, cancelled): the slot goes back unused.
          if (queue[0] !== head) slot.release('unused');
          else {
            queue.shift();
            if (queue.length === 0) this.queues.delete(capability);
            head.resolve(slot);
          }
        }
      } while (this.serveAgain.has(capability));
    } catch (error) {
      this.logger.error(OrchestratorMessages.describe(error));
    } finally {
      this.serving.delete(capability);
    }
  }

  /** Serves the head of each queue the agent could take, while slots are free. */
  private wake(agent: RegisteredAgent): void {
    // Called after every attempt; with nobody waiting (the usual case) there is nothing to look at.
    if (this.queues.size === 0) return;
    if (this.cluster) {
      for (const capability of agent.definition.capabilities.keys()) if (this.queues.has(capability)) void this.serve(capability);
      return;
    }
    for (const capability of agent.definition.capabilities.keys()) {
      const queue = this.queues.get(capability);
      while (queue?.length) {
        const route = this.registry.route(capability, queue[0].exclude);
        if (route.kind !== 'ready') break;
        queue.shift()!.resolve(this.take(route.agent, route.capability));
      }
      if (queue && queue.length === 0) this.queues.delete(capability);
    }
  }
}
