import { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { firstValueFrom } from 'rxjs';
import { integrationsConfig, type ServiceEndpoint } from '../integrations.config.js';

export type IntegrationName = 'memagent' | 'trace';

export interface IntegrationReachability {
  configured: boolean;
  /** The URL without its password (`user:***@`). */
  url: string | null;
  reachable: boolean;
}

export type ReachabilityReport = Record<IntegrationName, IntegrationReachability>;

interface ProbeTarget {
  url: string;
  auth: ServiceEndpoint['auth'];
}

interface CacheEntry {
  reachable: boolean;
  expiresAt: number;
}

/**
 * Liveness of the external services: `GET {url}/v1/health` answering 2xx within PROBE_TIMEOUT_MS
 * (≤ 2 s). Results are cached PROBE_CACHE_MS per target; concurrent callers share one probe. An
 * unconfigured service is not probed and is reported unreachable.
 */
@Injectable()
export class ReachabilityService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly http: HttpService,
    @Inject(integrationsConfig.KEY) private readonly config: ConfigType<typeof integrationsConfig>,
  ) {}

  async check(): Promise<ReachabilityReport> {
    const [memagent, trace] = await Promise.all([this.target(this.config.memagent), this.target(this.config.trace)]);
    return { memagent, trace };
  }

  /** Forgets cached results (the next check probes again). */
  reset(): void {
    this.cache.clear();
  }

  private async target(service: ServiceEndpoint): Promise<IntegrationReachability> {
    const { url, displayUrl, auth } = service;
    if (url === null) return { configured: false, url: null, reachable: false };
    return { configured: true, url: displayUrl, reachable: await this.isReachable({ url, auth }) };
  }

  private isReachable(service: ProbeTarget): Promise<boolean> {
    const url = service.url;
    const cached = this.cache.get(url);
    if (cached && cached.expiresAt > Date.now()) return Promise.resolve(cached.reachable);
    const running = this.inFlight.get(url);
    if (running) return running;
    const probe = this.probe(service).then((reachable) => {
      this.cache.set(url, { reachable, expiresAt: Date.now() + this.config.probe.cacheMs });
      this.inFlight.delete(url);
      return reachable;
    });
    this.inFlight.set(url, probe);
    return probe;
  }

  /** Never throws. */
  private async probe(service: ProbeTarget): Promise<boolean> {
    const timeoutMs = this.config.probe.timeoutMs;
    try {
      const response = await firstValueFrom(
        this.http.get<string>(`${service.url}/v1/health`, {
          timeout: timeoutMs,
          auth: service.auth ?? undefined,
          signal: AbortSignal.timeout(timeoutMs),
          responseType: 'text',
          transformResponse: (data: unknown) => data,
        }),
      );
      return response.status >= 200 && response.status < 300;
    } catch {
      return false;
    }
  }
}
