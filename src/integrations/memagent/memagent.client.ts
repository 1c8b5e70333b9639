import { HttpService } from '@nestjs/axios';
import { BadGatewayException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { firstValueFrom } from 'rxjs';
import type { JsonObject } from '../../contracts/contract.model.js';
import { classifyTransportError, upstreamDetail } from '../http/http-errors.js';
import { integrationsConfig } from '../integrations.config.js';
import { IntegrationsMessages } from '../integrations.messages.js';

export const DEFAULT_INTENT = 'Multi-agent task execution';

/** One message of the conversation sent to MemAgent (SPEC §6). */
export interface MemAgentMessage {
  role: 'user' | 'assistant';
  content: string;
  timestamp: string;
  metadata: JsonObject;
}

/** The body of `POST /v1/session/{session_id}/compress`. */
export interface MemAgentCompressRequest {
  intent: string;
  session_id: string;
  messages: MemAgentMessage[];
}

/** Talks to MemAgent: `POST {MEMAGENT_URL}/v1/session/{session_id}/compress`. */
@Injectable()
export class MemAgentClient {
  constructor(
    private readonly http: HttpService,
    @Inject(integrationsConfig.KEY) private readonly config: ConfigType<typeof integrationsConfig>,
  ) {}

  /** Whether MEMAGENT_URL is set. */
  get enabled(): boolean {
    return this.config.memagent.url !== null;
  }

  /** MEMAGENT_URL as it may be shown: without its password. */
  get url(): string | null {
    return this.config.memagent.displayUrl;
  }

  /**
   * Compresses a conversation; returns MemAgent's JSON reply (an object).
   * Unreachable or timed out → 503; non-2xx → 502 with the upstream status and detail; a 2xx that is
   * not a JSON object → 502.
   */
  async compress(sessionId: string, intent: string | null | undefined, messages: MemAgentMessage[]): Promise<JsonObject> {
    const { url: base, displayUrl, auth } = this.config.memagent;
    if (base === null) throw new ServiceUnavailableException(IntegrationsMessages.memagentNotConfigured());
    const timeoutMs = this.config.memagent.timeoutMs;
    const body: MemAgentCompressRequest = { intent: intent ?? DEFAULT_INTENT, session_id: sessionId, messages };

    let status: number;
    let text: string;
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      const response = await firstValueFrom(
        this.http.post<string>(`${base}/v1/session/${encodeURIComponent(sessionId)}/compress`, JSON.stringify(body), {
          timeout: timeoutMs,
          // Deadline for the whole exchange, body included (axios' timeout is an inactivity timer).
          signal: deadline,
          auth: auth ?? undefined,
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          responseType: 'text',
          transformResponse: (data: unknown) => data,
        }),
      );
      status = response.status;
      text = typeof response.data === 'string' ? response.data : String(response.data ?? '');
    } catch (error) {
      const failure = classifyTransportError(error, deadline);
      throw new ServiceUnavailableException(
        failure.kind === 'timeout'
          ? IntegrationsMessages.memagentTimedOut(displayUrl ?? base, timeoutMs)
          : IntegrationsMessages.memagentUnreachable(displayUrl ?? base, failure.reason),
      );
    }

    if (status < 200 || status >= 300) {
      throw new BadGatewayException(IntegrationsMessages.memagentUpstreamError(status, upstreamDetail(text)));
    }
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      throw new BadGatewayException(IntegrationsMessages.memagentNotJson(status));
    }
    if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) {
      throw new BadGatewayException(IntegrationsMessages.memagentNotJson(status));
    }
    return reply as JsonObject;
  }
}
