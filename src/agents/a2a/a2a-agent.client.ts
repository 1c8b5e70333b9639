import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Role, TaskState, type Message, type StreamResponse, type Task, type TaskStatus, type Artifact } from '@a2a-js/sdk';
import type { Client, ClientFactory, RequestOptions } from '@a2a-js/sdk/client';
import { A2AError } from '@a2a-js/sdk/errors';
import { AgentTransportError } from '../errors/agent-transport.error.js';
import type { TaskContext } from '../interfaces/task-context.interface.js';
import { A2A_CANCEL_TIMEOUT_MS, A2A_POLL_FACTOR, A2A_POLL_INITIAL_MS, A2A_POLL_MAX_MS } from './a2a.constants.js';
import { A2aMessages } from './a2a.messages.js';
import type { A2aSkill, ParsedA2aCard } from './a2a-card.js';
import { messageText, toResultData, type A2aResultData } from './a2a-result.js';

type SendParams = Parameters<Client['sendMessage']>[0];

const TERMINAL = new Set<TaskState>([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);
/** States where the agent waits for the client; the orchestrator cannot answer, so they end the task. */
const INTERRUPTED = new Set<TaskState>([TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED]);

/**
 * A2A errors that are the agent's answer about this request (it will not run it), so a task failure
 * rather than a transport failure. Everything else — no connection, non-2xx without an A2A error,
 * unreadable replies, internal errors, unknown methods or versions — is a transport failure.
 */
const REFUSALS = new Set([
  'UNSUPPORTED_OPERATION',
  'CONTENT_TYPE_NOT_SUPPORTED',
  'INVALID_PARAMS',
  'EXTENSION_SUPPORT_REQUIRED',
  'PUSH_NOTIFICATION_NOT_SUPPORTED',
  'TASK_NOT_CANCELABLE',
]);
/** JSON-RPC parse error, invalid request, method not found: the two sides do not speak the same protocol. */
const PROTOCOL_MISMATCH_CODES = new Set([-32700, -32600, -32601]);

/** A short reason for a failed HTTP exchange: the socket error code when there is one. */
export function describeFetchError(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm, where `instanceof Error` is false.
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string') return String(error);
  const { message, cause } = error as { message: string; cause?: { code?: unknown; message?: unknown } };
  if (typeof cause?.code === 'string') return `${message} (${cause.code})`;
  if (typeof cause?.message === 'string' && cause.message) return `${message} (${cause.message})`;
  return message;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** What is known of one A2A task while it is followed: its id, status and artifacts, or the agent's reply. */
class TaskFollower {
  /** Called once when the task id becomes known after it was set. */
  onTaskId: ((taskId: string) => void) | undefined;
  private id: string | null = null;
  contextId: string | null = null;
  status: TaskStatus | undefined;
  reply: Message | null = null;
  readonly artifacts = new Map<string, Artifact>();

  get taskId(): string | null {
    return this.id;
  }

  set taskId(taskId: string | null) {
    const learnt = this.id === null && taskId !== null;
    this.id = taskId;
    if (learnt && this.onTaskId) {
      const notify = this.onTaskId;
      this.onTaskId = undefined;
      notify(taskId);
    }
  }

  get state(): TaskState | undefined {
    return this.status?.state;
  }

  /** A reply message arrived, or the task reached a terminal or interrupted state. */
  get settled(): boolean {
    const state = this.state;
    return this.reply !== null || (state !== undefined && (TERMINAL.has(state) || INTERRUPTED.has(state)));
  }

  result(result: Task | Message): void {
    if ('messageId' in result && !('status' in result)) this.message(result);
    else if ('id' in result && typeof result.id === 'string') this.task(result);
    else throw new Error(A2aMessages.malformedReply());
  }

  task(task: Task): void {
    this.taskId = task.id;
    this.contextId = task.contextId || this.contextId;
    if (task.status) this.status = task.status;
    this.artifacts.clear();
    for (const artifact of task.artifacts ?? [])
      this.artifacts.set(artifact.artifactId, { ...artifact, parts: [...(artifact.parts ?? [])] });
  }

  message(message: Message): void {
    this.reply = message;
    this.contextId = message.contextId || this.contextId;
  }

  event(response: StreamResponse): void {
    const payload = response.payload;
    switch (payload?.$case) {
      case 'task':
        return this.task(payload.value);
      case 'message':
        return this.message(payload.value);
      case 'statusUpdate':
        this.taskId ??= payload.value.taskId;
        if (payload.value.status) this.status = payload.value.status;
        return;
      case 'artifactUpdate': {
        const { artifact, append } = payload.value;
        if (!artifact) return;
        const existing = this.artifacts.get(artifact.artifactId);
        if (append && existing) existing.parts.push(...(artifact.parts ?? []));
        else this.artifacts.set(artifact.artifactId, { ...artifact, parts: [...(artifact.parts ?? [])] });
        return;
      }
      default:
        throw new Error(A2aMessages.malformedReply());
    }
  }
}

/**
 * One registered A2A agent as the orchestrator talks to it: `@a2a-js/sdk`'s client for its card, and
 * the way a capability becomes one A2A task.
 */
export class A2aAgentClient {
  private readonly logger = new Logger('A2aAgent');
  private client: Promise<Client> | undefined;

  constructor(
    readonly agentId: string,
    readonly card: ParsedA2aCard,
    private readonly clients: ClientFactory,
  ) {}

  /**
   * Runs a skill as one A2A task: sends one message (a text part naming the skill, a data part with
   * the parameters, the skill id in its metadata; `contextId` = the session id), then follows the task
   * (over the stream when the card says the agent streams, otherwise by polling it) until it ends.
   *
   * When `ctx.signal` fires, the promise rejects at once with its reason and the A2A task is cancelled
   * (best effort). If the agent has not told the task id yet, the exchange goes on in the background
   * for at most A2A_CANCEL_TIMEOUT_MS so that the task can still be cancelled once its id arrives.
   */
  async run(skill: A2aSkill, input: unknown, ctx: TaskContext): Promise<A2aResultData> {
    const { signal } = ctx;
    signal.throwIfAborted();
    const serviceParameters: Record<string, string> = ctx.traceparent ? { traceparent: ctx.traceparent } : {};
    const exchange = new AbortController();
    const follower = new TaskFollower();
    let giveUp: NodeJS.Timeout | undefined;
    const cancelTask = (taskId: string) => {
      this.cancelQuietly(taskId, serviceParameters);
      exchange.abort(signal.reason);
    };
    const onAbort = () => {
      if (follower.settled) return exchange.abort(signal.reason);
      if (follower.taskId) return cancelTask(follower.taskId);
      follower.onTaskId = cancelTask;
      giveUp = setTimeout(() => exchange.abort(signal.reason), A2A_CANCEL_TIMEOUT_MS).unref();
    };
    let stop: ((reason: unknown) => void) | undefined;
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    const onSignal = () => {
      onAbort();
      stop!(signal.reason);
    };
    signal.addEventListener('abort', onSignal, { once: true });

    const work = this.follow(skill, input, ctx, follower, { signal: exchange.signal, serviceParameters });
    work.catch(() => undefined).finally(() => clearTimeout(giveUp));
    try {
      await Promise.race([work, stopped]);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw this.classify(error);
    } finally {
      signal.removeEventListener('abort', onSignal);
    }
    return this.outcome(follower, serviceParameters);
  }

  /** Sends the message and follows its task until it settles, feeding `follower`. */
  private async follow(skill: A2aSkill, input: unknown, ctx: TaskContext, follower: TaskFollower, options: RequestOptions): Promise<void> {
    const client = await this.sdkClient();
    const params = this.request(skill, input, ctx);
    if (this.card.streaming) {
      for await (const event of client.sendMessageStream(params, options)) {
        follower.event(event);
        if (follower.settled) break;
      }
    } else {
      follower.result(await client.sendMessage(params, options));
    }
    let delay = A2A_POLL_INITIAL_MS;
    while (!follower.settled) {
      if (!follower.taskId) throw new AgentTransportError(A2aMessages.transport(this.agentId, this.card.endpoint, A2aMessages.noTask()));
      await sleep(delay, options.signal!);
      delay = Math.min(delay * A2A_POLL_FACTOR, A2A_POLL_MAX_MS);
      follower.task(await client.getTask({ tenant: '', id: follower.taskId, historyLength: 0 }, options));
    }
  }

  private sdkClient(): Promise<Client> {
    this.client ??= this.clients.createFromAgentCard(this.card.card).catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    return this.client;
  }

  private request(skill: A2aSkill, input: unknown, ctx: TaskContext): SendParams {
    const message: Message = {
      messageId: randomUUID(),
      contextId: ctx.session_id,
      taskId: '',
      role: Role.ROLE_USER,
      parts: [
        { content: { $case: 'text', value: A2aMessages.skillText(skill.id) }, metadata: undefined, filename: '', mediaType: 'text/plain' },
        { content: { $case: 'data', value: input ?? {} }, metadata: undefined, filename: '', mediaType: 'application/json' },
      ],
      metadata: { skill_id: skill.id, capability: skill.capability, orchestrator_task_id: ctx.task_id, session_id: ctx.session_id },
      extensions: [],
      referenceTaskIds: [],
    };
    return {
      tenant: '',
      message,
      configuration: {
        acceptedOutputModes: [],
        taskPushNotificationConfig: undefined,
        historyLength: 0,
        // Without a stream the task is polled, so its id must come back before it ends.
        returnImmediately: !this.card.streaming,
      },
      metadata: undefined,
    };
  }

  /** The result data of a completed task or a reply; a plain Error for a task that ended otherwise. */
  private outcome(follower: TaskFollower, serviceParameters: Record<string, string>): A2aResultData {
    if (follower.reply) {
      return toResultData({
        artifacts: [],
        message: follower.reply,
        taskId: follower.taskId,
        contextId: follower.contextId,
        state: 'message',
      });
    }
    const text = messageText(follower.status?.message);
    switch (follower.state) {
      case TaskState.TASK_STATE_COMPLETED:
        return toResultData({
          artifacts: [...follower.artifacts.values()],
          message: follower.status?.message,
          taskId: follower.taskId,
          contextId: follower.contextId,
          state: 'completed',
        });
      case TaskState.TASK_STATE_FAILED:
        throw new Error(text ?? A2aMessages.taskEnded(this.agentId, 'failed'));
      case TaskState.TASK_STATE_REJECTED:
        throw new Error(text ?? A2aMessages.taskEnded(this.agentId, 'rejected'));
      case TaskState.TASK_STATE_CANCELED:
        throw new Error(text ?? A2aMessages.taskEnded(this.agentId, 'canceled'));
      case TaskState.TASK_STATE_INPUT_REQUIRED:
      case TaskState.TASK_STATE_AUTH_REQUIRED: {
        if (follower.taskId) this.cancelQuietly(follower.taskId, serviceParameters);
        const what = follower.state === TaskState.TASK_STATE_INPUT_REQUIRED ? 'input' : 'authentication';
        throw new Error(A2aMessages.needsInput(this.agentId, what, text));
      }
      default:
        throw new AgentTransportError(A2aMessages.transport(this.agentId, this.card.endpoint, A2aMessages.unknownState(follower.state)));
    }
  }

  /** Asks the agent to cancel a task, without waiting for (or caring about) the answer. */
  private cancelQuietly(taskId: string, serviceParameters: Record<string, string>): void {
    void this.sdkClient()
      .then((client) =>
        client.cancelTask(
          { tenant: '', id: taskId, metadata: undefined },
          { signal: AbortSignal.timeout(A2A_CANCEL_TIMEOUT_MS), serviceParameters },
        ),
      )
      .catch((error: unknown) => this.logger.debug(`cancel of A2A task ${taskId} on ${this.agentId} failed: ${describeFetchError(error)}`));
  }

  private classify(error: unknown): Error {
    if (error instanceof AgentTransportError) return error;
    if (error instanceof A2AError && REFUSALS.has(error.reason)) {
      const code = (error as { envelopeCode?: unknown }).envelopeCode;
      if (typeof code !== 'number' || !PROTOCOL_MISMATCH_CODES.has(code))
        return new Error(A2aMessages.refused(this.agentId, error.message));
    }
    return new AgentTransportError(A2aMessages.transport(this.agentId, this.card.endpoint, describeFetchError(error)), { cause: error });
  }
}
