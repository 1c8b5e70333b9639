import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { json, startServer, type RealServer } from './utils/http-server.js';
import { ROOT, startServerProcess, type ServerProcess } from './utils/server-process.js';
import { waitFor } from './utils/wait-for.js';
import { describeSqliteOnly, TEST_STORE, testStoreEnv } from './utils/test-database.js';

type Json = Record<string, unknown>;

/**
 * A real remote agent whose `/execute` calls wait until the test releases them (or answer at once
 * while `holding` is false): the test decides how long a task runs, without timing anything.
 */
interface HeldAgent {
  server: RealServer;
  /** `/execute` calls received so far. */
  calls: number;
  /** Calls waiting for `release()`. */
  held: number;
  holding: boolean;
  release(): void;
}

async function startHeldAgent(): Promise<HeldAgent> {
  let waiting: Array<() => void> = [];
  const agent: HeldAgent = {
    server: undefined as unknown as RealServer,
    calls: 0,
    get held() {
      return waiting.length;
    },
    holding: true,
    release() {
      const now = waiting;
      waiting = [];
      for (const answer of now) answer();
    },
  };
  agent.server = await startServer(async (req, res) => {
    if (req.method === 'GET' && req.url === '/health') return json(res, 200, { status: 'ok' });
    if (req.method !== 'POST' || req.url !== '/execute') return json(res, 404, { detail: 'not found' });
    agent.calls += 1;
    if (agent.holding) await new Promise<void>((resolve) => waiting.push(resolve));
    if (!res.destroyed) json(res, 200, { success: true, data: { done: (req.json as Json).task_id } });
  });
  return agent;
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a built CLI (`dist/cli/<name>.js`) as its own process on `dataDir`. */
async function cli(name: string, dataDir: string, args: string[]): Promise<CliResult> {
  const store = await testStoreEnv(dataDir);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`dist/cli/${name}.js`, ...args],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...store } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface EventStream {
  status: number;
  events: Array<{ event: string; data: Json }>;
  /** True once the server ended the stream. */
  ended: boolean;
}

/** A real Server-Sent Events client (fetch) that collects `event` and JSON `data` until the server ends the stream. */
async function follow(url: string): Promise<EventStream> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
  const stream: EventStream = { status: res.status, events: [], ended: false };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length > 0) stream.events.push({ event, data: JSON.parse(data.join('\n')) as Json });
      }
    }
    stream.ended = true;
  })().catch(() => {
    stream.ended = true;
  });
  return stream;
}

