/** What a registration body says about an A2A agent. */
export interface A2aRegistrationRequest {
  agent_card_url: string;
  agent_id?: string;
  max_concurrency?: number | null;
}

/**
 * An A2A agent as stored (`remote_agents.registration` of a row of kind `a2a`): the card as it was
 * fetched, so that the agent is restored at start without fetching it again.
 */
export interface A2aAgentRegistration {
  agent_id: string;
  /** Where the card was found. */
  agent_card_url: string;
  card: Record<string, unknown>;
  max_concurrency: number | null;
}

/** A body registers an A2A agent when it says `kind: "a2a"`, or gives an `agent_card_url` without a kind. */
export function isA2aRegistrationRequest(body: { kind?: unknown; agent_card_url?: unknown }): boolean {
  return body.kind === 'a2a' || (body.kind === undefined && body.agent_card_url !== undefined);
}
