import { DiscoveryService } from '@nestjs/core';
import type { CapabilityOptions } from '../interfaces/capability-options.interface.js';

/** Marks a provider method as a capability handler: `(input, ctx: TaskContext) => result`. */
export const Capability = DiscoveryService.createDecorator<CapabilityOptions>();
