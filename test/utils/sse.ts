import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SseEvent {
  id?: string;
  event?: string;
  data: unknown;
}

export interface SseStream {
  status: number;
  headers: IncomingMessage['headers'];
  /** Events received so far. */
  events: SseEvent[];
  /** Resolves with the `n`-th event (1-based) once it has arrived. */
  nth(n: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Makes sure the Nest server listens on 127.0.0.1 (supertest does this per request; SSE needs one). */
export async function listening(server: Server): Promise<string> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A real Server-Sent Events client over node:http that parses `id`, `event` and JSON `data` fields.
 * `server`: the app's server, or the base URL of a server process.
 */
export async function openSse(server: Server | string, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const base = typeof server === 'string' ? server : await listening(server);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: SseEvent[] = [];
      const waiters: Array<{ n: number; resolve: (e: SseEvent) => void }> = [];
      let buffer = '';
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => (endedResolve = r));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event: SseEvent = { data: undefined };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || line === '') continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') event.id = value;
            else if (field === 'event') event.event = value;
            else if (field === 'data') data.push(value);
          }
          if (data.length === 0) continue;
          const text = data.join('\n');
          try {
            event.data = JSON.parse(text);
          } catch {
            event.data = text;
          }
          events.push(event);
          for (const waiter of waiters.filter((w) => w.n === events.length)) waiter.resolve(event);
        }
      });
      res.on('end', endedResolve);
      res.on('close', endedResolve);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        nth: (n) => (events.length >= n ? Promise.resolve(events[n - 1]) : new Promise((r) => waiters.push({ n, resolve: r }))),
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
