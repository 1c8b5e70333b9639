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

/** Marks the end of a message content cut to fit the request budget. */
export const CUT_CONTENT_MARK = '…[cut]';

/** Bytes of a compress request body besides its messages: `{"intent":…,"session_id":…,"messages":[]}`. */
export function compressRequestOverhead(sessionId: string, intent: string | null | undefined): number {
  return Buffer.byteLength(JSON.stringify({ intent: intent ?? DEFAULT_INTENT, session_id: sessionId, messages: [] }));
}

/**
 * The most recent messages of a conversation whose JSON fits `maxBytes`, in order. Fed message by
 * message (oldest first), it drops the oldest once the newest no longer fit, so memory stays within
 * the budget however long the session. A single message larger than the budget keeps the start of its
 * content (marked with CUT_CONTENT_MARK); one that cannot fit even without content is left out.
 */
export class MessageWindow {
  private readonly maxBytes: number;
  private kept: { message: MemAgentMessage; bytes: number }[] = [];
  private head = 0;
  private bytes = 0;
  private seenCount = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Messages pushed so far (kept or not). */
  get seen(): number {
    return this.seenCount;
  }

  /** Messages pushed but left out (the oldest, or too large). */
  get dropped(): number {
    return this.seenCount - (this.kept.length - this.head);
  }

  push(message: MemAgentMessage): void {
    this.seenCount += 1;
    const fitted = this.fit(message);
    if (fitted === undefined) return;
    this.kept.push(fitted);
    this.bytes += fitted.bytes;
    while (this.bytes > this.maxBytes) this.bytes -= this.kept[this.head++]!.bytes;
    // Compact now and then instead of shifting the array per dropped message.
    if (this.head > 1024 && this.head * 2 > this.kept.length) {
      this.kept = this.kept.slice(this.head);
      this.head = 0;
    }
  }

  messages(): MemAgentMessage[] {
    return this.kept.slice(this.head).map((k) => k.message);
  }

  /** The message with its size (JSON plus the separating comma), its content cut if it alone is over budget. */
  private fit(message: MemAgentMessage): { message: MemAgentMessage; bytes: number } | undefined {
    const size = (m: MemAgentMessage) => Buffer.byteLength(JSON.stringify(m)) + 1;
    const bytes = size(message);
    if (bytes <= this.maxBytes) return { message, bytes };
    // Room for the content's JSON text (its quotes are counted in `rest`).
    const rest = size({ ...message, content: CUT_CONTENT_MARK });
    const room = this.maxBytes - rest;
    if (room < 0) return undefined;
    const content = message.content;
    let n = Math.min(content.length, room);
    for (;;) {
      const used = Buffer.byteLength(JSON.stringify(content.slice(0, n))) - 2;
      if (used <= room) break;
      // Shrink in proportion (multi-byte or escaped text), by one character at least.
      n = Math.min(n - 1, Math.floor((n * room) / used));
    }
    const cut = { ...message, content: `${content.slice(0, n)}${CUT_CONTENT_MARK}` };
    return { message: cut, bytes: size(cut) };
  }
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
