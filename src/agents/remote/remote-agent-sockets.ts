import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { AGENT_OPTIONS } from '../../common/http/keep-alive-http.module.js';
import { AgentTargetPolicy } from '../targets/agent-target.policy.js';

/** One call to a remote agent: the body is sent as is; the reply is read as UTF-8 text. */
export interface AgentHttpCall {
  method: 'GET' | 'POST';
  url: string;
  headers?: OutgoingHttpHeaders;
  body?: string;
  /** Aborts the call; the promise then rejects with the socket's error (the caller reads `signal.reason`). */
  signal: AbortSignal;
  /** Largest reply body read; a longer one rejects with a ReplyTooLargeError. */
  maxBytes: number;
}

export interface AgentHttpReply {
  status: number;
  body: string;
}

/** The agent's reply was longer than the caller accepts; the connection is closed. */
export class ReplyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the reply is larger than ${maxBytes} bytes`);
    this.name = 'ReplyTooLargeError';
  }
}

/**
 * Keep-alive pools of the calls to remote agents, and the calls themselves over node:http. Host name
 * lookups go through the agent target rules, so that a name that resolves to a forbidden address is
 * refused when connecting. No socket limit: each call holds one socket, and the calls to an agent are
 * already limited by its slots (`max_concurrency`, bounded by the process's ConnectionBudget), so a
 * call never waits in the pool where neither the queue, its limits nor TASK_TIMEOUT_MS can see it.
 *
 * Agent calls do not go through axios: with thousands of tasks submitted at once, its per-request
 * config merging, header normalisation and interceptor chain were the largest part of the CPU spent
 * per call, and none of its features (redirects, decompression, transforms) is wanted here.
 */
@Injectable()
export class RemoteAgentSockets implements OnApplicationShutdown {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;

  constructor(targets: AgentTargetPolicy) {
    const options = { ...AGENT_OPTIONS, maxSockets: Infinity, lookup: targets.lookup };
    this.http = new HttpAgent(options);
    this.https = new HttpsAgent(options);
  }

  /**
   * Sends `call` and resolves with any status and the body as text. Rejects with the socket's error
   * when there is no complete reply (refused, reset, aborted by `signal`), or a ReplyTooLargeError.
   */
  send(call: AgentHttpCall): Promise<AgentHttpReply> {
    return new Promise<AgentHttpReply>((resolve, reject) => {
      const secure = call.url.startsWith('https:');
      const headers: OutgoingHttpHeaders = { ...call.headers };
      if (call.body !== undefined) headers['Content-Length'] = Buffer.byteLength(call.body);
      const options = { method: call.method, headers, signal: call.signal };
      let req: ClientRequest;
      const onReply = (res: IncomingMessage) => readReply(req, res, call.maxBytes).then(resolve, reject);
      try {
        req = secure
          ? httpsRequest(call.url, { ...options, agent: this.https }, onReply)
          : httpRequest(call.url, { ...options, agent: this.http }, onReply);
      } catch (error) {
        reject(error as Error);
        return;
      }
      req.on('error', reject);
      req.end(call.body);
    });
  }

  onApplicationShutdown(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** The whole body of `res` as text, or a rejection when it is cut short or longer than `maxBytes`. */
function readReply(req: ClientRequest, res: IncomingMessage, maxBytes: number): Promise<AgentHttpReply> {
  return new Promise<AgentHttpReply>((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (declared > maxBytes) {
      req.destroy();
      reject(new ReplyTooLargeError(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    res.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) {
        req.destroy();
        reject(new ReplyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    res.on('error', reject);
    res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks, length).toString('utf8') }));
    res.on('close', () => {
      if (!res.complete) reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    });
  });
}
