import { HttpModule } from '@nestjs/axios';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { AGENT_OPTIONS } from '../../common/http/keep-alive-http.module.js';
import { AgentTargetPolicy } from '../targets/agent-target.policy.js';
import { AgentTargetsModule } from '../targets/agent-targets.module.js';

/**
 * Keep-alive pools of the calls to remote agents whose host name lookups go through the agent target
 * rules, so that a name that resolves to a forbidden address is refused when connecting. No socket
 * limit: each call holds one socket, and the calls to an agent are already limited by its slots
 * (`max_concurrency`, bounded by the process's ConnectionBudget), so a call never waits in the pool
 * where neither the queue, its limits nor TASK_TIMEOUT_MS can see it.
 */
@Injectable()
export class RemoteAgentSockets implements OnApplicationShutdown {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;

  constructor(targets: AgentTargetPolicy) {
    const options = { ...AGENT_OPTIONS, maxSockets: Infinity, lookup: targets.lookup };
    this.http = new HttpAgent(options);
    this.https = new HttpsAgent(options);
  }

  onApplicationShutdown(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** `HttpModule` of the calls to remote agents (`/execute`, `/health`): no redirects, every status to the caller. */
export const RemoteAgentsHttpModule = HttpModule.registerAsync({
  imports: [AgentTargetsModule],
  useFactory: (sockets: RemoteAgentSockets) => ({
    httpAgent: sockets.http,
    httpsAgent: sockets.https,
    validateStatus: () => true,
    maxRedirects: 0,
  }),
  inject: [RemoteAgentSockets],
  extraProviders: [RemoteAgentSockets],
});