describe('Task state belongs to the server (issue 11 §5, §10)', () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  const agents: HeldAgent[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    for (const agent of agents) {
      agent.holding = false;
      agent.release();
      await agent.server.close();
    }
    for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) await server.kill9();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** The built server on `dataDir` with a held remote agent for capability `slow.work`. */
  async function serverWithAgent(dataDir: string): Promise<{ server: ServerProcess; agent: HeldAgent; base: string }> {
    const agent = await startHeldAgent();
    agents.push(agent);
    const server = await startServerProcess({
      DATA_DIR: dataDir,
      TASK_TIMEOUT_MS: '600000',
      TRACE_URL: undefined,
      MEMAGENT_URL: undefined,
    });
    servers.push(server);
    const res = await post(server.url, '/v1/agents', {
      agent_id: 'agent_slow',
      name: 'Slow remote agent',
      endpoint: agent.server.url,
      capabilities: [{ name: 'slow.work', description: 'Answers when the test lets it' }],
    });
    expect(res.status).toBe(201);
    return { server, agent, base: server.url };
  }

  async function post(base: string, path: string, body: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function get(base: string, path: string): Promise<Json> {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  }

  it('the CLIs, run against the live data dir while a remote task runs, leave it running; it ends completed', async () => {
    const dataDir = tempDir('orchestrator-task-state-');
    const work = tempDir('orchestrator-task-state-out-');
    const { base, agent } = await serverWithAgent(dataDir);
    const submitted = await post(base, '/v1/tasks', { session_id: 'cli_beside_server', capability: 'slow.work', parameters: {} });
    expect(submitted.status).toBe(202);
    const taskId = submitted.body.task_id as string;
    await waitFor(() => agent.held === 1, 'the remote agent to hold the task');

    const stillRunning = async (after: string) => {
      expect({ after, status: (await get(base, `/v1/contracts/${taskId}`)).status }).toEqual({ after, status: 'in_progress' });
      expect({ after, status: (await get(base, `/v1/tasks/${taskId}`)).status }).toEqual({ after, status: 'working' });
    };

    const exported = join(work, 'export.ndjson');
    const exportRun = await cli('export-contracts', dataDir, ['--out', exported]);
    expect(exportRun).toMatchObject({ code: 0, stderr: '' });
    await stillRunning('contracts:export');

    const backupRun = await cli('backup-database', dataDir, [join(work, 'backup.db')]);
    // db:backup copies the SQLite file; on PostgreSQL it refuses, pointing at pg_dump.
    if (TEST_STORE === 'sqlite') expect(backupRun).toMatchObject({ code: 0 });
    else expect(backupRun).toMatchObject({ code: 2, stderr: expect.stringContaining('pg_dump') });
    await stillRunning('db:backup');

    const keysRun = await cli('keys', dataDir, ['list']);
    expect(keysRun).toMatchObject({ code: 0 });
    await stillRunning('keys list');

    // A small file: the running task's REQUEST as exported (already there, skipped) and one new contract.
    const running = JSON.parse(
      readFileSync(exported, 'utf8')
        .split('\n')
        .find((line) => line.includes(taskId))!,
    ) as Json;
    expect(running.status).toBe('in_progress');
    const other = {
      ...running,
      contract_id: ulid(),
      session_id: 'imported_beside_server',
      status: 'completed',
      completed_at: running.created_at,
      result: { imported: true },
    };
    const small = join(work, 'small.ndjson');
    writeFileSync(small, `${JSON.stringify(running)}\n${JSON.stringify(other)}\n`);
    const importRun = await cli('import-contracts', dataDir, [small]);
    expect(importRun).toMatchObject({ code: 0 });
    expect(importRun.stdout).toContain('imported 1 of 2 contracts');
    await stillRunning('contracts:import');

    agent.release();
    const done = await waitFor(async () => {
      const task = await get(base, `/v1/tasks/${taskId}`);
      return task.status === 'working' ? undefined : task;
    }, 'the task to finish');
    expect(done).toMatchObject({ status: 'completed', error: null, result: { done: taskId } });
    expect(await get(base, `/v1/contracts/${taskId}`)).toMatchObject({ status: 'completed', error: null });
  }, 180_000);

  describeSqliteOnly('with a second writer on orchestrator.db (SQLite store only: the test opens the file itself)', () => {
    it('a final state another writer recorded stands: the late outcome is not written and callers see the stored state', async () => {
      const dataDir = tempDir('orchestrator-task-state-');
      const { base, agent } = await serverWithAgent(dataDir);
      const submitted = await post(base, '/v1/tasks', { session_id: 'late_writer', capability: 'slow.work', parameters: {} });
      const taskId = submitted.body.task_id as string;
      const orchestrated = post(base, '/v1/orchestrate', { session_id: 'late_writer', capability: 'slow.work', parameters: {} });
      await waitFor(() => agent.held === 2, 'the remote agent to hold both tasks');
      const stream = await follow(`${base}/v1/tasks/${taskId}/events`);
      await waitFor(() => stream.events.length >= 1, 'the current state on the stream');

      // Another process closes every running REQUEST, as restart recovery in a CLI used to.
      const db = new Database(join(dataDir, 'orchestrator.db'));
      try {
        db.pragma('busy_timeout = 5000');
        const closed = db
          .prepare(
            "UPDATE contracts SET status = 'failed', error = 'closed elsewhere', completed_at = ? WHERE status = 'in_progress' AND contract_type = 'REQUEST'",
          )
          .run(new Date().toISOString());
        expect(closed.changes).toBe(2);
      } finally {
        db.close();
      }
      agent.release();

      const answer = await orchestrated;
      expect(answer).toMatchObject({ status: 200, body: { success: false, error: 'closed elsewhere', data: null } });
      await waitFor(() => stream.ended, 'the event stream to end');
      expect(stream.events.at(-1)).toMatchObject({
        event: 'state',
        data: { task_id: taskId, status: 'failed', error: 'closed elsewhere' },
      });
      for (const id of [taskId, answer.body.contract_id as string]) {
        expect(await get(base, `/v1/contracts/${id}`)).toMatchObject({ status: 'failed', error: 'closed elsewhere', result: null });
        const tree = await get(base, `/v1/contracts/${id}/tree`);
        expect(tree.response).toBeNull();
      }
    }, 180_000);

    it('when the store refuses to close a task: its event stream ends with an error event, orchestrate and cancel answer 503, and a restart runs it again', async () => {
      const dataDir = tempDir('orchestrator-task-state-');
      let { server, base, agent } = await serverWithAgent(dataDir);

      const submitted = await post(base, '/v1/tasks', { session_id: 'refused_close', capability: 'slow.work', parameters: {} });
      expect(submitted.status).toBe(202);
      const streamed = submitted.body.task_id as string;
      const toCancel = (await post(base, '/v1/tasks', { session_id: 'refused_close', capability: 'slow.work', parameters: {} })).body
        .task_id as string;
      await waitFor(() => agent.held === 2, 'the remote agent to hold both tasks');
      const stream = await follow(`${base}/v1/tasks/${streamed}/events`);
      expect(stream.status).toBe(200);
      await waitFor(() => stream.events.length >= 1, 'the current state on the stream');
      expect(stream.events[0]).toMatchObject({ event: 'state', data: { task_id: streamed, status: 'working' } });

      // The store refuses every UPDATE of a contract from now on, as a full disk would.
      const db = new Database(join(dataDir, 'orchestrator.db'));
      db.pragma('busy_timeout = 5000');
      db.exec("CREATE TRIGGER refuse_close BEFORE UPDATE ON contracts BEGIN SELECT RAISE(ABORT, 'disk full'); END");

      const orchestrated = post(base, '/v1/orchestrate', { session_id: 'refused_close', capability: 'slow.work', parameters: {} });
      await waitFor(() => agent.held === 3, 'the remote agent to hold the synchronous task');
      agent.release();

      await waitFor(() => stream.ended, 'the event stream to end');
      const last = stream.events.at(-1)!;
      expect(last).toMatchObject({ event: 'error', data: { task_id: streamed, error: expect.stringContaining('could not be recorded') } });
      expect(JSON.stringify(stream.events)).not.toContain('disk full');

      const answer = await orchestrated;
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ statusCode: 503, message: expect.stringContaining('could not be recorded') });

      // The second submitted task was released too; its outcome was refused the same way. A new one to cancel:
      const cancelled = (await post(base, '/v1/tasks', { session_id: 'refused_close', capability: 'slow.work', parameters: {} })).body
        .task_id as string;
      await waitFor(() => agent.held === 1, 'the remote agent to hold the task to cancel');
      const cancel = await post(base, `/v1/tasks/${cancelled}/cancel`, {});
      expect(cancel.status).toBe(503);
      expect(cancel.body.message).toEqual(expect.stringContaining('could not be recorded'));
      expect((await get(base, '/v1/health')).status).toBe('healthy');

      // A store that refuses the REQUEST too: nothing runs, the caller gets 503 at once.
      db.exec("CREATE TRIGGER refuse_request BEFORE INSERT ON contracts BEGIN SELECT RAISE(ABORT, 'disk full'); END");
      const calls = agent.calls;
      for (const path of ['/v1/orchestrate', '/v1/tasks']) {
        const refused = await post(base, path, { session_id: 'refused_request', capability: 'slow.work', parameters: {} });
        expect({ path, status: refused.status, message: refused.body.message }).toEqual({
          path,
          status: 503,
          message: 'The task could not be recorded: the contract store refused the write; try again later',
        });
      }
      expect(agent.calls).toBe(calls);
      db.exec('DROP TRIGGER refuse_request');

      db.exec('DROP TRIGGER refuse_close');
      db.close();
      agent.holding = false;
      const after = await post(base, '/v1/orchestrate', { session_id: 'refused_close', capability: 'slow.work', parameters: {} });
      expect(after).toMatchObject({ status: 200, body: { success: true } });

      // The refused tasks stay in_progress in the store until the next start, which runs them again
      // (submitted tasks run at least once).
      for (const id of [streamed, toCancel, cancelled]) expect((await get(base, `/v1/contracts/${id}`)).status).toBe('in_progress');
      expect(await server.stop()).toBe(0);
      server = await startServerProcess({ DATA_DIR: dataDir, TRACE_URL: undefined, MEMAGENT_URL: undefined });
      servers.push(server);
      base = server.url;
      for (const id of [streamed, toCancel, cancelled]) {
        const request = await waitFor(async () => {
          const stored = await get(base, `/v1/contracts/${id}`);
          return stored.status === 'in_progress' ? undefined : stored;
        }, `task ${id} to run again`);
        expect(request).toMatchObject({ status: 'completed', error: null });
        expect((request.metadata as Json).attempts).toEqual([
          {
            agent_id: 'agent_slow',
            started_at: null,
            duration_ms: null,
            error: 'the orchestrator stopped before the outcome of this attempt was recorded; the task runs again',
          },
          { agent_id: 'agent_slow', started_at: expect.any(String), duration_ms: expect.any(Number), error: null },
        ]);
      }
    }, 180_000);
  });
});
