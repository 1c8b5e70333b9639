/** An agent class that breaks the rules of SPEC §3; stops start-up. */
export class AgentDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentDefinitionError';
  }
}
