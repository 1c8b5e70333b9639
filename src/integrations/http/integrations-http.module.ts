import { HttpModule } from '@nestjs/axios';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

const AGENT_OPTIONS = { keepAlive: true, keepAliveMsecs: 1_000, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' } as const;

/**
 * Keep-alive connection pools shared by every outgoing call of IntegrationsModule (Trace, MemAgent,
 * probes). Destroyed at application shutdown, after the dispatcher has finished its last round.
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
 * `HttpModule` as IntegrationsModule uses it: keep-alive agents, no redirects, and every status
 * handed back to the caller (`validateStatus: () => true`), which classifies it itself.
 */
export const IntegrationsHttpModule = HttpModule.registerAsync({
  useFactory: (agents: KeepAliveAgents) => ({
    httpAgent: agents.http,
    httpsAgent: agents.https,
    validateStatus: () => true,
    maxRedirects: 0,
  }),
  inject: [KeepAliveAgents],
  extraProviders: [KeepAliveAgents],
});
