import type { AgentDefinition, RegisteredCapability } from '../interfaces/registered-agent.interface.js';

/** A capability that accepts any parameters. */
export function anyInputCapability(name: string): RegisteredCapability {
  return {
    name,
    description: '',
    parameters: {},
    input_schema: {},
    validate: (parameters) => Promise.resolve({ ok: true, value: parameters }),
    resumable: true,
  };
}

/**
 * An agent definition for specs of routing and limits: `capabilities` named, each accepting any
 * parameters; `kind` local unless said (a remote kind gets an endpoint); execution answers `{}`.
 */
export function agentDefinition(
  agent_id: string,
  options: { max_concurrency?: number | null; kind?: AgentDefinition['kind']; capabilities?: readonly string[] } = {},
): AgentDefinition {
  const kind = options.kind ?? 'local';
  return {
    agent_id,
    name: agent_id,
    description: '',
    version: '1.0.0',
    kind,
    endpoint: kind === 'local' ? null : `http://127.0.0.1:1/${agent_id}`,
    max_concurrency: options.max_concurrency ?? null,
    source: kind === 'local' ? agent_id : `${kind} ${agent_id}`,
    capabilities: new Map((options.capabilities ?? []).map((name) => [name, anyInputCapability(name)])),
    execute: () => Promise.resolve({}),
  };
}
