import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Role, TaskState, type Message, type Part, type StreamResponse, type Task } from '@a2a-js/sdk';
import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client,
} from '@a2a-js/sdk/client';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { gates, ProgressAgent } from './fixtures/coordination-agents.js';
import { MathAgent } from './fixtures/test-agents.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

async function listen(server: Server): Promise<string> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * An A2A client of the SDK for the orchestrator at `baseUrl`, sending `key` as a bearer token when
 * given; over JSON-RPC, or over the HTTP+JSON binding with `binding: 'rest'`.
 */
function a2aClient(baseUrl: string, key?: string, binding: 'jsonrpc' | 'rest' = 'jsonrpc'): Promise<Client> {
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    new Headers(init?.headers).forEach((value, name) => headers.set(name, value));
    if (key) headers.set('authorization', `Bearer ${key}`);
    return fetch(input, { ...init, headers });
  };
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [binding === 'rest' ? new RestTransportFactory({ fetchImpl }) : new JsonRpcTransportFactory({ fetchImpl })],
      preferredTransports: [binding === 'rest' ? 'HTTP+JSON' : 'JSONRPC'],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
    }),
  );
  return factory.createFromUrl(baseUrl);
}

const data = (value: unknown): Part => ({
  content: { $case: 'data', value },
  metadata: undefined,
  filename: '',
  mediaType: 'application/json',
});
const text = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' });

