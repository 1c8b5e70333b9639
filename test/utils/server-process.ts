import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testStoreEnv } from './test-database.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = `${ROOT}dist/main.js`;
const WORKER = `${ROOT}dist/worker.js`;

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, and wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** The child's environment: ours, the test defaults, then `env` (an `undefined` value unsets the variable). */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
  return merged;
}

/** `env` with the store of its DATA_DIR (a database of its own on a PostgreSQL run), unless it names one. */
async function withStore(env: Record<string, string | undefined>): Promise<Record<string, string | undefined>> {
  if (env.DATA_DIR === undefined || 'DATABASE_URL' in env) return env;
  return { ...(await testStoreEnv(env.DATA_DIR)), ...env };
}

export interface ServerProcessOptions {
  /** The process's open-file limit (soft and hard, set with util-linux's `prlimit`). */
  openFiles?: number;
}

/**
 * Starts the built server (`dist/main.js`, built by `npm test`'s pretest step) as a child process on
 * a free loopback port and waits until it listens.
 */
export async function startServerProcess(
  env: Record<string, string | undefined>,
  timeoutMs = 30_000,
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const started = await startProcess(MAIN, env, timeoutMs, options, /listening on http:\/\/[^:]+:(\d+)/);
  return { ...started, url: `http://127.0.0.1:${started.ready[1]}` };
}

/** A task-queue worker (`dist/worker.js`): it has no URL. */
export type WorkerProcess = Omit<ServerProcess, 'url'>;

/** Starts the built worker (`dist/worker.js`) as a child process and waits until it takes tasks. */
export async function startWorkerProcess(env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<WorkerProcess> {
  const { ready: _ready, ...worker } = await startProcess(WORKER, env, timeoutMs, {}, /Worker taking tasks/);
  return worker;
}

/** Spawns `entry` and resolves once its output matches `ready`. */
async function startProcess(
  entry: string,
  env: Record<string, string | undefined>,
  timeoutMs: number,
  options: ServerProcessOptions,
  ready: RegExp,
): Promise<WorkerProcess & { ready: RegExpExecArray }> {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build (npm test does it first)`);
  const limit = options.openFiles;
  // prlimit execs the command: the child's pid stays the server's.
  const [command, args] =
    limit === undefined ? [process.execPath, [entry]] : ['prlimit', [`--nofile=${limit}:${limit}`, '--', process.execPath, entry]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: childEnv(await withStore(env)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = ready.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it started:\n${output}`));
    });
  });
  return {
    child,
    ready: match,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface ExitedProcess {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** Whether it logged that it listens (it was then stopped with SIGKILL). */
  listened: boolean;
}

/**
 * Runs the built server with `env` until it exits by itself, for start-up failures. If it starts
 * listening instead, or is still running after `timeoutMs`, it is killed and reported as such.
 */
export async function runServerProcessUntilExit(env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<ExitedProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does it first)`);
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: childEnv(await withStore(env)), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let listened = false;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (!listened && /listening on http:\/\//.test(output)) {
      listened = true;
      child.kill('SIGKILL');
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c: number | null, s: NodeJS.Signals | null) => resolve([c, s])),
  );
  clearTimeout(timer);
  return { code, signal, output, listened };
}
