import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

export interface RealServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1:0 that records what it receives and answers with `handler`. */
export async function startServer(handler: Handler, port = 0): Promise<RealServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * A loopback URL where nothing listens. The port lies below the range the OS hands out to
 * `listen(0)`, where every server of the tests listens: a port taken from that range and closed again
 * could be handed to another test's server (in another Jest worker) before the spec used it.
 */
export async function closedPortUrl(): Promise<string> {
  const ephemeralLow = firstEphemeralPort();
  const from = ephemeralLow > 20_000 ? 10_000 : 1_024;
  for (let tries = 0; tries < 50; tries++) {
    const port = from + Math.floor(Math.random() * (ephemeralLow - from));
    if (await refused(port)) return `http://127.0.0.1:${port}`;
  }
  throw new Error(`no closed port found between ${from} and ${ephemeralLow}`);
}

/** The lowest port of the OS's range for `listen(0)` and outgoing connections (Linux's default elsewhere). */
function firstEphemeralPort(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 1_024) return low;
  } catch {
    // Not Linux: fall through.
  }
  return 32_768;
}

/** Whether a connection to `port` on loopback is refused, i.e. nothing listens there. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
