import { Inject, Injectable } from '@nestjs/common';
import { lookup as dnsLookup, promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { AgentTargetError } from '../errors/agent-target.error.js';
import { agentTargetsConfig, type AgentTargetsConfig } from './agent-targets.config.js';
import { AgentTargetsMessages } from './agent-targets.messages.js';
import { judgeTarget, needsResolution, normalizeHost, type TargetVerdict } from './agent-targets.js';

/**
 * Applies the agent target rules: no link-local or cloud-metadata hosts unless AGENT_ALLOWED_HOSTS
 * lists them, and only the hosts it lists when it is set. Host names are resolved and every address is
 * checked. Used at registration (before any request is sent), when stored agents are restored, before
 * every A2A request, and as the `lookup` of the sockets of HTTP agent calls, so that a host name that
 * later resolves elsewhere is refused when connecting.
 */
@Injectable()
export class AgentTargetPolicy {
  constructor(@Inject(agentTargetsConfig.KEY) private readonly config: AgentTargetsConfig) {}

  /**
   * Why `url` may not be used (`what` names it in the message: `endpoint`, `agent_card_url`…);
   * undefined when it may. A host name that cannot be resolved is refused, unless `unresolvable` is
   * `allow` (restoring stored agents while DNS is down: every call checks its host again).
   */
  async refusal(url: string, what: string, unresolvable: 'refuse' | 'allow' = 'refuse'): Promise<string | undefined> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return AgentTargetsMessages.notAUrl(what, url);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return AgentTargetsMessages.notAUrl(what, url);
    const host = normalizeHost(parsed.hostname);
    let addresses: string[] = isIP(host) ? [host] : [];
    if (needsResolution(this.config.allowedHosts, host)) {
      try {
        addresses = (await dns.lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
      } catch (error) {
        if (unresolvable === 'allow') return undefined;
        const { code, message } = error as NodeJS.ErrnoException;
        return AgentTargetsMessages.unresolvable(what, url, host, code ?? message);
      }
    }
    return this.describe(judgeTarget(this.config.allowedHosts, host, addresses), what, url);
  }

  /** Throws an AgentTargetError saying why `url` may not be used. */
  async assertAllowed(url: string, what: string, unresolvable: 'refuse' | 'allow' = 'refuse'): Promise<void> {
    const refusal = await this.refusal(url, what, unresolvable);
    if (refusal !== undefined) throw new AgentTargetError(refusal);
  }

  /**
   * `dns.lookup` for `http.Agent` that refuses forbidden addresses, so that the rules hold when a
   * registered host name resolves differently later. Addresses in URLs connect without a lookup; they
   * are checked at registration and restore.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const host = normalizeHost(hostname);
    dnsLookup(hostname, { ...(options as LookupOptions), all: true }, (error, entries: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refusal = this.describe(
        judgeTarget(
          this.config.allowedHosts,
          host,
          entries.map((entry) => entry.address),
        ),
        'connection to',
        hostname,
      );
      if (refusal !== undefined) return callback(new AgentTargetError(refusal), '', 0);
      if ((options as LookupOptions).all) return callback(null, entries);
      const [first] = entries;
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };

  private describe(verdict: TargetVerdict, what: string, url: string): string | undefined {
    if (verdict.ok) return undefined;
    switch (verdict.rule) {
      case 'metadata_host':
        return AgentTargetsMessages.metadataHost(what, url, verdict.host);
      case 'forbidden_address':
        return AgentTargetsMessages.forbiddenAddress(what, url, verdict.host, verdict.address);
      case 'not_allowed':
        return AgentTargetsMessages.notAllowed(what, url, verdict.host, verdict.addresses, this.config.allowedHosts?.entries ?? []);
    }
  }
}
