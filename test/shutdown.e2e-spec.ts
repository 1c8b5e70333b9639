import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAgent, type FakeAgent } from './fixtures/fake-remote-agent.js';
import { runServerProcessUntilExit, startServerProcess, type ServerProcess } from './utils/server-process.js';
import { waitFor } from './utils/wait-for.js';

/**
 * Graceful shutdown of the built server (`node dist/main.js`) on SIGTERM: tasks in flight finish
 * within SHUTDOWN_TIMEOUT_MS or are cancelled, their callers are answered, new work is refused, the
 * process exits 0; a second signal exits at once. The slow tasks run on a remote HTTP agent (the
 * fake agent of test/fixtures) registered with the child server.
 */

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const CAPABILITY = 'remote.slow';

/** Sends `signal` to the child without waiting; resolves with its exit. */
function exitOf(server: ServerProcess): Promise<Exit> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    return Promise.resolve({ code: server.child.exitCode, signal: server.child.signalCode });
  }
  return new Promise((resolve) => server.child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function register(server: ServerProcess, agent: FakeAgent): Promise<void> {
  const res = await fetch(`${server.url}/v1/agents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(agent.registration('agent_slow')),
  });
  expect(res.status).toBe(201);
}

function orchestrate(server: ServerProcess, sessionId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return fetch(`${server.url}/v1/orchestrate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ session_id: sessionId, capability: CAPABILITY, parameters: { n: 1 } }),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** A new connection to the server: resolves with the status, or the connection error's code. */
function tryNewConnection(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}/v1/health`, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

/**
 * An orchestrate request whose headers (with `Expect: 100-continue`) reach the server now and
 * whose body is sent by `send()`: a request already under way when shutdown starts.
 */
async function requestUnderWay(url: string, body: object): Promise<{ send(): Promise<string> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const payload = JSON.stringify(body);
  let received = '';
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(
    `POST /v1/orchestrate HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nExpect: 100-continue\r\n\r\n`,
  );
  await waitFor(() => received.includes('100 Continue'), 'the server to accept the request headers');
  return {
    async send() {
      received = '';
      socket.write(payload);
      await waitFor(() => /\r\n\r\n[\s\S]*\}$/.test(received) || received.includes('\r\n0\r\n\r\n'), 'the answer');
      // Once answered, the server closes the connection (it is shutting down).
      await ended;
      return received;
    },
  };
}

describe('Graceful shutdown (SIGTERM/SIGINT)', () => {
  let dataDir: string;
  let agent: FakeAgent;
  let server: ServerProcess | undefined;

  const env = (extra: Record<string, string> = {}) => ({ DATA_DIR: dataDir, TRACE_URL: undefined, MEMAGENT_URL: undefined, ...extra });

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-shutdown-'));
    agent = await startFakeAgent({ capabilities: [CAPABILITY] });
  });
  afterEach(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill9();
    server = undefined;
    await agent.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lets a task in flight finish within SHUTDOWN_TIMEOUT_MS: its caller gets 200 completed, new work is refused, exit 0', async () => {
    server = await startServerProcess(env({ SHUTDOWN_TIMEOUT_MS: '60000' }));
    await register(server, agent);
    agent.behave({ kind: 'slow', delayMs: 1_500 });
    const underWay = await requestUnderWay(server.url, {
      session_id: 'shutdown_refused',
      capability: 'echo',
      parameters: { text: 'late' },
    });
    const answer = orchestrate(server, 'shutdown_drained');
    await waitFor(() => agent.executions.length === 1, 'the agent to receive the task');

    const exited = exitOf(server);
    server.child.kill('SIGTERM');
    await waitFor(() => server!.output().includes('SIGTERM: shutting down'), 'the shutdown to start');

    // No new connection is accepted, and a request already under way gets 503 with Retry-After.
    expect(await tryNewConnection(server.url)).toBe('ECONNREFUSED');
    const refused = await underWay.send();
    expect(refused).toMatch(/^HTTP\/1\.1 503 /);
    expect(refused).toMatch(/\r\nretry-after: \d+\r\n/i);
    expect(refused).toContain('"statusCode":503');

    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body).toMatchObject({ success: true, agent_id: 'agent_slow', error: null });
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(agent.executions[0].aborted).toBe(false);
    expect(server.output()).toMatch(/Tasks in flight: 1 finished, 0 cancelled/);
    expect(server.output()).toContain('Stopped');

    // The contracts were committed before the store closed; the refused request wrote nothing.
    server = await startServerProcess(env());
    const request = await getJson(`${server.url}/v1/contracts/${String(body.contract_id)}`);
    expect(request).toMatchObject({ contract_type: 'REQUEST', status: 'completed' });
    expect(await fetch(`${server.url}/v1/sessions/shutdown_refused`).then((r) => r.status)).toBe(404);
    await server.stop();
  });

  it('cancels what is still running after SHUTDOWN_TIMEOUT_MS: callers are answered, REQUESTs end cancelled, exit 0', async () => {
    server = await startServerProcess(env({ SHUTDOWN_TIMEOUT_MS: '300' }));
    await register(server, agent);
    agent.behave({ kind: 'slow', delayMs: 120_000 });
    const answer = orchestrate(server, 'shutdown_cancelled');
    const submitted = await fetch(`${server.url}/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: 'shutdown_cancelled', capability: CAPABILITY, parameters: { n: 2 } }),
    });
    expect(submitted.status).toBe(202);
    const { task_id: taskId } = (await submitted.json()) as { task_id: string };
    await waitFor(() => agent.executions.length === 2, 'the agent to receive both tasks');

    // Whether the server still ran when the agent saw each call go: checked at that moment, since the
    // server exits soon after it has aborted them.
    const runningAtAbort: boolean[] = [];
    for (const call of agent.executions) call.onAbort = () => runningAtAbort.push(server!.child.exitCode === null);
    const exited = exitOf(server);
    server.child.kill('SIGTERM');
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body).toMatchObject({ success: false, agent_id: 'agent_slow' });
    expect(String(body.error)).toMatch(/cancel/i);
    // The agent's calls were aborted by the orchestrator, while it still ran: not left running, and not
    // merely cut off when the process went away.
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(agent.executions.map((call) => call.aborted)).toEqual([true, true]);
    expect(runningAtAbort).toEqual([true, true]);
    expect(server.output()).toMatch(/Tasks in flight: 0 finished, 2 cancelled/);

    server = await startServerProcess(env());
    expect(await getJson(`${server.url}/v1/contracts/${String(body.contract_id)}`)).toMatchObject({
      contract_type: 'REQUEST',
      status: 'cancelled',
    });
    expect(await getJson(`${server.url}/v1/tasks/${taskId}`)).toMatchObject({ status: 'cancelled' });
    const conversation = await getJson(`${server.url}/v1/contracts?session_id=shutdown_cancelled&contract_type=RESPONSE`);
    expect(conversation.total).toBe(2);
    expect(await getJson(`${server.url}/v1/contracts?status=in_progress`)).toMatchObject({ total: 0 });
    await server.stop();
  });

  it('SIGINT is handled the same way', async () => {
    server = await startServerProcess(env());
    const exited = exitOf(server);
    server.child.kill('SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/SIGINT: shutting down/);
    expect(server.output()).toMatch(/Tasks in flight: 0 finished, 0 cancelled/);
  });

  it('a second signal exits at once (143 for SIGTERM); the unfinished task is closed as failed at the next start', async () => {
    server = await startServerProcess(env({ SHUTDOWN_TIMEOUT_MS: '600000' }));
    await register(server, agent);
    agent.behave({ kind: 'slow', delayMs: 600_000 });
    const answer = orchestrate(server, 'shutdown_forced').catch((error: unknown) => error);
    await waitFor(() => agent.executions.length === 1, 'the agent to receive the task');

    const exited = exitOf(server);
    server.child.kill('SIGTERM');
    await waitFor(() => server!.output().includes('SIGTERM: shutting down'), 'the shutdown to start');
    server.child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 143, signal: null });
    expect(server.output()).toMatch(/SIGTERM again: exiting now/);
    // The connection went away unanswered.
    const unanswered = await answer;
    expect(unanswered).not.toHaveProperty('status');
    expect(String(unanswered)).toMatch(/fetch failed|terminated|socket/i);

    server = await startServerProcess(env());
    const requests = (await getJson(`${server.url}/v1/contracts?session_id=shutdown_forced&contract_type=REQUEST`)) as {
      contracts: Array<Record<string, unknown>>;
    };
    expect(requests.contracts).toHaveLength(1);
    expect(requests.contracts[0]).toMatchObject({ status: 'failed' });
    await server.stop();
  });

  it.each(['-1', 'soon', '1.5'])('SHUTDOWN_TIMEOUT_MS=%s stops start-up naming it', async (value) => {
    const run = await runServerProcessUntilExit(env({ SHUTDOWN_TIMEOUT_MS: value }));
    expect(run.listened).toBe(false);
    expect(run.code).toBe(1);
    expect(run.output).toContain('SHUTDOWN_TIMEOUT_MS');
  });
});
