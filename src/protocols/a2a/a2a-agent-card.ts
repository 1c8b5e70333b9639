import { Injectable } from '@nestjs/common';
import { A2A_PROTOCOL_VERSION, type AgentCard, type AgentSkill } from '@a2a-js/sdk';
import { AgentRegistry } from '../../agents/agent.registry.js';
import { SERVICE_DESCRIPTION, SERVICE_NAME, SERVICE_VERSION } from '../../app.constants.js';
import { ApiKeysService } from '../../auth/api-keys.service.js';
import { BEARER_SECURITY_SCHEME } from '../../auth/auth.constants.js';
import { A2A_ENDPOINT_PATH, A2A_LEGACY_PROTOCOL_VERSION, A2A_REST_PATH } from './a2a-server.constants.js';

const DATA_MODES = ['application/json', 'text/plain'];

/**
 * The orchestrator's agent card, built from the registry on each request so that it follows agents
 * as they come and go: one skill per capability, JSON-RPC at `/a2a` and HTTP+JSON at `/a2a/rest` (v1.0
 * and v0.3), streaming, and the
 * bearer scheme once API keys exist.
 */
@Injectable()
export class A2aAgentCard {
  constructor(
    private readonly registry: AgentRegistry,
    private readonly keys: ApiKeysService,
  ) {}

  /** `baseUrl`: where clients reach the orchestrator, without a trailing slash. */
  async build(baseUrl: string): Promise<AgentCard> {
    const url = `${baseUrl}${A2A_ENDPOINT_PATH}`;
    const restUrl = `${baseUrl}${A2A_REST_PATH}`;
    const secured = (await this.keys.keysExist()) || this.keys.authRequired;
    return {
      name: 'Agent Orchestrator',
      description: `${SERVICE_DESCRIPTION} (${SERVICE_NAME}): routes each capability to an agent of its team and records the exchange as contracts. Name the capability in a data part {capability, parameters}.`,
      supportedInterfaces: [
        { url, protocolBinding: 'JSONRPC', protocolVersion: A2A_PROTOCOL_VERSION, tenant: '' },
        { url: restUrl, protocolBinding: 'HTTP+JSON', protocolVersion: A2A_PROTOCOL_VERSION, tenant: '' },
        { url, protocolBinding: 'JSONRPC', protocolVersion: A2A_LEGACY_PROTOCOL_VERSION, tenant: '' },
        { url: restUrl, protocolBinding: 'HTTP+JSON', protocolVersion: A2A_LEGACY_PROTOCOL_VERSION, tenant: '' },
      ],
      provider: undefined,
      version: SERVICE_VERSION,
      documentationUrl: `${baseUrl}/docs`,
      capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
      securitySchemes: secured
        ? {
            [BEARER_SECURITY_SCHEME]: {
              scheme: {
                $case: 'httpAuthSecurityScheme',
                value: {
                  description: 'Authorization: Bearer <API key> (`npm run keys -- create`)',
                  scheme: 'bearer',
                  bearerFormat: 'API key',
                },
              },
            },
          }
        : {},
      securityRequirements: secured ? [{ schemes: { [BEARER_SECURITY_SCHEME]: { list: [] } } }] : [],
      defaultInputModes: DATA_MODES,
      defaultOutputModes: ['application/json'],
      skills: this.skills(),
      signatures: [],
    };
  }

  /** One skill per capability, the first provider's description; tags: the providing agents. */
  private skills(): AgentSkill[] {
    const byName = new Map<string, AgentSkill>();
    for (const agent of this.registry.list()) {
      for (const capability of agent.definition.capabilities.values()) {
        const known = byName.get(capability.name);
        if (known) {
          if (!known.tags.includes(agent.definition.agent_id)) known.tags.push(agent.definition.agent_id);
          continue;
        }
        byName.set(capability.name, {
          id: capability.name,
          name: capability.name,
          description: capability.description || `Capability '${capability.name}'`,
          tags: [agent.definition.agent_id],
          examples: [JSON.stringify({ capability: capability.name, parameters: {} })],
          inputModes: ['application/json'],
          outputModes: ['application/json'],
          securityRequirements: [],
        });
      }
    }
    return [...byName.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}
