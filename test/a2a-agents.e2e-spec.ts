import { rmSync } from 'node:fs';
import request from 'supertest';
import { A2aAgentFactory, cardCandidates } from '../src/agents/a2a/a2a-agent.factory.js';
import type { A2aResultData } from '../src/agents/a2a/a2a-result.js';
import { A2aCardError } from '../src/agents/errors/a2a-card.error.js';
import { AgentTransportError } from '../src/agents/errors/agent-transport.error.js';
import type { AgentDefinition } from '../src/agents/interfaces/registered-agent.interface.js';
import type { TaskContext } from '../src/agents/interfaces/task-context.interface.js';
import { AgentTargetPolicy } from '../src/agents/targets/agent-target.policy.js';
import { FIXTURE_FAILURE, minimalV1Card, startA2aServer, type A2aTestServer } from './fixtures/a2a-server.js';
import { closedPortUrl, json, startServer, type RealServer } from './utils/http-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** What the fixture server's card says about its agent, and the capabilities its skills become. */
const FIXTURE_AGENT = {
  agent_id: 'fixture-agent',
  name: 'Fixture Agent',
  description: 'A2A agent of the e2e tests',
  version: '3.2.1',
  kind: 'a2a',
};
const SKILL_CAPABILITIES = ['echo_data', 'shout_text', 'fail', 'slow', 'reply', 'ask'];

function context(capability: string, signal: AbortSignal = new AbortController().signal): TaskContext {
  return {
    task_id: '01JTASK0000000000000000000',
    session_id: 'a2a_session',
    capability,
    context: {},
    agent_id: 'fixture-agent',
    traceparent: TRACEPARENT,
    signal,
    progress: () => undefined,
    delegate: () => Promise.reject(new Error('no delegation in this test')),
  };
}

async function cardError(promise: Promise<unknown>): Promise<A2aCardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(A2aCardError);
  return error as A2aCardError;
}

