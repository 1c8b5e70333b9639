import { HttpModule } from '@nestjs/axios';
import { Injectable, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/** Shared by every keep-alive pool (also the guarded pools of remote agent calls). */
export const AGENT_OPTIONS = { keepAlive: true, keepAliveMsecs: 1_000, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' } as const;

/**
 * Keep-alive connection pools of `keepAliveHttpModule()`. Destroyed at application shutdown, after the
 * work that uses them (running tasks, the outbox dispatcher) has stopped.
 */
@Injectable()
export class KeepAliveAgents implements OnApplicationShutdown {
  readonly http = new HttpAgent(AGENT_OPTIONS);
  readonly https = new HttpsAgent(AGENT_OPTIONS);

  onApplicationShutdown(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/**
 * `HttpModule` with keep-alive pools, no redirects, and every status handed back to the caller
 * (`validateStatus: () => true`), which classifies it itself. Feature modules that call out import it
 * (IntegrationsModule for Trace and MemAgent, AgentsModule for remote agents).
 */
export function keepAliveHttpModule(): DynamicModule {
  return HttpModule.registerAsync({
    useFactory: (agents: KeepAliveAgents) => ({
      httpAgent: agents.http,
      httpsAgent: agents.https,
      validateStatus: () => true,
      maxRedirects: 0,
    }),
    inject: [KeepAliveAgents],
    extraProviders: [KeepAliveAgents],
  });
}
