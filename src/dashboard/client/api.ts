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

/** An answer, and the key its request was sent with. */
interface Sent {
  response: Response;
  key: string | null;
}

/**
 * Calls the API of the app that served the page, with the API key (if one was given) as Bearer.
 * A 401 tells `onUnauthorized`, so that the page can ask for a key; only while the key its request
 * was sent with is still the one in use: the panels' first reads go out without a key, and one of
 * them answered after the key was given must not ask for it again.
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
    const sent = await this.send(path, { method: 'GET', headers: { accept: 'text/event-stream' }, signal });
    if (!sent.response.ok) await this.json(sent);
    const { body } = sent.response;
    if (body === null) return;
    const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    const reader = events.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onEvent(value.event ?? 'message', JSON.parse(value.data) as unknown);
    }
  }

  private async send(path: string, init: RequestInit): Promise<Sent> {
    const headers = new Headers(init.headers);
    const key = this.key;
    if (key !== null) headers.set('authorization', `Bearer ${key}`);
    return { response: await fetch(path, { ...init, headers }), key };
  }

  private async json<T>({ response, key }: Sent): Promise<T> {
    const body = (await response.json().catch(() => null)) as unknown;
    if (response.ok) return body as T;
    const message = messageOf(body) ?? `${response.status} ${response.statusText}`;
    if (response.status === 401 && key === this.key) this.onUnauthorized(message);
    throw new ApiError(response.status, message);
  }
}

function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('message' in body)) return undefined;
  const message = (body as { message: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : undefined;
}
