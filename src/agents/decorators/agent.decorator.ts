import { DiscoveryService } from '@nestjs/core';
import type { AgentOptions } from '../interfaces/capability-options.interface.js';

/**
 * Optional class decorator naming an agent. Without it the agent id is the class name in
 * snake_case and the name is the class name.
 */
export const Agent = DiscoveryService.createDecorator<AgentOptions>();