describe('A2A agents: A2aAgentFactory against a real @a2a-js/sdk server', () => {
  const factory = new A2aAgentFactory(new AgentTargetPolicy({ allowedHosts: null }));
  let agent: A2aTestServer;
  let definition: AgentDefinition;

  beforeAll(async () => {
    agent = await startA2aServer();
    const { card, cardUrl } = await factory.fetchCard(agent.url);
    definition = factory.create(card, cardUrl, {});
  });

  afterAll(async () => {
    await agent.close();
  });

  describe('fetchCard', () => {
    it('takes the card URL itself', async () => {
      const fetched = await factory.fetchCard(agent.cardUrl);
      expect(fetched.cardUrl).toBe(agent.cardUrl);
      expect(fetched.card).toMatchObject({ name: 'Fixture Agent', version: '3.2.1' });
    });

    it('takes the base URL and finds /.well-known/agent-card.json', async () => {
      const fetched = await factory.fetchCard(`${agent.url}/`);
      expect(fetched.cardUrl).toBe(`${agent.url}/.well-known/agent-card.json`);
    });

    it('falls back to the v0.3 /.well-known/agent.json', async () => {
      const legacy = await startA2aServer({ card: 'legacy' });
      try {
        const fetched = await factory.fetchCard(legacy.url);
        expect(fetched.cardUrl).toBe(`${legacy.url}/.well-known/agent.json`);
        expect(fetched.card).toMatchObject({ protocolVersion: '0.3.0', url: legacy.endpoint });
      } finally {
        await legacy.close();
      }
    });

    it('looks below the base path first, then at the root', () => {
      expect(cardCandidates('http://h:1/agents/x')).toEqual([
        'http://h:1/agents/x/.well-known/agent-card.json',
        'http://h:1/agents/x/.well-known/agent.json',
        'http://h:1/.well-known/agent-card.json',
        'http://h:1/.well-known/agent.json',
      ]);
      expect(cardCandidates('https://h/cards/a.json?v=2#top')).toEqual(['https://h/cards/a.json?v=2']);
    });

    it('rejects a URL that is not http(s)', async () => {
      expect((await cardError(factory.fetchCard('ftp://example.com/card.json'))).reason).toBe('invalid_url');
      expect((await cardError(factory.fetchCard('not a url'))).reason).toBe('invalid_url');
    });

    it('reports an unreachable host', async () => {
      const url = await closedPortUrl();
      const error = await cardError(factory.fetchCard(url));
      expect(error.reason).toBe('unreachable');
      expect(error.isUrlProblem).toBe(true);
      expect(error.message).toContain('ECONNREFUSED');
    });

    describe('against documents that are not usable cards', () => {
      let docs: RealServer;
      const endpoint = 'http://127.0.0.1:1/a2a';
      const v1 = (extra: Record<string, unknown>) => ({
        name: 'Doc Agent',
        supportedInterfaces: [{ url: endpoint, protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' }],
        skills: [{ id: 's', name: 'S', description: '', tags: [] }],
        ...extra,
      });
      const documents: Record<string, unknown> = {
        '/array.json': [1, 2],
        '/nameless.json': v1({ name: '' }),
        '/no-endpoint.json': { name: 'X', skills: [{ id: 's' }] },
        '/no-skills.json': v1({ skills: [] }),
        '/bad-skill.json': v1({ skills: [{ name: 'no id' }] }),
        '/grpc.json': v1({ supportedInterfaces: [{ url: 'localhost:5000', protocolBinding: 'GRPC', protocolVersion: '1.0', tenant: '' }] }),
        '/relative.json': v1({ supportedInterfaces: [{ url: '/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' }] }),
      };

      beforeAll(async () => {
        docs = await startServer((req, res) => {
          if (req.url === '/html.json') {
            res.writeHead(200, { 'content-type': 'text/html' });
            res.end('<html>hello</html>');
          } else if (req.url in documents) json(res, 200, documents[req.url]);
          else json(res, 404, { error: 'not found' });
        });
      });

      afterAll(async () => {
        await docs.close();
      });

      it.each([
        ['/html.json', 'not_json'],
        ['/array.json', 'not_a_card'],
        ['/nameless.json', 'not_a_card'],
        ['/no-endpoint.json', 'not_a_card'],
        ['/no-skills.json', 'no_skills'],
        ['/bad-skill.json', 'not_a_card'],
        ['/grpc.json', 'unsupported_transport'],
        ['/relative.json', 'not_a_card'],
        ['/missing.json', 'unreachable'],
      ])('%s → %s', async (path, reason) => {
        const error = await cardError(factory.fetchCard(`${docs.url}${path}`));
        expect(error.reason).toBe(reason);
        expect(error.message).toContain(docs.url);
      });

      it('reports every place it looked when a base URL has no card', async () => {
        const error = await cardError(factory.fetchCard(`${docs.url}/nothing`));
        expect(error.reason).toBe('unreachable');
        expect(error.message).toContain('/nothing/.well-known/agent-card.json answered 404');
        expect(error.message).toContain(`${docs.url}/.well-known/agent.json answered 404`);
      });
    });
  });

  describe('create', () => {
    it('maps the card to an a2a agent and each skill to a capability', () => {
      expect(definition).toMatchObject({ ...FIXTURE_AGENT, endpoint: agent.endpoint, max_concurrency: null });
      expect([...definition.capabilities.keys()]).toEqual(SKILL_CAPABILITIES);
      expect(definition.capabilities.get('shout_text')).toMatchObject({
        name: 'shout_text',
        description: 'Upper-cases data.text',
        parameters: {},
        input_schema: {},
      });
    });

    it('takes agent_id and max_concurrency from the options', async () => {
      const { card, cardUrl } = await factory.fetchCard(agent.url);
      expect(factory.create(card, cardUrl, { agent_id: 'my.agent', max_concurrency: 2 })).toMatchObject({
        agent_id: 'my.agent',
        max_concurrency: 2,
      });
    });

    it('accepts any object as parameters', async () => {
      await expect(definition.capabilities.get('echo_data')!.validate({ anything: [1, { deep: true }] })).resolves.toEqual({
        ok: true,
        value: { anything: [1, { deep: true }] },
      });
    });
  });

  describe('execute over the stream', () => {
    it('sends one message (skill text, data part, metadata, session context) and maps the artifacts', async () => {
      const before = agent.received.length;
      const result = (await definition.execute('echo_data', { a: 1, nested: { b: [true] } }, context('echo_data'))) as A2aResultData;

      expect(result).toMatchObject({
        text: 'echoed',
        data: { a: 1, nested: { b: [true] } },
        message: null,
        a2a: { state: 'completed', context_id: 'a2a_session' },
      });
      expect(result.artifacts).toEqual([
        {
          artifact_id: 'echo',
          name: 'echo',
          description: 'what was sent',
          parts: [
            { kind: 'text', text: 'echoed' },
            { kind: 'data', data: { a: 1, nested: { b: [true] } } },
          ],
        },
      ]);

      const received = agent.received.slice(before);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        skillId: 'echo_data',
        metadata: {
          skill_id: 'echo_data',
          capability: 'echo_data',
          orchestrator_task_id: '01JTASK0000000000000000000',
          session_id: 'a2a_session',
        },
        contextId: 'a2a_session',
        data: [{ a: 1, nested: { b: [true] } }],
      });
      expect(received[0]!.texts[0]).toContain('echo_data');
      expect(result.a2a.task_id).toBe(received[0]!.taskId);
    });

    it('forwards the traceparent header', async () => {
      const before = agent.headers.length;
      await definition.execute('shout_text', { text: 'hi' }, context('shout_text'));
      const sent = agent.headers.slice(before);
      expect(sent.length).toBeGreaterThan(0);
      for (const headers of sent) expect(headers.traceparent).toBe(TRACEPARENT);
    });

    it('runs a skill whose id is not a capability name under its mapped name', async () => {
      await expect(definition.execute('shout_text', { text: 'quiet' }, context('shout_text'))).resolves.toMatchObject({
        text: 'QUIET',
        data: null,
      });
      expect(agent.received.at(-1)?.skillId).toBe('Shout Text');
    });

    it('takes a message reply as the result', async () => {
      await expect(definition.execute('reply', {}, context('reply'))).resolves.toMatchObject({
        text: 'hello from the agent',
        data: { replied: true },
        artifacts: [],
        a2a: { task_id: null, state: 'message' },
      });
    });

    it('turns a failed task into a task failure with the agent message (not a transport error)', async () => {
      const error = await definition.execute('fail', {}, context('fail')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(AgentTransportError);
      expect((error as Error).message).toBe(FIXTURE_FAILURE);
    });

    it('fails a task that needs input, and cancels it at the agent', async () => {
      const error = (await definition.execute('ask', {}, context('ask')).catch((e: unknown) => e)) as Error;
      expect(error).not.toBeInstanceOf(AgentTransportError);
      expect(error.message).toBe('A2A agent fixture-agent needs input to continue: which currency?; the orchestrator cannot provide it.');
      const taskId = agent.received.at(-1)!.taskId;
      await waitFor(() => agent.cancelled.includes(taskId), 'the cancel of the input-required task');
    });

    it('cancels the A2A task and rejects with the abort reason when the signal fires', async () => {
      const controller = new AbortController();
      const running = definition.execute('slow', {}, context('slow', controller.signal));
      await waitFor(() => agent.running() > 0, 'the slow task to start');
      const taskId = agent.received.at(-1)!.taskId;
      const reason = new Error('task cancelled by the caller');
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      await waitFor(() => agent.cancelled.includes(taskId), 'the cancel to reach the agent');
      await waitFor(() => agent.running() === 0, 'the slow task to stop');
    });

    it('rejects at once with the reason when the signal has fired already', async () => {
      const controller = new AbortController();
      const reason = new Error('already cancelled');
      controller.abort(reason);
      const before = agent.received.length;
      await expect(definition.execute('echo_data', {}, context('echo_data', controller.signal))).rejects.toBe(reason);
      expect(agent.received.length).toBe(before);
    });
  });

  describe('execute without streaming (polling) and against a v0.3 agent', () => {
    it.each([
      ['a v1.0 agent without streaming', { streaming: false }],
      ['a v0.3 agent with streaming', { card: 'legacy' as const }],
      ['a v0.3 agent without streaming', { card: 'legacy' as const, streaming: false }],
    ])('%s: results, failures and cancel', async (_label, options) => {
      const other = await startA2aServer({ name: 'Other Agent', ...options });
      try {
        const { card, cardUrl } = await factory.fetchCard(other.url);
        const def = factory.create(card, cardUrl);
        expect(def).toMatchObject({ agent_id: 'other-agent', kind: 'a2a', endpoint: other.endpoint, version: '3.2.1' });

        await expect(def.execute('echo_data', { x: 'y' }, context('echo_data'))).resolves.toMatchObject({
          text: 'echoed',
          data: { x: 'y' },
          a2a: { state: 'completed', context_id: 'a2a_session' },
        });
        expect(other.received.at(-1)).toMatchObject({ skillId: 'echo_data', contextId: 'a2a_session', data: [{ x: 'y' }] });
        await expect(def.execute('reply', {}, context('reply'))).resolves.toMatchObject({
          text: 'hello from the agent',
          a2a: { state: 'message' },
        });
        await expect(def.execute('fail', {}, context('fail'))).rejects.toThrow(FIXTURE_FAILURE);

        // Aborted before the agent has even told the task id: the task is still cancelled once it has.
        const controller = new AbortController();
        const before = other.received.length;
        const running = def.execute('slow', {}, context('slow', controller.signal));
        controller.abort(new Error('stop'));
        await expect(running).rejects.toThrow('stop');
        await waitFor(() => other.received.length > before, 'the slow task to reach the agent');
        const taskId = other.received.at(-1)!.taskId;
        await waitFor(() => other.cancelled.includes(taskId), 'the cancel to reach the agent');
        await waitFor(() => other.running() === 0, 'the slow task to stop');
      } finally {
        await other.close();
      }
    });
  });

  describe('transport failures', () => {
    it('is an AgentTransportError when the agent is gone', async () => {
      const gone = await startA2aServer({ name: 'Gone Agent' });
      const { card, cardUrl } = await factory.fetchCard(gone.url);
      const def = factory.create(card, cardUrl);
      await gone.close();
      const error = (await def.execute('echo_data', {}, context('echo_data')).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(AgentTransportError);
      expect(error.message).toContain('A2A agent gone-agent at');
      expect(error.message).toContain('ECONNREFUSED');
    });

    it('is an AgentTransportError when the endpoint answers garbage', async () => {
      const garbage = await startServer((req, res) => {
        if (req.method === 'GET') return json(res, 200, { ...minimalV1Card(garbage.url), name: 'Garbage Agent' });
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('data: {"not":"json-rpc"}\n\n');
      });
      try {
        const { card, cardUrl } = await factory.fetchCard(garbage.url);
        const def = factory.create(card, cardUrl);
        await expect(def.execute('s', {}, context('s'))).rejects.toBeInstanceOf(AgentTransportError);
      } finally {
        await garbage.close();
      }
    });

    it('is an AgentTransportError on a non-2xx answer', async () => {
      const failing = await startServer((req, res) => {
        if (req.method === 'GET') return json(res, 200, { ...minimalV1Card(failing.url), capabilities: { streaming: false } });
        json(res, 503, { error: 'overloaded' });
      });
      try {
        const { card, cardUrl } = await factory.fetchCard(failing.url);
        const error = (await factory
          .create(card, cardUrl)
          .execute('s', {}, context('s'))
          .catch((e: unknown) => e)) as Error;
        expect(error).toBeInstanceOf(AgentTransportError);
        expect(error.message).toContain('503');
      } finally {
        await failing.close();
      }
    });
  });
});

interface AgentMetadata {
  agent_id: string;
  kind: string;
  endpoint: string | null;
  status: string;
  capabilities: Array<{ name: string; description: string; parameters: Record<string, string>; input_schema: Record<string, unknown> }>;
  [key: string]: unknown;
}

async function listed(t: TestApp, agentId: string): Promise<AgentMetadata | undefined> {
  const res = await request(t.server).get('/v1/agents').expect(200);
  return (res.body.agents as AgentMetadata[]).find((a) => a.agent_id === agentId);
}

describe('A2A agents: POST /v1/agents and /v1/orchestrate', () => {
  let t: TestApp;
  let agent: A2aTestServer;

  beforeAll(async () => {
    agent = await startA2aServer();
    t = await createTestApp({ env: { TASK_TIMEOUT_MS: '5000', AGENT_COOLDOWN_MS: '0' } });
    await request(t.server).post('/v1/agents').send({ agent_card_url: agent.cardUrl }).expect(201);
  });

  afterAll(async () => {
    await t.close();
    await agent.close();
  });

  describe('registration', () => {
    it('registers by card URL: kind a2a, the endpoint from the card, one capability per skill', async () => {
      const metadata = await listed(t, 'fixture-agent');
      expect(metadata).toMatchObject({ ...FIXTURE_AGENT, endpoint: agent.endpoint, status: 'available', max_concurrency: null });
      expect(metadata!.capabilities.map((c) => c.name)).toEqual(SKILL_CAPABILITIES);
      expect(metadata!.capabilities[0]).toEqual({
        name: 'echo_data',
        description: 'Returns the data it got as an artifact',
        parameters: {},
        input_schema: {},
      });
    });

    it('registers by base URL (a v0.3 agent.json), with agent_id and max_concurrency; again is an update (200); DELETE removes it', async () => {
      const legacy = await startA2aServer({ name: 'Legacy Agent', card: 'legacy' });
      try {
        const body = { kind: 'a2a', agent_card_url: legacy.url, agent_id: 'legacy_agent', max_concurrency: 2 };
        const created = await request(t.server).post('/v1/agents').send(body).expect(201);
        expect(created.body).toMatchObject({
          agent_id: 'legacy_agent',
          name: 'Legacy Agent',
          kind: 'a2a',
          endpoint: legacy.endpoint,
          max_concurrency: 2,
        });
        expect(created.body.capabilities.map((c: { name: string }) => c.name)).toEqual(SKILL_CAPABILITIES);
        await request(t.server).post('/v1/agents').send(body).expect(200);
        expect(
          (await request(t.server).get('/v1/agents').expect(200)).body.agents.filter((a: AgentMetadata) => a.agent_id === 'legacy_agent'),
        ).toHaveLength(1);
      } finally {
        await request(t.server).delete('/v1/agents/legacy_agent').expect(204);
        await legacy.close();
      }
      expect(await listed(t, 'legacy_agent')).toBeUndefined();
    });

    it('answers 400 when the URL leads to no card and 422 for an unusable card, with the reason; nothing is registered', async () => {
      const docs = await startServer((req, res) => {
        if (req.url === '/page.json') {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<html></html>');
        } else if (req.url === '/empty.json') json(res, 200, { ...minimalV1Card(docs.url), name: 'Empty', skills: [] });
        else if (req.url === '/grpc.json') {
          json(res, 200, {
            ...minimalV1Card(docs.url),
            name: 'Grpc',
            supportedInterfaces: [{ url: 'h:1', protocolBinding: 'GRPC', protocolVersion: '1.0', tenant: '' }],
          });
        } else json(res, 404, {});
      });
      const before = (await request(t.server).get('/v1/agents').expect(200)).body.total;
      try {
        const cases: Array<[object, number, string]> = [
          [{ agent_card_url: await closedPortUrl() }, 400, 'ECONNREFUSED'],
          [{ agent_card_url: `${docs.url}/missing` }, 400, 'answered 404'],
          [{ agent_card_url: 'ftp://example.com/card.json' }, 400, 'not an absolute http(s) URL'],
          [{ kind: 'a2a' }, 400, 'agent_card_url'],
          [{ agent_card_url: agent.cardUrl, agent_id: '../x' }, 400, 'agent_id'],
          [{ agent_card_url: `${docs.url}/page.json` }, 422, 'is not JSON'],
          [{ agent_card_url: `${docs.url}/empty.json` }, 422, 'declares no skills'],
          [{ agent_card_url: `${docs.url}/grpc.json` }, 422, 'offers the transports GRPC'],
          [{ agent_card_url: agent.cardUrl, agent_id: 'agent_example_001' }, 409, 'agent_example_001'],
        ];
        for (const [body, status, reason] of cases) {
          const res = await request(t.server).post('/v1/agents').send(body);
          expect([res.status, JSON.stringify(res.body.message)]).toEqual([status, expect.stringContaining(reason)]);
          expect(res.body.statusCode).toBe(status);
        }
      } finally {
        await docs.close();
      }
      expect((await request(t.server).get('/v1/agents').expect(200)).body.total).toBe(before);
    });
  });

  describe('orchestrate', () => {
    it('runs a skill through the SDK client and records the contracts', async () => {
      const before = agent.received.length;
      const res = await request(t.server)
        .post('/v1/orchestrate')
        .set('traceparent', TRACEPARENT)
        .send({
          session_id: 'a2a_orchestrate',
          capability: 'echo_data',
          parameters: { city: 'Lyon', days: [1, 2] },
          context: { user: 'u1' },
        })
        .expect(200);
      expect(res.body).toMatchObject({
        success: true,
        error: null,
        agent_id: 'fixture-agent',
        data: {
          text: 'echoed',
          data: { city: 'Lyon', days: [1, 2] },
          message: null,
          a2a: { state: 'completed', context_id: 'a2a_orchestrate' },
        },
      });

      const received = agent.received.slice(before);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        skillId: 'echo_data',
        contextId: 'a2a_orchestrate',
        data: [{ city: 'Lyon', days: [1, 2] }],
        metadata: { capability: 'echo_data', orchestrator_task_id: res.body.contract_id, session_id: 'a2a_orchestrate' },
      });
      expect(res.body.data.a2a.task_id).toBe(received[0]!.taskId);
      expect(agent.headers.at(-1)?.traceparent).toBe(TRACEPARENT);

      const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'a2a_orchestrate' }).expect(200);
      expect(
        contracts.body.contracts.map((c: Record<string, unknown>) => [c.contract_type, c.status, c.from_agent, c.to_agent, c.capability]),
      ).toEqual([
        ['REQUEST', 'completed', 'orchestrator', 'fixture-agent', 'echo_data'],
        ['RESPONSE', 'completed', 'fixture-agent', 'orchestrator', 'echo_data'],
      ]);
      expect(contracts.body.contracts[0].payload).toEqual({ city: 'Lyon', days: [1, 2] });
      expect(contracts.body.contracts[0].result).toEqual(res.body.data);
      expect(contracts.body.contracts[1].payload).toEqual({ success: true, data: res.body.data, error: null });
    });

    it("a failing skill is success:false with the agent's message, and counts as a failed task", async () => {
      const res = await request(t.server).post('/v1/orchestrate').send({ session_id: 'a2a_fail', capability: 'fail' }).expect(200);
      expect(res.body).toMatchObject({ success: false, data: null, error: FIXTURE_FAILURE, agent_id: 'fixture-agent' });
      const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'a2a_fail' }).expect(200);
      expect(contracts.body.contracts.map((c: Record<string, unknown>) => [c.status, c.error])).toEqual([
        ['failed', FIXTURE_FAILURE],
        ['failed', FIXTURE_FAILURE],
      ]);
      expect((await listed(t, 'fixture-agent'))!.tasks_failed).toBeGreaterThanOrEqual(1);
      expect((await listed(t, 'fixture-agent'))!.status).toBe('available');
    });

    it('a message reply and a mapped skill name work too', async () => {
      const reply = await request(t.server).post('/v1/orchestrate').send({ session_id: 'a2a_more', capability: 'reply' }).expect(200);
      expect(reply.body).toMatchObject({
        success: true,
        data: { text: 'hello from the agent', data: { replied: true }, a2a: { state: 'message' } },
      });
      const shout = await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: 'a2a_more', capability: 'shout_text', parameters: { text: 'hey' } })
        .expect(200);
      expect(shout.body).toMatchObject({ success: true, data: { text: 'HEY' } });
    });

    it('cancelling a task cancels the A2A task', async () => {
      const submitted = await request(t.server).post('/v1/tasks').send({ session_id: 'a2a_cancel', capability: 'slow' }).expect(202);
      await waitFor(() => agent.running() > 0, 'the slow task to start');
      const taskId = agent.received.at(-1)!.taskId;
      const cancelled = await request(t.server).post(`/v1/tasks/${submitted.body.task_id}/cancel`).expect(200);
      expect(cancelled.body.status).toBe('cancelled');
      await waitFor(() => agent.cancelled.includes(taskId), 'the cancel to reach the agent');
      await waitFor(() => agent.running() === 0, 'the slow task to stop');
    });

    it('fails over to another agent with the skill when one is unreachable', async () => {
      const gone = await startA2aServer({ name: 'Gone Agent' });
      await request(t.server).post('/v1/agents').send({ agent_card_url: gone.url }).expect(201);
      await gone.close();
      // Registering the fixture agent again puts it after the gone one, so that routing (fewest tasks
      // in flight, first on a tie) tries the gone agent first.
      await request(t.server).post('/v1/agents').send({ agent_card_url: agent.cardUrl }).expect(200);
      try {
        for (let i = 0; i < 3; i++) {
          const res = await request(t.server)
            .post('/v1/orchestrate')
            .send({ session_id: 'a2a_failover', capability: 'echo_data', parameters: { i } })
            .expect(200);
          expect(res.body).toMatchObject({ success: true, agent_id: 'fixture-agent', data: { data: { i } } });
          if (i === 0) {
            const requestContract = await request(t.server).get(`/v1/contracts/${res.body.contract_id}`).expect(200);
            const attempts = requestContract.body.metadata.attempts as Array<{ agent_id: string; error: string | null }>;
            expect(attempts.map((a) => a.agent_id)).toEqual(['gone-agent', 'fixture-agent']);
            expect(attempts[0].error).toBeTruthy();
            expect(attempts[1].error).toBeNull();
          }
        }
      } finally {
        await request(t.server).delete('/v1/agents/gone-agent').expect(204);
      }
    });
  });
});

