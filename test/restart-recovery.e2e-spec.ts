import { Injectable } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Agent, Capability, type TaskContext } from '../src/agents/index.js';
import type { Contract } from '../src/contracts/contract.model.js';
import { ContractRepository } from '../src/contracts/contract.repository.js';
import { makeRequest, makeResponse, nextTime } from '../src/contracts/testing/contract.fixtures.js';
import { startFakeAgent, type FakeAgent } from './fixtures/fake-remote-agent.js';
import { startServerProcess, type ServerProcess } from './utils/server-process.js';
import { dropTestDatabase } from './utils/test-database.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

/** Capabilities that may and may not run twice. */
@Injectable()
@Agent({ id: 'agent_recovery', name: 'Recovery Agent', description: 'Restart recovery tests' })
class RecoveryAgent {
  readonly runs: string[] = [];

  @Capability({ name: 'recovery.context', description: 'Answers with what it was given' })
  context(input: Record<string, unknown>, ctx: TaskContext) {
    this.runs.push(ctx.task_id);
    return { input, context: ctx.context, task_id: ctx.task_id, traceparent: ctx.traceparent };
  }

  @Capability({ name: 'recovery.once', description: 'Must never run twice for one task', resumable: false })
  once(_input: unknown, ctx: TaskContext) {
    this.runs.push(ctx.task_id);
    return { ran: true };
  }
}

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const LOST = 'the orchestrator stopped before the outcome of this attempt was recorded; the task runs again';
const INTERRUPTED = 'orchestrator restarted before the task finished';

