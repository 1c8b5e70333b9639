import { Injectable } from '@nestjs/common';
import type { AgentDefinition } from '../interfaces/registered-agent.interface.js';
import { HttpAgentClient } from './http-agent.client.js';
import type { HttpAgentRegistration } from './remote-agent-registration.js';
import { compileRemoteCapabilities } from './remote-capability-input.js';
import { httpAgentSource } from './remote-agents.constants.js';

/** Builds the registry's definition of a remote HTTP agent from its registration. */
@Injectable()
export class HttpAgentFactory {
  constructor(private readonly client: HttpAgentClient) {}

  /** Compiles the capabilities' input schemas; throws InvalidInputSchemaError for one ajv rejects. */
  create(registration: HttpAgentRegistration): AgentDefinition {
    const { agent_id, endpoint } = registration;
    const client = this.client;
    return {
      agent_id,
      name: registration.name,
      description: registration.description,
      version: registration.version,
      kind: 'http',
      endpoint,
      max_concurrency: registration.max_concurrency,
      source: httpAgentSource(endpoint),
      capabilities: compileRemoteCapabilities(registration.capabilities),
      execute: (capability, input, ctx) =>
        client.execute(
          agent_id,
          endpoint,
          { task_id: ctx.task_id, session_id: ctx.session_id, capability, parameters: input, context: ctx.context },
          ctx.traceparent,
          ctx.signal,
        ),
    };
  }
}
