import type { RegisteredAgent } from './interfaces/registered-agent.interface.js';

/** The agents that provide each capability, in registration order. A passive map: the registry keeps it current. */
export class CapabilityIndex {
  private readonly byCapability = new Map<string, RegisteredAgent[]>();

  /** Agents that provide the capability, whatever their state. */
  providers(capabilityName: string): readonly RegisteredAgent[] {
    return this.byCapability.get(capabilityName) ?? [];
  }

  add(agent: RegisteredAgent): void {
    for (const name of agent.definition.capabilities.keys()) {
      const providers = this.byCapability.get(name) ?? [];
      providers.push(agent);
      this.byCapability.set(name, providers);
    }
  }

  remove(agent: RegisteredAgent): void {
    for (const name of agent.definition.capabilities.keys()) {
      const providers = (this.byCapability.get(name) ?? []).filter((a) => a !== agent);
      if (providers.length) this.byCapability.set(name, providers);
      else this.byCapability.delete(name);
    }
  }
}
