import { startFakeAgent, type FakeAgent } from '../../../test/fixtures/fake-remote-agent.js';
import { closedPortUrl, startServer } from '../../../test/utils/http-server.js';
import { AgentTransportError } from '../errors/agent-transport.error.js';
import { AgentTargetPolicy } from '../targets/agent-target.policy.js';
import { HttpAgentClient, isExecuteReply } from './http-agent.client.js';
import { RemoteAgentSockets } from './remote-agent-sockets.js';
import { rejection } from '../../common/testing/rejection.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('HttpAgentClient (real HTTP server)', () => {
  let agent: FakeAgent;
  const sockets = new RemoteAgentSockets(new AgentTargetPolicy({ allowedHosts: null }));
  const client = new HttpAgentClient(sockets);
  const task = { task_id: 'T1', session_id: 's1', capability: 'remote.echo', parameters: { text: 'hi' }, context: { k: 1 } };
  const execute = (signal = new AbortController().signal) => client.execute('agent_x', agent.url, task, TRACEPARENT, signal);

  beforeAll(async () => {
    agent = await startFakeAgent();
  });
  afterAll(async () => {
    sockets.onApplicationShutdown();
    await agent.close();
  });
  afterEach(() => agent.reset());

  it('POSTs the task with the traceparent header and resolves with data', async () => {
    await expect(execute()).resolves.toEqual({ echo: { text: 'hi' }, capability: 'remote.echo' });
    const call = agent.executions.at(-1)!;
    expect(call.body).toEqual(task);
    expect(call.headers.traceparent).toBe(TRACEPARENT);
  });

  it('success:false is a plain Error (a failed task), not a transport error', async () => {
    agent.behave({ kind: 'fail', error: 'nope' });
    const error = await rejection(execute());
    expect(error).not.toBeInstanceOf(AgentTransportError);
    expect(error.message).toBe('nope');
  });

  it.each<[string, Parameters<FakeAgent['behave']>[0], RegExp]>([
    [
      'a 503',
      { kind: 'status', status: 503, body: 'overloaded' },
      /^agent agent_x answered 503 from POST http:\/\/127\.0\.0\.1:\d+\/execute: overloaded$/,
    ],
    ['HTML', { kind: 'garbage' }, /^agent agent_x sent a reply that is not \{success, data\?, error\?\}: <!DOCTYPE html>/],
    ['an array', { kind: 'wrong-shape', body: [true] }, /not \{success, data\?, error\?\}: \[true\]$/],
    [
      'a hang-up',
      { kind: 'die' },
      /^agent agent_x could not be reached at POST .*: the connection was closed before a reply \(socket hang up\)$/,
    ],
  ])('%s is an AgentTransportError', async (_, behaviour, message) => {
    agent.behave(behaviour);
    const error = await rejection(execute());
    expect(error).toBeInstanceOf(AgentTransportError);
    expect(error.message).toMatch(message);
  });

  it('connection refused is an AgentTransportError', async () => {
    const url = await closedPortUrl();
    const error = await rejection(client.execute('agent_x', url, task, TRACEPARENT, new AbortController().signal));
    expect(error).toBeInstanceOf(AgentTransportError);
    expect(error.message).toBe(`agent agent_x could not be reached at POST ${url}/execute: connection refused (ECONNREFUSED)`);
  });

  it('aborting the signal aborts the call and rejects with its reason', async () => {
    agent.behave({ kind: 'slow', delayMs: 30_000 });
    const controller = new AbortController();
    const reason = new Error('cancelled by test');
    const before = agent.executions.length;
    const pending = execute(controller.signal);
    await until(() => agent.executions.length > before);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await until(() => agent.executions[before]!.aborted);
  });

  it('an already aborted signal rejects without calling the agent', async () => {
    const before = agent.executions.length;
    const reason = new Error('too late');
    await expect(execute(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(agent.executions.length).toBe(before);
  });

  it('checkHealth: 2xx passes; a non-2xx, a refused connection and a timeout fail with a reason', async () => {
    await expect(client.checkHealth(agent.url, 1000)).resolves.toEqual({ ok: true, url: `${agent.url}/health` });
    agent.healthy = false;
    await expect(client.checkHealth(agent.url, 1000)).resolves.toEqual({ ok: false, url: `${agent.url}/health`, reason: 'answered 503' });
    const closed = await closedPortUrl();
    await expect(client.checkHealth(closed, 1000)).resolves.toMatchObject({
      ok: false,
      reason: 'failed: connection refused (ECONNREFUSED)',
    });
    const silent = await startServer(() => undefined);
    try {
      await expect(client.checkHealth(silent.url, 100)).resolves.toMatchObject({ ok: false, reason: 'timed out after 100 ms' });
    } finally {
      await silent.close();
    }
  });

  it('checkHealth: a body longer than it reads fails, naming the limit', async () => {
    const chatty = await startServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(128 * 1024));
    });
    try {
      await expect(client.checkHealth(chatty.url, 1000)).resolves.toEqual({
        ok: false,
        url: `${chatty.url}/health`,
        reason: 'failed: the reply is larger than 65536 bytes',
      });
    } finally {
      await chatty.close();
    }
  });

  it('isExecuteReply', () => {
    expect(isExecuteReply({ success: true })).toBe(true);
    expect(isExecuteReply({ success: true, data: null, error: null, extra: 1 })).toBe(true);
    expect(isExecuteReply({ success: false, error: 'x' })).toBe(true);
    expect(isExecuteReply({ success: true, data: 'x' })).toBe(false);
    expect(isExecuteReply({ success: false, error: 5 })).toBe(false);
    expect(isExecuteReply({ data: {} })).toBe(false);
    expect(isExecuteReply(null)).toBe(false);
  });
});
