import { EventEmitter } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { installGracefulShutdown, type DrainableTasks } from './graceful-shutdown.js';

interface Harness {
  server: Server;
  port: number;
  signals: EventEmitter;
  events: string[];
  exited: Promise<number>;
  logs: string[];
  /** Resolves the pending drain. */
  finishDrain(result?: { finished: number; cancelled: number }): void;
}

async function setUp(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: { timeoutMs?: number; closeFails?: boolean } = {},
): Promise<Harness> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const signals = new EventEmitter();
  const events: string[] = [];
  const logs: string[] = [];
  let finishDrain!: Harness['finishDrain'];
  const drained = new Promise<{ finished: number; cancelled: number }>(
    (resolve) => (finishDrain = (r = { finished: 1, cancelled: 0 }) => resolve(r)),
  );
  const tasks: DrainableTasks = {
    inFlightCount: () => 1,
    stopAccepting: () => void events.push('stopAccepting'),
    drain: async (ms) => {
      events.push(`drain ${ms}`);
      const result = await drained;
      events.push('drained');
      return result;
    },
  };
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  installGracefulShutdown({
    app: {
      close: async () => {
        events.push('app.close');
        if (options.closeFails) throw new Error('database is locked');
        await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      },
    },
    server,
    tasks,
    timeoutMs: options.timeoutMs ?? 5_000,
    logger: { log: (m) => logs.push(m), warn: (m) => logs.push(`warn: ${m}`), error: (m) => logs.push(`error: ${m}`) },
    exit: (code) => {
      events.push(`exit ${code}`);
      exit(code);
    },
    signalSource: signals,
  });
  return { server, port: (server.address() as AddressInfo).port, signals, events, exited, logs, finishDrain };
}

function get(port: number, agent: Agent | false = false): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('installGracefulShutdown', () => {
  it('refuses new tasks, drains, lets the waiting caller have its answer, closes the app, exits 0', async () => {
    let answer!: () => void;
    let reached!: () => void;
    const inHandler = new Promise<void>((resolve) => (reached = resolve));
    const h = await setUp((_req, res) => {
      answer = () => res.end('done');
      reached();
    });
    const agent = new Agent({ keepAlive: true });
    const call = get(h.port, agent);
    await inHandler;
    h.signals.emit('SIGTERM');
    expect(h.events).toEqual(['stopAccepting', 'drain 5000']);
    // The server no longer accepts connections.
    await expect(get(h.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    answer();
    h.finishDrain({ finished: 1, cancelled: 0 });
    expect(await call).toMatchObject({ status: 200, body: 'done' });
    expect(await h.exited).toBe(0);
    expect(h.events).toEqual(['stopAccepting', 'drain 5000', 'drained', 'app.close', 'exit 0']);
    expect(h.logs).toEqual([
      'SIGTERM: shutting down; new tasks are refused, 1 in flight get up to 5000 ms',
      'Tasks in flight: 1 finished, 0 cancelled',
      'Stopped',
    ]);
    agent.destroy();
  });

  it('does not wait past the timeout for a connection that stays open (an event stream): it is closed', async () => {
    const h = await setUp((_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open\n\n'), {
      timeoutMs: 100,
    });
    let streaming!: () => void;
    const opened = new Promise<void>((resolve) => (streaming = resolve));
    const closed = new Promise<void>((resolve) => {
      request({ host: '127.0.0.1', port: h.port, path: '/', agent: false }, (res) => {
        res.on('data', () => streaming());
        res.on('close', () => resolve());
      }).end();
    });
    await opened;
    h.signals.emit('SIGINT');
    h.finishDrain({ finished: 0, cancelled: 0 });
    expect(await h.exited).toBe(0);
    await closed;
    expect(h.logs).toContain('warn: Closing 1 connection(s) still open');
  });

  it('a second signal exits at once with 128 + its number', async () => {
    const h = await setUp((_req, res) => res.end());
    h.signals.emit('SIGTERM');
    h.signals.emit('SIGINT');
    expect(await h.exited).toBe(130);
    expect(h.events).toEqual(['stopAccepting', 'drain 5000', 'exit 130']);
    expect(h.logs[1]).toMatch(/^warn: SIGINT again: exiting now/);
    h.finishDrain();
    h.server.close();
  });

  it('exits 1 when closing the app fails', async () => {
    const h = await setUp((_req, res) => res.end(), { closeFails: true });
    h.signals.emit('SIGTERM');
    h.finishDrain({ finished: 0, cancelled: 1 });
    expect(await h.exited).toBe(1);
    expect(h.logs.at(-1)).toMatch(/^error: Shutdown failed: Error: database is locked/);
  });
});
