/**
 * Why an A2A agent card could not be used:
 * - `invalid_url`: the URL given is not an absolute http(s) URL;
 * - `unreachable`: no connection, timeout, or a non-2xx answer at every place a card was looked for;
 * - `not_json`: the answer is not JSON;
 * - `not_a_card`: JSON, but not a usable agent card (no name, no endpoint, malformed skills);
 * - `no_skills`: a card without any skill (the agent would provide no capability);
 * - `unsupported_transport`: the card offers only transports the orchestrator does not speak
 *   (it speaks JSON-RPC and HTTP+JSON).
 *
 * `invalid_url` and `unreachable` are the caller's URL leading nowhere (HTTP 400); the others are a
 * card that was found but cannot be registered (HTTP 422).
 */
export type A2aCardErrorReason = 'invalid_url' | 'unreachable' | 'not_json' | 'not_a_card' | 'no_skills' | 'unsupported_transport';

/** An A2A agent card that cannot be fetched or used; `reason` says which. */
export class A2aCardError extends Error {
  constructor(
    readonly reason: A2aCardErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'A2aCardError';
  }

  /** Whether the URL led nowhere (400) rather than to an unusable card (422). */
  get isUrlProblem(): boolean {
    return this.reason === 'invalid_url' || this.reason === 'unreachable';
  }
}