function message(parts: Part[], options: { contextId?: string; metadata?: Record<string, unknown> } = {}): Message {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    contextId: options.contextId ?? '',
    taskId: '',
    role: Role.ROLE_USER,
    parts,
    metadata: options.metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

const send = (parts: Part[], options: { contextId?: string; metadata?: Record<string, unknown>; returnImmediately?: boolean } = {}) => ({
  tenant: '',
  message: message(parts, options),
  configuration: options.returnImmediately
    ? { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: true }
    : undefined,
  metadata: undefined,
});

function asTask(result: unknown): Task {
  expect(result).toHaveProperty('status');
  return result as Task;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

describe('The orchestrator as an A2A agent (without API keys)', () => {
  let t: TestApp;
  let baseUrl: string;
  let client: Client;

  beforeAll(async () => {
    t = await createTestApp({ providers: [MathAgent, ProgressAgent], env: { TASK_TIMEOUT_MS: '20000' } });
    baseUrl = await listen(t.server);
    client = await a2aClient(baseUrl);
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves an agent card with one skill per capability and JSON-RPC at /a2a', async () => {
    const res = await request(t.server).get('/.well-known/agent-card.json').set('A2A-Version', '1.0').expect(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toMatchObject({
      name: 'Agent Orchestrator',
      capabilities: { streaming: true },
      supportedInterfaces: expect.arrayContaining([
        expect.objectContaining({ protocolBinding: 'JSONRPC', protocolVersion: '1.0', url: expect.stringMatching(/\/a2a$/) }),
      ]),
    });
    const skills = res.body.skills as Array<{ id: string; description: string; tags: string[] }>;
    expect(skills.map((s) => s.id)).toEqual(expect.arrayContaining(['echo', 'uppercase', 'math.compute', 'progress.steps']));
    expect(skills.find((s) => s.id === 'math.compute')).toMatchObject({ description: 'Add or multiply two numbers', tags: ['agent_math'] });
    expect(res.body.securitySchemes ?? {}).toEqual({});
  });

  it('serves the HTTP+JSON binding too, through the SDK REST handler', async () => {
    const rest = await a2aClient(baseUrl, undefined, 'rest');
    const task = asTask(
      await rest.sendMessage(send([data({ capability: 'echo', parameters: { text: 'rest' } })], { contextId: 'a2a_rest' })),
    );
    expect(task.artifacts[0].parts[0].content).toEqual({ $case: 'data', value: { message: 'Echo: rest' } });
    expect((await rest.getTask({ tenant: '', id: task.id })).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const kinds: Array<string | undefined> = [];
    for await (const event of rest.sendMessageStream(send([data({ capability: 'uppercase', parameters: { text: 'r' } })]))) {
      kinds.push(event.payload?.$case);
    }
    expect(kinds[0]).toBe('task');
    expect(kinds.slice(-2)).toEqual(['artifactUpdate', 'statusUpdate']);
  });

  it('GET /v1 lists the protocol endpoints', async () => {
    const res = await request(t.server).get('/v1').expect(200);
    expect(res.body.endpoints).toMatchObject({ a2a_agent_card: '/.well-known/agent-card.json', a2a: '/a2a', mcp: '/mcp' });
  });

  it('serves a v0.3 card to a client that asks for no version', async () => {
    const res = await request(t.server).get('/.well-known/agent-card.json').expect(200);
    expect(res.body).toMatchObject({ protocolVersion: expect.stringMatching(/^0\.3/), url: expect.stringMatching(/\/a2a$/) });
  });

  it('answers a v0.3 client (no A2A-Version header) through the SDK compatibility layer', async () => {
    const res = await request(t.server)
      .post('/a2a')
      .send({
        jsonrpc: '2.0',
        id: 1,
        method: 'message/send',
        params: {
          message: {
            kind: 'message',
            messageId: 'legacy-1',
            role: 'user',
            contextId: 'a2a_legacy',
            parts: [{ kind: 'data', data: { capability: 'echo', parameters: { text: 'old' } } }],
          },
        },
      })
      .expect(200);
    expect(res.body.result).toMatchObject({
      kind: 'task',
      contextId: 'a2a_legacy',
      status: { state: 'completed' },
      artifacts: [{ parts: [{ kind: 'data', data: { message: 'Echo: old' } }] }],
    });
  });

  it('SendMessage runs the capability of the data part as an ordinary task', async () => {
    const task = asTask(
      await client.sendMessage(send([data({ capability: 'echo', parameters: { text: 'hi' } })], { contextId: 'a2a_send' })),
    );
    expect(task).toMatchObject({ contextId: 'a2a_send', status: { state: TaskState.TASK_STATE_COMPLETED } });
    expect(task.artifacts).toHaveLength(1);
    expect(task.artifacts[0].parts[0].content).toEqual({ $case: 'data', value: { message: 'Echo: hi' } });
    // The A2A task id is the REQUEST contract id: the task shows in /v1/tasks and in the contracts.
    const rest = await request(t.server).get(`/v1/tasks/${task.id}`).expect(200);
    expect(rest.body).toMatchObject({ session_id: 'a2a_send', capability: 'echo', status: 'completed', result: { message: 'Echo: hi' } });
    const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'a2a_send' }).expect(200);
    expect(contracts.body.contracts.map((c: { contract_type: string }) => c.contract_type)).toEqual(['REQUEST', 'RESPONSE']);
  });

  it('takes the capability from message metadata, and starts a new session without a context id', async () => {
    const task = asTask(await client.sendMessage(send([data({ a: 2, b: 3, op: 'mul' })], { metadata: { capability: 'math.compute' } })));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.contextId).toMatch(/^a2a-/);
    expect(task.artifacts[0].parts[0].content).toMatchObject({ $case: 'data', value: { value: 6 } });
  });

  it('a failing capability is a failed task with the error as status message', async () => {
    const task = asTask(await client.sendMessage(send([data({ capability: 'math.fail' })])));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(task.status?.message?.parts[0].content).toEqual({ $case: 'text', value: 'division by zero' });
    expect(task.artifacts).toEqual([]);
  });

  it('refuses an unknown capability, invalid parameters and a text-only message, writing nothing', async () => {
    const unknown = await rejection(client.sendMessage(send([data({ capability: 'teleport' })], { contextId: 'a2a_refused' })));
    expect(unknown.message).toContain("No agent provides capability 'teleport'");
    const invalid = await rejection(
      client.sendMessage(send([data({ capability: 'math.compute', parameters: { a: 'x' } })], { contextId: 'a2a_refused' })),
    );
    expect(invalid.message).toMatch(/Invalid parameters: .*a must be a number/);
    const textOnly = await rejection(client.sendMessage(send([text('hello')], { contextId: 'a2a_refused' })));
    expect(textOnly.message).toContain('A2A_DEFAULT_CAPABILITY is not set');
    await request(t.server).get('/v1/sessions/a2a_refused').expect(404);
  });

  it('SendStreamingMessage streams the task, its progress and its result', async () => {
    const events: StreamResponse[] = [];
    const stream = client.sendMessageStream(
      send([data({ capability: 'progress.steps', parameters: { gate: 'a2a-stream', steps: 2 } })], { contextId: 'a2a_stream' }),
    );
    for await (const event of stream) {
      events.push(event);
      const progress = events.filter((e) => e.payload?.$case === 'statusUpdate' && e.payload.value.metadata?.progress);
      if (progress.length === 2) gates.open('a2a-stream');
    }
    const kinds = events.map((e) => e.payload?.$case);
    expect(kinds[0]).toBe('task');
    expect(kinds.at(-2)).toBe('artifactUpdate');
    expect(kinds.at(-1)).toBe('statusUpdate');
    const progress = events
      .filter((e) => e.payload?.$case === 'statusUpdate' && e.payload.value.metadata?.progress)
      .map((e) => (e.payload?.$case === 'statusUpdate' ? e.payload.value.status?.message?.parts[0].content : undefined));
    expect(progress).toEqual([
      { $case: 'data', value: { step: 1 } },
      { $case: 'data', value: { step: 2 } },
      { $case: 'data', value: { step: 'last' } },
    ]);
    const last = events.at(-1)!.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const artifact = events.at(-2)!.payload;
    expect(artifact?.$case === 'artifactUpdate' && artifact.value.artifact?.parts[0].content).toEqual({
      $case: 'data',
      value: { steps: 2 },
    });
  });

  it('GetTask and ListTasks read the tasks from the contracts', async () => {
    const sent = asTask(
      await client.sendMessage(send([data({ capability: 'uppercase', parameters: { text: 'abc' } })], { contextId: 'a2a_list' })),
    );
    await client.sendMessage(send([data({ capability: 'math.fail' })], { contextId: 'a2a_list' }));
    const got = await client.getTask({ tenant: '', id: sent.id });
    expect(got).toMatchObject({ id: sent.id, contextId: 'a2a_list', status: { state: TaskState.TASK_STATE_COMPLETED } });
    expect(got.artifacts[0].parts[0].content).toEqual({ $case: 'data', value: { result: 'ABC' } });

    const listed = await client.listTasks({
      tenant: '',
      contextId: 'a2a_list',
      status: TaskState.TASK_STATE_UNSPECIFIED,
      pageToken: '',
      statusTimestampAfter: undefined,
    });
    expect(listed.totalSize).toBe(2);
    expect(listed.tasks.map((task) => task.status?.state)).toEqual([TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED]);
    expect(listed.tasks[0].artifacts).toEqual([]);

    const failed = await client.listTasks({
      tenant: '',
      contextId: 'a2a_list',
      status: TaskState.TASK_STATE_FAILED,
      pageSize: 1,
      pageToken: '',
      statusTimestampAfter: undefined,
      includeArtifacts: true,
    });
    expect(failed).toMatchObject({ totalSize: 1, nextPageToken: '' });

    const missing = await rejection(client.getTask({ tenant: '', id: '01JDQ3V6T4W5X6Y7Z8A9B0C1D2' }));
    expect(missing.message).toContain('not found');
  });

  it('CancelTask cancels a running task; SubscribeToTask follows one and refuses a finished one', async () => {
    const started = asTask(
      await client.sendMessage(send([data({ capability: 'math.slow' })], { contextId: 'a2a_cancel', returnImmediately: true })),
    );
    expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]).toContain(started.status?.state);

    const followed: StreamResponse[] = [];
    const following = (async () => {
      for await (const event of client.resubscribeTask({ tenant: '', id: started.id })) followed.push(event);
    })();

    const cancelled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await following;
    expect(followed[0].payload?.$case).toBe('task');
    const last = followed.at(-1)!.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_CANCELED);

    const rest = await request(t.server).get(`/v1/tasks/${started.id}`).expect(200);
    expect(rest.body.status).toBe('cancelled');
    // Cancelling a cancelled task answers the same again.
    expect((await client.cancelTask({ tenant: '', id: started.id, metadata: undefined })).status?.state).toBe(
      TaskState.TASK_STATE_CANCELED,
    );

    const done = asTask(await client.sendMessage(send([data({ capability: 'echo' })])));
    const notCancelable = await rejection(client.cancelTask({ tenant: '', id: done.id, metadata: undefined }));
    expect(notCancelable.message).toContain('already finished');
    const subscribeFinished = await rejection(
      (async () => {
        for await (const event of client.resubscribeTask({ tenant: '', id: done.id })) followed.push(event);
      })(),
    );
    expect(subscribeFinished.message).toContain('already finished');
  });
});

