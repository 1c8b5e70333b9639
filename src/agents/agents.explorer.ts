import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { AgentRegistry } from './agent.registry.js';
import { AGENT_ID_PATTERN, CAPABILITY_NAME_PATTERN, DEFAULT_AGENT_VERSION } from './agents.constants.js';
import { AgentsMessages } from './agents.messages.js';
import { inputSchemaOf, inputValidatorOf, parameterTypesOf } from './capability-input.js';
import { Agent } from './decorators/agent.decorator.js';
import { Capability } from './decorators/capability.decorator.js';
import { AgentDefinitionError } from './errors/agent-definition.error.js';
import type { CapabilityOptions } from './interfaces/capability-options.interface.js';
import type { AgentDefinition, RegisteredCapability } from './interfaces/registered-agent.interface.js';
import type { TaskContext } from './interfaces/task-context.interface.js';

export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

type Handler = (input: unknown, ctx: TaskContext) => unknown;

/**
 * Walks every provider once at start-up, collects the methods carrying @Capability (and the
 * class's @Agent options) and fills the AgentRegistry. The only place that reads the decorators.
 */
@Injectable()
export class AgentsExplorer implements OnModuleInit {
  private readonly logger = new Logger('AgentsExplorer');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: AgentRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const definition = this.explore(wrapper);
      if (!definition) continue;
      this.registry.register(definition);
      this.logger.log(AgentsMessages.registered(definition.agent_id, [...definition.capabilities.keys()]));
    }
  }

  private explore(wrapper: InstanceWrapper): AgentDefinition | undefined {
    const { instance } = wrapper;
    if (!instance || typeof instance !== 'object') return undefined;
    const prototype = Object.getPrototypeOf(instance) as object | null;
    if (!prototype) return undefined;
    const methods = this.scanner
      .getAllMethodNames(prototype)
      .filter((method) => this.discovery.getMetadataByDecorator(Capability, wrapper, method) !== undefined);
    if (methods.length === 0) return undefined;

    const className = (instance as object).constructor.name;
    if (wrapper.isAlias) {
      this.logger.warn(AgentsMessages.skippedAlias(String(wrapper.token)));
      return undefined;
    }
    if (!wrapper.isDependencyTreeStatic()) {
      this.logger.warn(AgentsMessages.skippedScoped(className));
      return undefined;
    }

    const options = this.discovery.getMetadataByDecorator(Agent, wrapper) ?? {};
    const agentId = options.id ?? snakeCase(className);
    if (!AGENT_ID_PATTERN.test(agentId)) throw new AgentDefinitionError(AgentsMessages.invalidAgentId(className, agentId));
    const limit = options.maxConcurrency;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
      throw new AgentDefinitionError(AgentsMessages.invalidMaxConcurrency(className, limit));
    }

    const handlers = new Map<string, Handler>();
    const capabilities = new Map<string, RegisteredCapability>();
    for (const method of methods) {
      const meta = this.discovery.getMetadataByDecorator(Capability, wrapper, method) as CapabilityOptions;
      if (typeof meta.name !== 'string' || !CAPABILITY_NAME_PATTERN.test(meta.name)) {
        throw new AgentDefinitionError(AgentsMessages.invalidCapabilityName(className, method, meta.name));
      }
      if (capabilities.has(meta.name)) throw new AgentDefinitionError(AgentsMessages.duplicateCapability(className, meta.name));
      const schema = inputSchemaOf(meta.input);
      capabilities.set(meta.name, {
        name: meta.name,
        description: meta.description ?? '',
        parameters: parameterTypesOf(schema),
        input_schema: schema,
        validate: inputValidatorOf(meta.input),
        resumable: meta.resumable !== false,
      });
      const fn = (instance as Record<string, Handler>)[method];
      handlers.set(meta.name, fn.bind(instance));
    }

    return {
      agent_id: agentId,
      name: options.name ?? className,
      description: options.description ?? '',
      version: options.version ?? DEFAULT_AGENT_VERSION,
      kind: 'local',
      endpoint: null,
      max_concurrency: options.maxConcurrency ?? null,
      source: className,
      capabilities,
      execute: async (capability, input, ctx) => handlers.get(capability)!(input, ctx),
    };
  }
}
