// The built server (dist/main.js) as a child process on loopback, for the benchmark.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'node:http';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The compiled app. BENCH_DIST points the bench at another build (e.g. a patched copy, for an A/B test). */
export const DIST = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(ROOT, 'dist');
export const RESULTS_DIR = join(ROOT, 'test/bench/results');

/** The bare NestJS app the framework scenarios measure the production settings against. */
export const FRAMEWORK_APP = join(ROOT, 'test/bench/framework-app.mjs');

/**
 * Production settings of the framework scenarios: request logs at info (JSON lines to a file), the
 * rate limit counting every request (a limit no load here reaches), metrics and helmet (always on);
 * an API key with the admin scope (seedWithKey) is sent with every request.
 */
export const PRODUCTION_ENV = { LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '1000000000' };

/**
 * The node options `npm start` runs the server with (package.json: `"start": "node <options> dist/main.js"`),
 * so that the bench measures the server as users run it.
 */
export const START_NODE_OPTIONS = (() => {
  const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start.trim();
  const match = /^node\s+(.*?)\s*dist\/main\.js$/.exec(start);
  if (!match) throw new Error(`package.json scripts.start is not "node [options] dist/main.js": ${start}`);
  return match[1] ? match[1].split(/\s+/) : [];
})();

/** A fresh temporary DATA_DIR; the caller removes it with `removeDataDir`. */
export function makeDataDir(label) {
  return mkdtempSync(join(tmpdir(), `orchestrator-bench-${label}-`));
}

export function removeDataDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** A port that was free a moment ago (bind 0, read, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One HTTP request with a JSON answer (or raw text); resolves `{status, body}`. Never keeps the socket. */
export function httpJson(url, { method = 'GET', body, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {},
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, body: json ?? text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** POST of a JSON body over `agent` (keep-alive connections of a client pool); resolves `{status, body}`. */
export function postJson(agent, url, body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** VmRSS of a process in MiB (Linux /proc), or null where /proc is not available. */
export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system) the process `pid` has used, in ms, from /proc (Linux; null elsewhere). It
 * counts only that process's work, so it compares builds even when other processes load the machine.
 */
export function cpuMs(pid) {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** USER_HZ of Linux's /proc figures; 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Starts `node dist/main.js` with `env` on 127.0.0.1:<free port> and polls `GET /v1/health` until it
 * answers 200. `startMs` is the time from spawn to that first 200.
 *
 * `profile`: a directory; the server then runs with `--cpu-prof` and writes `<name>.cpuprofile` there
 * when it exits (stop() waits for that).
 *
 * `dist` and `nodeOptions` default to the bench's build and npm start's node options (an A/B run
 * compares other builds or options); `main` replaces `<dist>/main.js` (the framework reference app).
 *
 * `logFile`: the server's stdout goes to this file, as in a deployment that logs to a file, instead
 * of a pipe to the bench (which would spend the load generator's CPU reading request logs).
 *
 * @param {{ env?: Record<string, string>, name?: string, profile?: string | null, timeoutMs?: number, dist?: string, main?: string, nodeOptions?: string[], logFile?: string }} [options]
 */
export async function startServer({
  env = {},
  name = 'server',
  profile = null,
  timeoutMs = 60_000,
  dist = DIST,
  main = join(dist, 'main.js'),
  nodeOptions = START_NODE_OPTIONS,
  logFile,
} = {}) {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawnBuilt({
    entry: main,
    env: { HOST: '127.0.0.1', PORT: String(port), ...env },
    name,
    profile,
    nodeOptions,
    logFile,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let startMs;
  for (;;) {
    if (child.exitCode() !== undefined)
      throw new Error(`${name}: server exited with ${child.exitCode()} before answering:\n${child.output()}`);
    if (Date.now() > deadline) {
      await child.kill9();
      throw new Error(`${name}: no 200 from /v1/health within ${timeoutMs} ms:\n${child.output()}`);
    }
    try {
      const res = await httpJson(`${url}/v1/health`, { timeoutMs: 1000 });
      if (res.status === 200) {
        startMs = Number(process.hrtime.bigint() - started) / 1e6;
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  return { ...child, url, startMs };
}

/**
 * Starts a task queue worker (`node dist/worker.js`, same node options and environment defaults as
 * `startServer`). Without `ready` it runs with LOG_LEVEL=info (its readiness line is logged at that
 * level, and so is every task) and resolves once it says it takes tasks; with `ready` (an async
 * function, polled until it resolves true: e.g. a task answered through an API replica) it keeps the
 * bench's LOG_LEVEL=warn. `startMs`: spawn to ready.
 *
 * @param {{ env?: Record<string, string>, name?: string, profile?: string | null, timeoutMs?: number, dist?: string, nodeOptions?: string[], ready?: () => Promise<boolean> }} [options]
 */
export async function startWorker({
  env = {},
  name = 'worker',
  profile = null,
  timeoutMs = 60_000,
  dist = DIST,
  nodeOptions = START_NODE_OPTIONS,
  ready,
} = {}) {
  const started = process.hrtime.bigint();
  const child = spawnBuilt({
    entry: join(dist, 'worker.js'),
    env: ready ? env : { LOG_LEVEL: 'info', ...env },
    name,
    profile,
    nodeOptions,
  });
  const isReady = ready ?? (async () => /Worker taking tasks/.test(child.output()));
  const deadline = Date.now() + timeoutMs;
  while (!(await isReady())) {
    if (child.exitCode() !== undefined)
      throw new Error(`${name}: worker exited with ${child.exitCode()} before taking tasks:\n${child.output()}`);
    if (Date.now() > deadline) {
      await child.kill9();
      throw new Error(`${name}: worker not taking tasks within ${timeoutMs} ms:\n${child.output()}`);
    }
    await sleep(20);
  }
  return { ...child, startMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

/**
 * Spawns `node <nodeOptions> <entry>` with the bench's environment defaults; with `profile` (a
 * directory) it runs with `--cpu-prof` and writes `<name>.cpuprofile` there when it exits normally;
 * with `logFile` its stdout goes to that file.
 */
function spawnBuilt({ entry, env, name, profile, nodeOptions, logFile }) {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build`);
  const nodeArgs = [...nodeOptions];
  if (profile) {
    mkdirSync(profile, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profile}`, `--cpu-prof-name=${name}.cpuprofile`);
  }
  const logFd = logFile ? openSync(logFile, 'a') : undefined;
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      // Production logging (JSON lines); warn keeps per-request lines out of the measurement.
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      // The bench measures the service, not the rate limit.
      RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', logFd ?? 'pipe', 'pipe'],
  });
  if (logFd !== undefined) closeSync(logFd);
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr.on('data', keep);
  /** @type {number | string | undefined} */
  let exitCode;
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal;
      resolve(exitCode);
    }),
  );
  return {
    name,
    pid: child.pid,
    output: () => output,
    exitCode: () => exitCode,
    rssMiB: () => rssMiB(child.pid),
    /** SIGINT (Nest's shutdown hooks run, and --cpu-prof writes its profile), then SIGKILL after 15 s. */
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    /** SIGKILL: the process dies on the spot, as in a crash (no profile is written). */
    async kill9() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGKILL');
      return exited;
    },
  };
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