describe('Restart recovery: REQUESTs a previous run left in_progress (SPEC §5)', () => {
  let dataDir: string;
  let t: TestApp | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-recovery-'));
  });
  afterEach(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await dropTestDatabase(dataDir);
  });

  const start = () => createTestApp({ env: { DATA_DIR: dataDir, TASK_MAX_ATTEMPTS: '3' }, providers: [RecoveryAgent] });
  const stored = async (id: string) => (await request(t!.server).get(`/v1/contracts/${id}`).expect(200)).body as Contract;
  const finished = (id: string) =>
    waitFor(async () => ((await stored(id)).status !== 'in_progress' ? stored(id) : undefined), `${id} to finish`);

  it('runs submitted tasks of resumable capabilities again, and fails the others with the interrupted error', async () => {
    // A previous run's store: the REQUESTs as recordRequest writes them, left in_progress by a crash.
    t = await start();
    const repo = t.app.get(ContractRepository);
    const submitted = (capability: string, metadata: Record<string, unknown> = {}, overrides: Partial<Contract> = {}) =>
      makeRequest({
        capability,
        to_agent: 'agent_recovery',
        payload: { text: capability },
        metadata: { traceparent: TRACEPARENT, submitted: true, ...metadata },
        ...overrides,
      });
    const resumed = submitted('recovery.context', { context: { lang: 'fr' } });
    const sync = makeRequest({ capability: 'recovery.context', to_agent: 'agent_recovery', metadata: { traceparent: TRACEPARENT } });
    const subTask = submitted('recovery.context', {}, { parent_contract_id: resumed.contract_id });
    const once = submitted('recovery.once');
    const gone = submitted('recovery.gone');
    const priorAttempt = { agent_id: 'agent_recovery', started_at: null, duration_ms: null, error: LOST };
    const exhausted = submitted('recovery.context', { attempts: [priorAttempt, priorAttempt] });
    const done = submitted('recovery.context');
    for (const contract of [resumed, sync, subTask, once, gone, exhausted, done]) await repo.insertRequest(contract, { outbox: false });
    await repo.completeRequest(
      done,
      { status: 'completed', result: { old: true }, error: null, completed_at: nextTime() },
      makeResponse(done),
      {
        outbox: false,
      },
    );
    await t.close({ keepData: true });

    t = await start();
    const agent = t.app.get(RecoveryAgent);

    const again = await finished(resumed.contract_id);
    expect(again).toMatchObject({ status: 'completed', error: null, to_agent: 'agent_recovery' });
    // Rebuilt from the REQUEST: parameters, context, trace context and task id.
    expect(again.result).toEqual({
      input: { text: 'recovery.context' },
      context: { lang: 'fr' },
      task_id: resumed.contract_id,
      traceparent: TRACEPARENT,
    });
    expect(again.metadata.attempts).toEqual([
      { agent_id: 'agent_recovery', started_at: null, duration_ms: null, error: LOST },
      { agent_id: 'agent_recovery', started_at: expect.any(String), duration_ms: expect.any(Number), error: null },
    ]);
    const tree = await request(t.server).get(`/v1/contracts/${resumed.contract_id}/tree`).expect(200);
    expect(JSON.stringify(tree.body).match(/"contract_type":"RESPONSE"/g)).toHaveLength(1);

    // Bounded by TASK_MAX_ATTEMPTS, the lost attempt included: failed without running.
    const capped = await finished(exhausted.contract_id);
    expect(capped).toMatchObject({
      status: 'failed',
      error: 'The task was not run again: it already made 3 attempts (TASK_MAX_ATTEMPTS=3)',
    });
    expect(capped.metadata.attempts).toEqual([priorAttempt, priorAttempt, priorAttempt]);

    // Failed before the server answers anything: a sync task, a sub-task, an opted-out and an unknown capability.
    for (const { contract_id } of [sync, subTask, once, gone]) {
      expect(await stored(contract_id)).toMatchObject({ status: 'failed', error: INTERRUPTED });
    }
    expect(await stored(done.contract_id)).toMatchObject({ status: 'completed', result: { old: true } });
    expect(agent.runs).toEqual([resumed.contract_id]);

    // The task API shows the task run again like any submitted task.
    const task = await request(t.server).get(`/v1/tasks/${resumed.contract_id}`).expect(200);
    expect(task.body).toMatchObject({ status: 'completed', result: again.result });
  });

  it('records submitted tasks as such, with their context, so that they can be run again', async () => {
    t = await start();
    const accepted = await request(t.server)
      .post('/v1/tasks')
      .send({ session_id: 'recorded', capability: 'recovery.context', parameters: { n: 1 }, context: { user: 'u1' } })
      .expect(202);
    const syncAnswer = await request(t.server)
      .post('/v1/orchestrate')
      .send({ session_id: 'recorded', capability: 'recovery.context', parameters: { n: 2 } })
      .expect(200);
    const submitted = await finished(accepted.body.task_id as string);
    expect(submitted.metadata).toMatchObject({ submitted: true, context: { user: 'u1' } });
    const sync = await stored(syncAnswer.body.contract_id as string);
    expect(sync.metadata).not.toHaveProperty('submitted');
    expect(sync.metadata).not.toHaveProperty('context');
  });
});

interface Attempt {
  agent_id: string;
  started_at: string | null;
  duration_ms: number | null;
  error: string | null;
}

