import { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { OutboxEvent } from '../../contracts/contract.model.js';
import { classifyTransportError, upstreamDetail } from '../http/http-errors.js';
import { integrationsConfig } from '../integrations.config.js';
import { IntegrationsMessages } from '../integrations.messages.js';

/** Outcome of one delivery attempt. `send` never throws; a failure carries a readable error. */
export type TraceSendResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** The body of a Trace event (SPEC §6). */
export interface TraceEventBody {
  event_type: OutboxEvent['event_type'];
  data: OutboxEvent['data'];
}

/** Sends one outbox event to Trace: `POST {TRACE_URL}/v1/sessions/{session_id}/events`. */
@Injectable()
export class TraceClient {
  constructor(
    private readonly http: HttpService,
    @Inject(integrationsConfig.KEY) private readonly config: ConfigType<typeof integrationsConfig>,
  ) {}

  /** Whether TRACE_URL is set. */
  get enabled(): boolean {
    return this.config.trace.url !== null;
  }

  /** TRACE_URL as it may be shown: without its password. */
  get url(): string | null {
    return this.config.trace.displayUrl;
  }

  eventUrl(sessionId: string): string {
    return `${this.config.trace.url}/v1/sessions/${encodeURIComponent(sessionId)}/events`;
  }

  /** One attempt; 2xx is success, anything else (status, timeout, connection error) a failure. */
  async send(event: OutboxEvent): Promise<TraceSendResult> {
    if (this.config.trace.url === null) return { ok: false, status: null, error: IntegrationsMessages.dispatcherDisabled() };
    const body: TraceEventBody = { event_type: event.event_type, data: event.data };
    try {
      // The hot path of the dispatcher calls the HttpService's axios instance directly: the
      // Observable wrapper adds a CancelToken per request and cancels it on completion, building a
      // CanceledError each time.
      const response = await this.http.axiosRef.post<string>(this.eventUrl(event.session_id), JSON.stringify(body), {
        timeout: this.config.trace.timeoutMs,
        auth: this.config.trace.auth ?? undefined,
        headers: {
          'Content-Type': 'application/json',
          // One event per contract: its id is unique and stays the same across retries and restores.
          'X-Event-Id': typeof event.data.contract_id === 'string' ? event.data.contract_id : `outbox-${event.id}`,
          ...(event.traceparent ? { traceparent: event.traceparent } : {}),
        },
        responseType: 'text',
        transformResponse: (data: unknown) => data,
      });
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return {
        ok: false,
        status: response.status,
        error: IntegrationsMessages.traceStatus(response.status, upstreamDetail(response.data)),
      };
    } catch (error) {
      const failure = classifyTransportError(error);
      return {
        ok: false,
        status: null,
        error:
          failure.kind === 'timeout'
            ? IntegrationsMessages.traceTimedOut(this.config.trace.timeoutMs)
            : IntegrationsMessages.traceUnreachable(failure.reason),
      };
    }
  }
}
