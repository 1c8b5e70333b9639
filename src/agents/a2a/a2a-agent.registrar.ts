import { BadRequestException, Injectable, UnprocessableEntityException } from '@nestjs/common';
import { A2aCardError } from '../errors/a2a-card.error.js';
import { AgentDefinitionError } from '../errors/agent-definition.error.js';
import type { AgentDefinition } from '../interfaces/registered-agent.interface.js';
import { A2aAgentFactory } from './a2a-agent.factory.js';
import { A2aMessages } from './a2a.messages.js';
import type { A2aAgentRegistration, A2aRegistrationRequest } from './a2a-registration.js';

/**
 * Registration of A2A agents for the remote agents service: fetch the card and build the definition
 * (HTTP errors for the caller), or rebuild the definition of a stored registration.
 */
@Injectable()
export class A2aAgentRegistrar {
  constructor(private readonly factory: A2aAgentFactory) {}

  /**
   * Fetches the agent card and builds the agent. 400 when the URL leads to no card (invalid,
   * unreachable, non-2xx, a redirect), breaks the agent target rules (so does an interface URL of the
   * card), or `agent_id` is invalid; 422 when the card found is not usable.
   */
  async prepare(
    request: A2aRegistrationRequest,
    signal?: AbortSignal,
  ): Promise<{ definition: AgentDefinition; registration: A2aAgentRegistration }> {
    try {
      const { card, cardUrl } = await this.factory.fetchCard(request.agent_card_url, signal);
      const definition = this.factory.create(card, cardUrl, {
        agent_id: request.agent_id,
        max_concurrency: request.max_concurrency ?? null,
      });
      return {
        definition,
        registration: { agent_id: definition.agent_id, agent_card_url: cardUrl, card, max_concurrency: definition.max_concurrency },
      };
    } catch (error) {
      if (error instanceof A2aCardError) {
        const message = A2aMessages.cannotRegister(error.message);
        throw error.isUrlProblem ? new BadRequestException(message) : new UnprocessableEntityException(message);
      }
      if (error instanceof AgentDefinitionError) throw new BadRequestException(A2aMessages.cannotRegister(error.message));
      throw error;
    }
  }

  /**
   * The agent of a stored registration, from its stored card (no request to the agent; host names are
   * resolved for the agent target rules). Throws when it is unusable, an A2aCardError
   * (`forbidden_target`) when the rules refuse its card or interface URLs.
   */
  async restore(stored: Record<string, unknown>): Promise<AgentDefinition> {
    const { agent_id: agentId, agent_card_url: cardUrl, card, max_concurrency: limit } = stored as Partial<A2aAgentRegistration>;
    if (typeof card !== 'object' || card === null || typeof cardUrl !== 'string' || typeof agentId !== 'string') {
      throw new Error(A2aMessages.storedCardMalformed());
    }
    const definition = this.factory.create(card, cardUrl, { agent_id: agentId, max_concurrency: typeof limit === 'number' ? limit : null });
    await this.factory.assertStoredTargets(card, cardUrl);
    return definition;
  }
}