describe('Restart recovery after kill -9 of the server process', () => {
  let dataDir: string;
  let agent: FakeAgent;
  let server: ServerProcess | undefined;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-resume-'));
    agent = await startFakeAgent({ capabilities: ['slow.work'] });
  });
  afterEach(async () => {
    if (server && server.child.exitCode === null) await server.kill9();
    await agent.close();
    rmSync(dataDir, { recursive: true, force: true });
    await dropTestDatabase(dataDir);
  });

  const start = async () => (server = await startServerProcess({ DATA_DIR: dataDir, TASK_MAX_ATTEMPTS: '3', TASK_TIMEOUT_MS: '120000' }));
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${server!.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const get = async <T = Record<string, unknown>>(path: string) => (await (await fetch(`${server!.url}${path}`)).json()) as T;
  const contract = (id: string) => get<Contract & { metadata: { attempts?: Attempt[] } }>(`/v1/contracts/${id}`);
  const finished = (id: string) =>
    waitFor(async () => ((await contract(id)).status !== 'in_progress' ? contract(id) : undefined), `${id} to finish`);
  const executionsOf = (id: string) => agent.executions.filter((call) => call.body.task_id === id).length;
  const submit = async (n: number) => {
    const accepted = await post('/v1/tasks', { session_id: 'resume', capability: 'slow.work', parameters: { n }, context: { caller: n } });
    expect(accepted.status).toBe(202);
    return accepted.body.task_id as string;
  };

  it('submitted tasks in flight finish once each after a restart; a sync task in flight fails', async () => {
    agent.behave({ kind: 'hold', until: new Promise(() => undefined) });
    await start();
    expect((await post('/v1/agents', agent.registration('agent_slow'))).status).toBe(201);
    const ids: string[] = [];
    for (let n = 0; n < 4; n++) ids.push(await submit(n));
    // A synchronous call in flight: its caller goes with the process.
    const sync = fetch(`${server!.url}/v1/orchestrate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: 'resume', capability: 'slow.work', parameters: { sync: true } }),
    }).catch(() => undefined);
    await waitFor(() => agent.executions.length === 5, 'every task to reach the agent');
    const syncId = agent.executions.find((call) => call.body.parameters.sync === true)!.body.task_id;
    await server!.kill9();
    await sync;

    agent.behave({ kind: 'answer' });
    await start();
    for (const id of ids) {
      const request = await finished(id);
      expect(request).toMatchObject({ status: 'completed', error: null, to_agent: 'agent_slow' });
      expect(request.metadata.attempts).toEqual([
        { agent_id: 'agent_slow', started_at: null, duration_ms: null, error: LOST },
        { agent_id: 'agent_slow', started_at: expect.any(String), duration_ms: expect.any(Number), error: null },
      ]);
      expect(executionsOf(id)).toBe(2);
      const responses = (await get(`/v1/contracts?contract_type=RESPONSE&session_id=resume&limit=1000`)).contracts as Contract[];
      expect(responses.filter((c) => c.parent_contract_id === id)).toHaveLength(1);
      expect(await get(`/v1/tasks/${id}`)).toMatchObject({ status: 'completed' });
    }
    // Run again with its parameters and context.
    const rerun = agent.executions.filter((call) => call.body.task_id === ids[1]);
    expect(rerun[1]!.body).toMatchObject({ parameters: { n: 1 }, context: { caller: 1 } });
    expect(await contract(syncId)).toMatchObject({ status: 'failed', error: INTERRUPTED });
    expect(executionsOf(syncId)).toBe(1);
    expect(server!.output()).toContain('Closed 1 REQUEST contract left in_progress by a previous run as failed');
    expect(server!.output()).toContain('Running 4 submitted tasks left in_progress by a previous run again');
    expect(await server!.stop()).toBe(0);
  }, 120_000);

  it('a task killed with the process again and again stops at TASK_MAX_ATTEMPTS', async () => {
    agent.behave({ kind: 'hold', until: new Promise(() => undefined) });
    await start();
    expect((await post('/v1/agents', agent.registration('agent_slow'))).status).toBe(201);
    const id = await submit(0);
    for (let run = 1; run <= 3; run++) {
      await waitFor(() => executionsOf(id) === run, `attempt ${run} to reach the agent`);
      await server!.kill9();
      await start();
    }
    const request = await finished(id);
    expect(request).toMatchObject({
      status: 'failed',
      error: 'The task was not run again: it already made 3 attempts (TASK_MAX_ATTEMPTS=3)',
    });
    expect(request.metadata.attempts).toEqual(
      Array.from({ length: 3 }, () => ({ agent_id: 'agent_slow', started_at: null, duration_ms: null, error: LOST })),
    );
    expect(executionsOf(id)).toBe(3);
    expect(await server!.stop()).toBe(0);
  }, 120_000);
});
