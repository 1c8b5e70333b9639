import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ContractsModule } from '../contracts/contracts.module.js';
import { CompressionService } from './compression/compression.service.js';
import { LocalCompressor } from './compression/local-compressor.js';
import { IntegrationsHttpModule } from './http/integrations-http.module.js';
import { integrationsConfig } from './integrations.config.js';
import { MemAgentClient } from './memagent/memagent.client.js';
import { ReachabilityService } from './reachability/reachability.service.js';
import { EventLoopLoad } from './trace/event-loop-load.js';
import { TraceOutboxDispatcher } from './trace/trace-outbox.dispatcher.js';
import { TraceClient } from './trace/trace.client.js';

/**
 * Trace (client + durable outbox dispatcher), MemAgent (client), the local compressor and the
 * reachability probes (SPEC §6). Both external services are optional: an unset URL disables them.
 */
@Module({
  imports: [ConfigModule.forFeature(integrationsConfig), IntegrationsHttpModule, ContractsModule],
  providers: [TraceClient, EventLoopLoad, TraceOutboxDispatcher, MemAgentClient, LocalCompressor, CompressionService, ReachabilityService],
  exports: [TraceOutboxDispatcher, CompressionService, ReachabilityService, TraceClient, MemAgentClient, LocalCompressor],
})
export class IntegrationsModule {}
