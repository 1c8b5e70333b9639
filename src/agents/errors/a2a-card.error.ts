/**
 * Why an A2A agent card could not be used:
 * - `invalid_url`: the URL given is not an absolute http(s) URL;
 * - `unreachable`: no connection, timeout, or a non-2xx answer at every place a card was looked for;
 * - `not_json`: the answer is not JSON;
 * - `not_a_card`: JSON, but not a usable agent card (no name, no endpoint, malformed skills);
 * - `no_skills`: a card without any skill (the agent would provide no capability);
 * - `unsupported_transport`: the card offers only transports the orchestrator does not speak
 *   (it speaks JSON-RPC and HTTP+JSON);
 * - `too_many_skills`: more skills than an agent may have capabilities;
 * - `redirected`: the card URL answered a redirect (not followed);
 * - `forbidden_target`: the card URL or an interface URL of the card breaks the agent target rules
 *   (link-local or cloud-metadata address, not in AGENT_ALLOWED_HOSTS).
 *
 * `invalid_url`, `unreachable`, `redirected` and `forbidden_target` are the caller's URL leading
 * nowhere usable (HTTP 400); the others are a card that was found but cannot be registered (HTTP 422).
 */
export type A2aCardErrorReason =
  | 'invalid_url'
  | 'unreachable'
  | 'not_json'
  | 'not_a_card'
  | 'no_skills'
  | 'too_many_skills'
  | 'unsupported_transport'
  | 'redirected'
  | 'forbidden_target';

const URL_PROBLEMS: ReadonlySet<A2aCardErrorReason> = new Set(['invalid_url', 'unreachable', 'redirected', 'forbidden_target']);

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
    return URL_PROBLEMS.has(this.reason);
  }
}
