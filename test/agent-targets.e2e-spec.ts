import { rmSync } from 'node:fs';
import request from 'supertest';
import { startA2aServer, type A2aTestServer } from './fixtures/a2a-server.js';
import { startFakeAgent, type FakeAgent } from './fixtures/fake-remote-agent.js';
import { json, startServer } from './utils/http-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/** A v1.0 agent card whose only interface is `interfaceUrl`. */
function cardWithInterface(interfaceUrl: string) {
  return {
    name: 'Card Agent',
    description: '',
    version: '1.0.0',
    supportedInterfaces: [{ url: interfaceUrl, protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' }],
    capabilities: { streaming: true },
    defaultInputModes: ['text'],
    defaultOutputModes: ['text'],
    skills: [{ id: 's', name: 'S', description: 'one skill', tags: [] }],
  };
}

async function agentIds(t: TestApp): Promise<string[]> {
  const res = await request(t.server).get('/v1/agents').expect(200);
  return (res.body.agents as Array<{ agent_id: string }>).map((a) => a.agent_id);
}

describe('Agent targets: link-local and cloud-metadata hosts are refused by default', () => {
  let t: TestApp;
  let agent: FakeAgent;

  beforeAll(async () => {
    t = await createTestApp();
    agent = await startFakeAgent();
  });

  afterAll(async () => {
    await t.close();
    await agent.close();
  });

  it.each([
    ['an IPv4 link-local (metadata) address', 'http://169.254.169.254/'],
    ['an IPv6 link-local address', 'http://[fe80::1]:80/'],
    ['an IPv4-mapped IPv6 link-local address', 'http://[::ffff:169.254.169.254]/'],
    ['the Alibaba Cloud metadata address', 'http://100.100.100.200/'],
    ['the AWS IPv6 metadata address', 'http://[fd00:ec2::254]/'],
    ['the Azure platform address', 'http://168.63.129.16/'],
  ])('an HTTP agent at %s is refused with a 400 naming the rule and AGENT_ALLOWED_HOSTS', async (_, endpoint) => {
    const res = await request(t.server).post('/v1/agents').send(agent.registration('agent_meta', { endpoint })).expect(400);
    expect(res.body.message).toContain('is refused');
    expect(res.body.message).toContain('link-local or cloud-metadata');
    expect(res.body.message).toContain('AGENT_ALLOWED_HOSTS');
    expect(await agentIds(t)).not.toContain('agent_meta');
  });

  it('a cloud metadata host name is refused without resolving it', async () => {
    const res = await request(t.server)
      .post('/v1/agents')
      .send(agent.registration('agent_meta', { endpoint: 'http://metadata.google.internal/computeMetadata/v1' }))
      .expect(400);
    expect(res.body.message).toContain('metadata.google.internal is a cloud metadata host');
    expect(res.body.message).toContain('AGENT_ALLOWED_HOSTS');
  });

  it('an A2A agent card URL at a link-local address is refused', async () => {
    const res = await request(t.server)
      .post('/v1/agents')
      .send({ agent_card_url: 'http://169.254.169.254/.well-known/agent-card.json' })
      .expect(400);
    expect(res.body.message).toContain('agent_card_url http://169.254.169.254/.well-known/agent-card.json is refused');
    expect(res.body.message).toContain('AGENT_ALLOWED_HOSTS');
  });

  it('a card whose interface URL is link-local is refused (nothing registered)', async () => {
    const cards = await startServer((_req, res) => json(res, 200, cardWithInterface('http://169.254.169.254/a2a')));
    try {
      const res = await request(t.server)
        .post('/v1/agents')
        .send({ agent_card_url: `${cards.url}/card.json` })
        .expect(400);
      expect(res.body.message).toContain('interface URL');
      expect(res.body.message).toContain('169.254.169.254');
      expect(res.body.message).toContain('AGENT_ALLOWED_HOSTS');
      expect(await agentIds(t)).not.toContain('card-agent');
    } finally {
      await cards.close();
    }
  });

  it('a card URL answering a redirect is refused with a 400, and the redirect is not followed', async () => {
    const target = await startA2aServer({ name: 'Redirect Target' });
    const redirecting = await startServer((_req, res) => {
      res.writeHead(302, { location: target.cardUrl });
      res.end();
    });
    try {
      const res = await request(t.server)
        .post('/v1/agents')
        .send({ agent_card_url: `${redirecting.url}/card.json` })
        .expect(400);
      expect(res.body.message).toContain('answered 302');
      expect(res.body.message).toContain('redirects are not followed');
      expect(redirecting.requests).toHaveLength(1);
      expect(target.cardFetches()).toBe(0);
      expect(await agentIds(t)).not.toContain('redirect-target');
    } finally {
      await redirecting.close();
      await target.close();
    }
  });
});

describe('Agent targets: AGENT_ALLOWED_HOSTS', () => {
  let agent: FakeAgent;
  let a2a: A2aTestServer;

  beforeAll(async () => {
    agent = await startFakeAgent();
    a2a = await startA2aServer({ name: 'Listed Agent' });
  });

  afterAll(async () => {
    await agent.close();
    await a2a.close();
  });

  it('a host it does not list is refused at once: the agent receives no request', async () => {
    const t = await createTestApp({ env: { AGENT_ALLOWED_HOSTS: 'example.test' } });
    try {
      const before = agent.requests.length;
      const res = await request(t.server).post('/v1/agents').send(agent.registration('agent_unlisted')).expect(400);
      expect(res.body.message).toContain('is not in AGENT_ALLOWED_HOSTS (example.test)');
      expect(agent.requests.length).toBe(before);

      const fetches = a2a.cardFetches();
      const card = await request(t.server).post('/v1/agents').send({ agent_card_url: a2a.url }).expect(400);
      expect(card.body.message).toContain('AGENT_ALLOWED_HOSTS');
      expect(a2a.cardFetches()).toBe(fetches);
      expect(await agentIds(t)).toEqual(['agent_example_001']);
    } finally {
      await t.close();
    }
  });

  it.each([
    ['127.0.0.1', 'http://127.0.0.2'],
    ['127.0.0.0/8', 'http://[::1]'],
    [' example.test , 127.0.0.0/8 ', 'http://[::1]'],
  ])('a loopback agent registers with AGENT_ALLOWED_HOSTS=%j; %s, not listed, is refused', async (allowed, unlisted) => {
    const t = await createTestApp({ env: { AGENT_ALLOWED_HOSTS: allowed } });
    try {
      const refused = await request(t.server)
        .post('/v1/agents')
        .send(agent.registration('agent_unlisted', { endpoint: `${unlisted}:${agent.port}` }))
        .expect(400);
      expect(refused.body.message).toContain('is not in AGENT_ALLOWED_HOSTS');
      await request(t.server).post('/v1/agents').send(agent.registration('agent_listed')).expect(201);
      await request(t.server).post('/v1/agents').send({ agent_card_url: a2a.url }).expect(201);
      const res = await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: 'listed', capability: 'remote.echo', parameters: { a: 1 } })
        .expect(200);
      expect(res.body).toMatchObject({ success: true, agent_id: 'agent_listed' });
    } finally {
      await t.close();
    }
  });

  it('a listed link-local address is allowed, an unlisted one still refused (registering a card sends nothing to its interface)', async () => {
    const cards = await startServer((req, res) =>
      json(res, 200, cardWithInterface(req.url === '/listed.json' ? 'http://169.254.169.254/a2a' : 'http://169.254.169.253/a2a')),
    );
    const t = await createTestApp({ env: { AGENT_ALLOWED_HOSTS: '127.0.0.1,169.254.169.254' } });
    try {
      const refused = await request(t.server)
        .post('/v1/agents')
        .send({ agent_card_url: `${cards.url}/unlisted.json` })
        .expect(400);
      expect(refused.body.message).toContain('169.254.169.253');
      const res = await request(t.server)
        .post('/v1/agents')
        .send({ agent_card_url: `${cards.url}/listed.json` })
        .expect(201);
      expect(res.body).toMatchObject({ agent_id: 'card-agent', endpoint: 'http://169.254.169.254/a2a' });
    } finally {
      await t.close();
      await cards.close();
    }
  });

  it('a bad value stops start-up with a message naming the variable', async () => {
    await expect(createTestApp({ env: { AGENT_ALLOWED_HOSTS: '10.0.0.0/33' } })).rejects.toThrow(/AGENT_ALLOWED_HOSTS.*10\.0\.0\.0\/33/s);
    await expect(createTestApp({ env: { AGENT_ALLOWED_HOSTS: 'http://x/' } })).rejects.toThrow(/AGENT_ALLOWED_HOSTS/);
  });
});

