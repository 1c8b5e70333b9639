// A slow remote HTTP agent for the long_tasks scenario: node:http on 127.0.0.1:0 in its own process
// (as a real agent would be), answering every `POST /execute` after `delayMs`. It counts the calls it
// holds at once and reports the peak to the parent over IPC.
//
// Messages from the parent: { type: 'stats' } → { type: 'stats', received, answered, in_flight, peak_in_flight }
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

/** In the parent: starts the agent child and returns a handle with its `url`. */
export async function startSlowAgent({ delayMs }) {
  const child = fork(SELF, ['--child', String(delayMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters = [];
  child.on('message', (message) => {
    const index = waiters.findIndex((w) => w.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0].resolve(message);
  });
  const next = (type) => new Promise((resolve) => waiters.push({ type, resolve }));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const { port } = await next('ready');
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stats() {
      const reply = next('stats');
      child.send({ type: 'stats' });
      return reply;
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[2] === '--child') {
  const delayMs = Number(process.argv[3]);
  let received = 0;
  let answered = 0;
  let inFlight = 0;
  let peak = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}');
        return;
      }
      if (req.method !== 'POST' || req.url !== '/execute') {
        res.writeHead(404);
        res.end();
        return;
      }
      received += 1;
      inFlight += 1;
      if (inFlight > peak) peak = inFlight;
      const { parameters } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      setTimeout(() => {
        inFlight -= 1;
        answered += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ success: true, data: { done: parameters?.n ?? null } }));
      }, delayMs);
    });
  });
  // A call is held for delayMs: the server's own request timeouts must not cut it.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 60_000;
  server.maxConnections = Infinity;
  process.on('message', (message) => {
    if (message.type === 'stats') process.send({ type: 'stats', received, answered, in_flight: inFlight, peak_in_flight: peak });
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  server.listen({ port: 0, host: '127.0.0.1', backlog: 8192 }, () => process.send({ type: 'ready', port: server.address().port }));
}
