import { HttpModule } from '@nestjs/axios';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

const AGENT_OPTIONS = { keepAlive: true, keepAliveMsecs: 1_000, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' } as const;

/**
 * Keep-alive connection pools for the calls to remote agents (`/execute`, `/health`). Destroyed at
 * application shutdown, after running tasks and the liveness monitor have stopped.
 */
@Injectable()
export class RemoteAgentsKeepAlive implements OnApplicationShutdown {
  readonly http = new HttpAgent(AGENT_OPTIONS);
  readonly https = new HttpsAgent(AGENT_OPTIONS);

  onApplicationShutdown(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/**
 * `HttpModule` as the remote agents use it: keep-alive pools, no redirects, and every status handed back
 * to the caller (`validateStatus: () => true`), which classifies it itself.
 */
export const RemoteAgentsHttpModule = HttpModule.registerAsync({
  useFactory: (agents: RemoteAgentsKeepAlive) => ({
    httpAgent: agents.http,
    httpsAgent: agents.https,
    validateStatus: () => true,
    maxRedirects: 0,
  }),
  inject: [RemoteAgentsKeepAlive],
  extraProviders: [RemoteAgentsKeepAlive],
});
