export { Agent } from './decorators/agent.decorator.js';
export { Capability } from './decorators/capability.decorator.js';
export type { TaskContext } from './interfaces/task-context.interface.js';
export type { AgentOptions, CapabilityOptions } from './interfaces/capability-options.interface.js';