describe('A2A agents: stored across restarts', () => {
  it('the registration and its card survive a restart; the card is not fetched again', async () => {
    const agent = await startA2aServer({ name: 'Kept Agent' });
    const first = await createTestApp();
    let kept: AgentMetadata;
    try {
      await request(first.server).post('/v1/agents').send({ agent_card_url: agent.url, max_concurrency: 3 }).expect(201);
      kept = (await listed(first, 'kept-agent'))!;
    } finally {
      await first.close({ keepData: true });
    }
    const fetches = agent.cardFetches();

    const second = await createTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      const restored = await listed(second, 'kept-agent');
      const { status: _s, in_flight: _i, tasks_completed: _c, tasks_failed: _f, ...definition } = kept;
      expect(restored).toMatchObject({ ...definition, kind: 'a2a', endpoint: agent.endpoint, max_concurrency: 3, status: 'available' });
      expect(agent.cardFetches()).toBe(fetches);

      const res = await request(second.server)
        .post('/v1/orchestrate')
        .send({ session_id: 'a2a_restart', capability: 'echo_data', parameters: { again: true } })
        .expect(200);
      expect(res.body).toMatchObject({ success: true, agent_id: 'kept-agent', data: { data: { again: true } } });
    } finally {
      await second.close();
      await agent.close();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
