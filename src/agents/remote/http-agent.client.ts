import { Injectable } from '@nestjs/common';
import { isPlainObject } from '../../common/validation/plain-object.js';
import { classifyTransportError, upstreamDetail } from '../../integrations/http/http-errors.js';
import { AgentTransportError } from '../errors/agent-transport.error.js';
import { ConnectionUnavailableError } from '../errors/connection-unavailable.error.js';
import { EXECUTE_PATH, HEALTH_PATH, MAX_REPLY_BYTES, REPLY_EXCERPT_CHARS } from './remote-agents.constants.js';
import { RemoteAgentSockets, ReplyTooLargeError, type AgentHttpReply } from './remote-agent-sockets.js';
import { RemoteAgentsMessages } from './remote-agents.messages.js';

/** The body of `POST {endpoint}/execute`. */
export interface ExecuteRequest {
  task_id: string;
  session_id: string;
  capability: string;
  parameters: unknown;
  context: Record<string, unknown>;
}

/** The reply a remote agent must give to `/execute`. */
export interface ExecuteReply {
  success: boolean;
  data?: Record<string, unknown> | null;
  error?: string | null;
}

export type HealthCheck = { ok: true; url: string } | { ok: false; url: string; reason: string };

/** Largest `/health` body read (it is not used; the status is what counts). */
const MAX_HEALTH_BODY_BYTES = 64 * 1024;

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

/** Errors of this process, not of the agent: out of file descriptors, local ports or buffers. */
const LOCAL_CONNECTION_ERRORS = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS']);

function errorCode(error: unknown): string | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (typeof code === 'string' && code !== 'ERR_BAD_RESPONSE' && code !== 'ERR_BAD_REQUEST') return code;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/** Why a call got no reply, in plain words: `connection refused (ECONNREFUSED)`, `socket hang up`… */
export function networkReason(error: unknown): string {
  // Not `instanceof Error`: node:http's errors may come from another realm (vm contexts, test runners).
  const { message } = (error ?? {}) as { message?: unknown };
  if (typeof message === 'string' && /socket hang up/i.test(message)) return 'the connection was closed before a reply (socket hang up)';
  if (error instanceof ReplyTooLargeError) return error.message;
  const code = errorCode(error);
  const known = code === undefined ? undefined : NETWORK_ERRORS[code];
  if (known) return `${known} (${code})`;
  const failure = classifyTransportError(error);
  return failure.kind === 'timeout' ? 'timed out' : failure.reason;
}

/** The start of an unreadable body, on one line, for an error message. */
function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (!line) return '(empty body)';
  return line.length > REPLY_EXCERPT_CHARS ? `${line.slice(0, REPLY_EXCERPT_CHARS)}…` : line;
}

/** `{success: boolean, data?: object|null, error?: string|null}`; other fields are ignored. */
export function isExecuteReply(value: unknown): value is ExecuteReply {
  if (!isPlainObject(value) || typeof value.success !== 'boolean') return false;
  const { data, error } = value;
  return (
    (data === undefined || data === null || isPlainObject(data)) && (error === undefined || error === null || typeof error === 'string')
  );
}

/**
 * The wire protocol of remote HTTP agents: `GET {endpoint}/health` and `POST {endpoint}/execute`.
 * Every status comes back from RemoteAgentSockets with the body as text, classified here.
 */
@Injectable()
export class HttpAgentClient {
  constructor(private readonly sockets: RemoteAgentSockets) {}

  /**
   * `GET {endpoint}/health` answering 2xx within `timeoutMs`. Never throws; `signal` stops it early
   * (shutdown).
   */
  async checkHealth(endpoint: string, timeoutMs: number, signal?: AbortSignal): Promise<HealthCheck> {
    const url = `${endpoint}${HEALTH_PATH}`;
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      const response = await this.sockets.send({
        method: 'GET',
        url,
        signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
        maxBytes: MAX_HEALTH_BODY_BYTES,
      });
      if (response.status >= 200 && response.status < 300) return { ok: true, url };
      return { ok: false, url, reason: `answered ${response.status}` };
    } catch (error) {
      const failure = classifyTransportError(error, deadline);
      return { ok: false, url, reason: failure.kind === 'timeout' ? `timed out after ${timeoutMs} ms` : `failed: ${networkReason(error)}` };
    }
  }

  /**
   * `POST {endpoint}/execute` with the task, `traceparent` as a header; the call is aborted when
   * `signal` fires (and rejects with its reason). Resolves with the reply's `data` (`{}` without one).
   * `success:false` rejects with a plain Error (a failed task); no reply, a non-2xx or a reply that is
   * not `{success, data?, error?}` rejects with an AgentTransportError.
   */
  async execute(
    agentId: string,
    endpoint: string,
    request: ExecuteRequest,
    traceparent: string,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const url = `${endpoint}${EXECUTE_PATH}`;
    if (signal.aborted) throw signal.reason;
    let response: AgentHttpReply;
    try {
      response = await this.sockets.send({
        method: 'POST',
        url,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', traceparent },
        body: JSON.stringify(request),
        signal,
        maxBytes: MAX_REPLY_BYTES,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const code = errorCode(error);
      if (code !== undefined && LOCAL_CONNECTION_ERRORS.has(code)) {
        throw new ConnectionUnavailableError(RemoteAgentsMessages.noConnection(agentId, url, code), { cause: error });
      }
      throw new AgentTransportError(RemoteAgentsMessages.unreachable(agentId, 'POST', url, networkReason(error)), { cause: error });
    }

    const text = response.body;
    if (response.status < 200 || response.status >= 300) {
      const detail = upstreamDetail(text);
      throw new AgentTransportError(
        RemoteAgentsMessages.answeredStatus(agentId, response.status, 'POST', url, detail ? excerpt(detail) : ''),
      );
    }
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      throw new AgentTransportError(RemoteAgentsMessages.badReply(agentId, excerpt(text)));
    }
    if (!isExecuteReply(reply)) throw new AgentTransportError(RemoteAgentsMessages.badReply(agentId, excerpt(text)));
    if (!reply.success) throw new Error(reply.error || RemoteAgentsMessages.reportedFailure());
    return reply.data ?? {};
  }
}
