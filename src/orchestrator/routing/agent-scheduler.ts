import { Inject, Injectable, NotFoundException, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AgentRegistry } from '../../agents/agent.registry.js';
import type { RegisteredAgent, RegisteredCapability, SlotOutcome } from '../../agents/interfaces/registered-agent.interface.js';
import { RetryLaterException } from '../../common/exceptions/retry-later.exception.js';
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
 * Hands out agent slots: the capable agent with the fewest tasks in flight that is under its
 * `max_concurrency`. When every one is at its limit, tasks wait in a FIFO per capability, at most
 * QUEUE_MAX of them and for at most QUEUE_TIMEOUT_MS; beyond either the caller gets 503 with
 * `Retry-After`. A waiter is served as soon as an agent frees a slot or comes (back) into service.
 * A slot goes back through its own `release`, which tells the registry how the attempt ended.
 */
@Injectable()
export class AgentScheduler implements OnModuleInit, OnModuleDestroy {
  private readonly queues = new Map<string, Waiter[]>();
  private stopListening?: () => void;

  constructor(
    private readonly registry: AgentRegistry,
    @Inject(orchestratorConfig.KEY) private readonly config: ConfigType<typeof orchestratorConfig>,
  ) {}

  onModuleInit(): void {
    this.stopListening = this.registry.onChange((agent) => this.wake(agent));
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  /**
   * A slot now, or undefined when the task has to wait and the queue has room for it. Throws 404 when
   * no agent provides the capability, 503 (`Retry-After`) when none is in service or the queue is full.
   * `exclude`: agents the task must not go to (those it already failed on).
   */
  tryAcquire(capability: string, exclude: ReadonlySet<string> = EMPTY): AgentSlot | undefined {
    const route = this.registry.route(capability, exclude);
    if (route.kind === 'unknown') throw new NotFoundException(OrchestratorMessages.noAgent(capability));
    if (route.kind === 'unavailable') {
      throw new RetryLaterException(OrchestratorMessages.noAgentInService(capability), RETRY_AFTER_UNAVAILABLE_S);
    }
    const waiting = this.queues.get(capability)?.length ?? 0;
    if (route.kind === 'ready' && waiting === 0) return this.take(route.agent, route.capability);
    if (waiting >= this.config.queueMax) {
      throw new RetryLaterException(OrchestratorMessages.queueFull(capability, this.config.queueMax), RETRY_AFTER_BUSY_S);
    }
    return undefined;
  }

  /**
   * A slot, waiting in the capability's queue when needed. Rejects as `tryAcquire`, with a 503 when the
   * wait passes QUEUE_TIMEOUT_MS, or with `signal.reason` when the signal fires first.
   */
  acquire(capability: string, exclude: ReadonlySet<string> = EMPTY, signal?: AbortSignal): Promise<AgentSlot> {
    try {
      signal?.throwIfAborted();
      const slot = this.tryAcquire(capability, exclude);
      if (slot) return Promise.resolve(slot);
    } catch (error) {
      return Promise.reject(error);
    }
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
      const timer = setTimeout(
        () => leave(new RetryLaterException(OrchestratorMessages.queueTimeout(capability, this.config.queueTimeoutMs), RETRY_AFTER_BUSY_S)),
        this.config.queueTimeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  }

  /** Tasks waiting for a slot, per capability. */
  waiting(): Record<string, number> {
    return Object.fromEntries([...this.queues].map(([capability, queue]) => [capability, queue.length]));
  }

  /** Starts an attempt on the agent; the slot is the only way to end it, so the registry's count stays right. */
  private take(agent: RegisteredAgent, capability: RegisteredCapability): AgentSlot {
    this.registry.attemptStarted(agent);
    let released = false;
    return {
      agent,
      capability,
      release: (outcome) => {
        if (released) return;
        released = true;
        this.registry.attemptEnded(agent, outcome);
      },
    };
  }

  /** Serves the head of each queue the agent could take, while slots are free. */
  private wake(agent: RegisteredAgent): void {
    // Called after every attempt; with nobody waiting (the usual case) there is nothing to look at.
    if (this.queues.size === 0) return;
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
