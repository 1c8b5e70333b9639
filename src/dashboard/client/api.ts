import { EventSourceParserStream } from 'eventsource-parser/stream';

/** Where the page keeps the API key: this tab only, gone when it closes. */
const KEY_STORAGE = 'agent-orchestrator.api-key';

/** An answer of the API other than 2xx, with the message of its `{statusCode, error, message}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Calls the API of the app that served the page, with the API key (if one was given) as Bearer.
 * A 401 tells `onUnauthorized`, so that the page can ask for a key.
 */
export class ApiClient {
  onUnauthorized: (message: string) => void = () => undefined;

  get key(): string | null {
    return sessionStorage.getItem(KEY_STORAGE);
  }

  set key(value: string | null) {
    if (value === null) sessionStorage.removeItem(KEY_STORAGE);
    else sessionStorage.setItem(KEY_STORAGE, value);
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
    const search = params.size > 0 ? `?${params.toString()}` : '';
    return this.json<T>(await this.send(`${path}${search}`, { method: 'GET' }));
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>(
      await this.send(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    );
  }

  /**
   * Follows a task's Server-Sent Events (`GET /v1/tasks/:id/events`) until the stream ends, calling
   * `onEvent` for each. Read through fetch, not EventSource, so that the key goes as a header.
   */
  async follow(path: string, onEvent: (type: string, data: unknown) => void, signal?: AbortSignal): Promise<void> {
    const response = await this.send(path, { method: 'GET', headers: { accept: 'text/event-stream' }, signal });
    if (!response.ok) await this.json(response);
    if (response.body === null) return;
    const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    const reader = events.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onEvent(value.event ?? 'message', JSON.parse(value.data) as unknown);
    }
  }

  private send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    const key = this.key;
    if (key !== null) headers.set('authorization', `Bearer ${key}`);
    return fetch(path, { ...init, headers });
  }

  private async json<T>(response: Response): Promise<T> {
    const body = (await response.json().catch(() => null)) as unknown;
    if (response.ok) return body as T;
    const message = messageOf(body) ?? `${response.status} ${response.statusText}`;
    if (response.status === 401) this.onUnauthorized(message);
    throw new ApiError(response.status, message);
  }
}

function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('message' in body)) return undefined;
  const message = (body as { message: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : undefined;
}
