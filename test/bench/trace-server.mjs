// A real Trace service for the benchmark: node:http on 127.0.0.1:0, in its own process.
//
// Why a child process and not a server inside the bench process: the bench process runs autocannon,
// which measures latency in its own event loop. A Trace server sharing that loop would delay the
// load generator's reads and inflate the latencies (and lower the req/s) of exactly the scenarios
// that compare "with Trace" to "without Trace", for a reason that has nothing to do with the
// orchestrator. In its own process, Trace competes for CPU only through the OS scheduler, as a
// co-located service would. (On a 2-core machine it still takes CPU from the other two processes;
// that is stated next to the results.)
//
// Run as a child with an IPC channel (see `startTraceServer`). Messages from the parent:
//   { type: 'status', status: 200 | 503 }   answer events with this status from now on
//   { type: 'watch', expect: N, status? }    (switch the answer and) report { type: 'drained', ... } once N distinct events were accepted
//   { type: 'stats' }                        report { type: 'stats', ... }
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

/** In the parent: starts the Trace child and returns a handle. */
export async function startTraceServer({ status = 200 } = {}) {
  const child = fork(SELF, ['--child', String(status)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters = [];
  child.on('message', (message) => {
    const index = waiters.findIndex((w) => w.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0].resolve(message);
  });
  const next = (type) => new Promise((resolve) => waiters.push({ type, resolve }));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = await next('ready');
  return {
    url: `http://127.0.0.1:${ready.port}`,
    pid: child.pid,
    setStatus(s) {
      child.send({ type: 'status', status: s });
      return next('status');
    },
    /**
     * Resolves when `expect` distinct events have been accepted (200) since the watch began. With
     * `status`, the answer switches to it at the same instant (the clock of the figures starts there).
     */
    watch(expect, status) {
      const done = next('drained');
      child.send({ type: 'watch', expect, status });
      return done;
    },
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

// ------------------------------------------------------------------------------------------------
// The child.

if (process.argv[2] === '--child') {
  let answer = Number(process.argv[3]) || 200;
  const accepted = new Set();
  let received = 0;
  let rejected = 0;
  let duplicates = 0;
  let watch = null;
  const now = () => Number(process.hrtime.bigint()) / 1e6;

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/v1/health') {
        res.writeHead(answer === 200 ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: answer === 200 ? 'healthy' : 'down' }));
        return;
      }
      if (req.method !== 'POST' || !/^\/v1\/sessions\/[^/]+\/events$/.test(req.url ?? '')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"detail":"not found"}');
        return;
      }
      received++;
      if (answer !== 200) {
        rejected++;
        res.writeHead(answer, { 'content-type': 'application/json' });
        res.end('{"detail":"trace is down (bench)"}');
        return;
      }
      const id = req.headers['x-event-id'] ?? `body:${Buffer.concat(chunks).length}:${received}`;
      if (accepted.has(id)) duplicates++;
      else accepted.add(id);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      if (watch) {
        const t = now();
        if (watch.first === null) watch.first = t;
        watch.count = accepted.size - watch.base;
        if (watch.count >= watch.expect) {
          process.send({
            type: 'drained',
            events: watch.count,
            since_watch_ms: t - watch.start,
            first_after_ms: watch.first - watch.start,
            first_to_last_ms: t - watch.first,
            duplicates,
          });
          watch = null;
        }
      }
    });
  });
  server.keepAliveTimeout = 30_000;

  process.on('message', (message) => {
    if (message.type === 'status') {
      answer = message.status;
      process.send({ type: 'status', status: answer });
    } else if (message.type === 'watch') {
      watch = { expect: message.expect, base: accepted.size, start: now(), first: null, count: 0 };
      if (message.status !== undefined) answer = message.status;
    } else if (message.type === 'stats') {
      process.send({ type: 'stats', received, rejected, accepted: accepted.size, duplicates });
    }
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
}
