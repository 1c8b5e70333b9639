#!/usr/bin/env node
// A local cluster on loopback, for trying the scale-out set-up: API replicas (dist/main.js) and task
// queue workers (dist/worker.js) on one PostgreSQL database and one Redis.
//
//   npm run cluster -- --api 2 --workers 2 [--port 8888]
//
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/orchestrator, created when missing) and
// REDIS_URL (default redis://127.0.0.1:6379) come from the environment, as every other setting does.
// Replica n listens on port + n - 1. Output lines are prefixed with the process's name. Ctrl-C (or
// SIGTERM) stops every process the way a deployment would: each drains what it runs.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { api: { type: 'string', default: '2' }, workers: { type: 'string', default: '2' }, port: { type: 'string', default: '8888' } },
});
const apiCount = Number(values.api);
const workerCount = Number(values.workers);
const firstPort = Number(values.port);
if (![apiCount, workerCount, firstPort].every(Number.isInteger) || apiCount < 1 || workerCount < 0) {
  console.error('usage: npm run cluster -- --api <n ≥ 1> --workers <n ≥ 0> [--port <first API port>]');
  process.exit(2);
}

const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orchestrator',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  HOST: process.env.HOST ?? '127.0.0.1',
};

await createDatabaseIfMissing(env.DATABASE_URL);

const children = [];
function start(name, entry, extraEnv) {
  const child = spawn(process.execPath, ['--max-semi-space-size=8', '--heap-growing-percent=100', entry], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) process.stdout.write(`[${name}] ${line}\n`);
    });
  }
  child.on('exit', (code, signal) => process.stdout.write(`[${name}] exited (${signal ?? code})\n`));
  children.push(child);
  return child;
}

/** Resolves once the child prints `pattern` (or rejects when it exits first). */
function ready(child, pattern) {
  return new Promise((resolve, reject) => {
    const onData = (chunk) => pattern.test(String(chunk)) && resolve();
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready`)));
  });
}

// The first replica runs the migrations; the others start once it listens.
const first = start('api1', 'dist/main.js', { PORT: String(firstPort) });
await ready(first, /listening on http/);
for (let n = 2; n <= apiCount; n++) start(`api${n}`, 'dist/main.js', { PORT: String(firstPort + n - 1) });
for (let n = 1; n <= workerCount; n++) start(`worker${n}`, 'dist/worker.js', {});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
  });
}
await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)))));

async function createDatabaseIfMissing(url) {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(name)}`);
  } catch (error) {
    console.error(`PostgreSQL at ${target.host}: ${error.message} (set DATABASE_URL)`);
    process.exit(1);
  } finally {
    await client.end().catch(() => undefined);
  }
}