describe('Agent targets: stored registrations are checked again at start', () => {
  it('agents the rules refuse now are not restored, and their registrations are kept', async () => {
    const agent = await startFakeAgent();
    const a2a = await startA2aServer({ name: 'Stored Agent' });
    const first = await createTestApp({ env: { AGENT_ALLOWED_HOSTS: '127.0.0.0/8' } });
    const { dataDir } = first;
    try {
      try {
        await request(first.server).post('/v1/agents').send(agent.registration('agent_stored')).expect(201);
        await request(first.server).post('/v1/agents').send({ agent_card_url: a2a.url }).expect(201);
      } finally {
        await first.close({ keepData: true });
      }

      const strict = await createTestApp({ env: { DATA_DIR: dataDir, AGENT_ALLOWED_HOSTS: 'example.test' } });
      const requestsBefore = agent.requests.length;
      try {
        expect(await agentIds(strict)).toEqual(['agent_example_001']);
        await request(strict.server)
          .post('/v1/orchestrate')
          .send({ session_id: 'strict', capability: 'remote.echo' })
          .expect((res) => expect(res.status).toBeGreaterThanOrEqual(400));
      } finally {
        await strict.close();
      }
      expect(agent.requests.length).toBe(requestsBefore);

      const permissive = await createTestApp({ env: { DATA_DIR: dataDir } });
      try {
        expect((await agentIds(permissive)).sort()).toEqual(['agent_example_001', 'agent_stored', 'stored-agent']);
      } finally {
        await permissive.close();
      }
    } finally {
      await agent.close();
      await a2a.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
