import { MAX_REPLY_BYTES } from '../remote/remote-agents.constants.js';
import type { AgentTargetPolicy } from '../targets/agent-target.policy.js';
import { A2aMessages } from './a2a.messages.js';

/** An A2A reply (a response, or a whole stream of events) over the byte budget. */
export class A2aReplyTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(A2aMessages.replyTooLarge(maxBytes));
    this.name = 'A2aReplyTooLargeError';
  }
}

/** Statuses whose Response cannot carry a body (the constructor refuses one). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** `response` with a body that errors (with `tooLarge()`) once more than `maxBytes` have come through. */
export function capResponse(
  response: Response,
  maxBytes: number,
  tooLarge: () => Error = () => new A2aReplyTooLargeError(maxBytes),
): Response {
  if (!response.body || response.status < 200 || NULL_BODY_STATUSES.has(response.status)) return response;
  let size = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      if (size > maxBytes) controller.error(tooLarge());
      else controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(counter), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * The `fetch` of `@a2a-js/sdk`'s transports for registered A2A agents: every URL is checked against
 * the agent target rules first, redirects are not followed (a 3xx is handed to the SDK, which fails
 * the call), and a reply (a whole event stream included) is cut off past MAX_REPLY_BYTES, the budget
 * of HTTP agents' replies.
 */
export function guardedA2aFetch(targets: AgentTargetPolicy, maxBytes = MAX_REPLY_BYTES): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
    await targets.assertAllowed(url, 'A2A agent URL');
    const response = await fetch(input, { ...init, redirect: 'manual' });
    return capResponse(response, maxBytes);
  };
}