describe('The orchestrator as an A2A agent (with API keys)', () => {
  let t: TestApp;
  let baseUrl: string;
  const keys = { read: '', invoke: '' };

  beforeAll(async () => {
    t = await createTestApp({ env: { A2A_DEFAULT_CAPABILITY: 'uppercase' } });
    const service = t.app.get(ApiKeysService);
    keys.read = (await service.create('a2a-read', ['read'])).key;
    keys.invoke = (await service.create('a2a-invoke', ['invoke'])).key;
    baseUrl = await listen(t.server);
  });
  afterAll(async () => {
    await t.close();
  });

  it('the card is public and names the bearer scheme', async () => {
    const res = await request(t.server).get('/.well-known/agent-card.json').set('A2A-Version', '1.0').expect(200);
    expect(res.body.securitySchemes).toEqual({ bearer: { httpAuthSecurityScheme: expect.objectContaining({ scheme: 'bearer' }) } });
    expect(res.body.securityRequirements).toEqual([{ schemes: { bearer: {} } }]);
    const legacy = await request(t.server).get('/.well-known/agent-card.json').expect(200);
    expect(legacy.body.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
  });

  it('a missing or bad key is refused; the method decides between read and invoke', async () => {
    const anonymous = await a2aClient(baseUrl);
    expect((await rejection(anonymous.sendMessage(send([text('x')])))).message).toMatch(/401/);
    const bad = await a2aClient(baseUrl, 'ao_0000000000000000000000000000000000000000000000');
    expect((await rejection(bad.sendMessage(send([text('x')])))).message).toMatch(/401/);

    const invoker = await a2aClient(baseUrl, keys.invoke);
    // A text-only message goes to A2A_DEFAULT_CAPABILITY with {text}.
    const task = asTask(await invoker.sendMessage(send([text('shout')])));
    expect(task.artifacts[0].parts[0].content).toEqual({ $case: 'data', value: { result: 'SHOUT' } });
    expect((await rejection(invoker.getTask({ tenant: '', id: task.id }))).message).toMatch(/403/);

    const reader = await a2aClient(baseUrl, keys.read);
    expect((await reader.getTask({ tenant: '', id: task.id })).id).toBe(task.id);
    expect((await rejection(reader.sendMessage(send([text('x')])))).message).toMatch(/403/);
    expect((await rejection(reader.cancelTask({ tenant: '', id: task.id, metadata: undefined }))).message).toMatch(/403/);

    // The HTTP+JSON binding checks the same scopes per route.
    const restReader = await a2aClient(baseUrl, keys.read, 'rest');
    expect((await restReader.getTask({ tenant: '', id: task.id })).id).toBe(task.id);
    expect((await rejection(restReader.sendMessage(send([text('x')])))).message).toBe('HTTP error for /message:send: 403 Forbidden');
    const restInvoker = await a2aClient(baseUrl, keys.invoke, 'rest');
    expect(asTask(await restInvoker.sendMessage(send([text('rest')]))).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect((await rejection(restInvoker.getTask({ tenant: '', id: task.id }))).message).toMatch(
      /^HTTP error for \/tasks\/.*: 403 Forbidden$/,
    );
    expect((await rejection((await a2aClient(baseUrl, undefined, 'rest')).getTask({ tenant: '', id: task.id }))).message).toMatch(
      /401|key/i,
    );
  });
});
