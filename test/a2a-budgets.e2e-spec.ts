import request from 'supertest';
import { MAX_REPLY_BYTES } from '../src/agents/remote/remote-agents.constants.js';
import { minimalV1Card, startA2aServer, type A2aTestServer } from './fixtures/a2a-server.js';
import { json, startServer, type RealServer } from './utils/http-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

describe('A2A size budgets', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  describe.each([
    ['streamed', true],
    ['polled', false],
  ])('a reply over the 16 MiB budget (%s)', (mode, streaming) => {
    let agent: A2aTestServer;
    const agentId = `huge-${mode}`;

    beforeAll(async () => {
      agent = await startA2aServer({ name: agentId, streaming, hugeArtifactChars: MAX_REPLY_BYTES + 1024 });
      await request(t.server).post('/v1/agents').send({ agent_card_url: agent.url }).expect(201);
    });

    afterAll(async () => {
      await request(t.server).delete(`/v1/agents/${agentId}`).expect(204);
      await agent.close();
    });

    it('fails the task with a clear error; the orchestrator stays healthy and the agent usable', async () => {
      const res = await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: `huge_${mode}`, capability: 'huge' })
        .expect(200);
      expect(res.body.success).toBe(false);
      expect(res.body.error).toContain(`the reply is larger than ${MAX_REPLY_BYTES} bytes`);
      expect(res.body.error).toContain(agentId);

      await request(t.server).get('/v1/health').expect(200);
      const after = await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: `huge_${mode}`, capability: 'echo_data', parameters: { ok: 1 } })
        .expect(200);
      expect(after.body).toMatchObject({ success: true, agent_id: agentId, data: { data: { ok: 1 } } });
    });
  });

  describe('skills per card', () => {
    let cards: RealServer;

    beforeAll(async () => {
      cards = await startServer((req, res) => {
        const count = Number(/\/(\d+)\.json$/.exec(req.url)?.[1] ?? 0);
        // One skill id repeated: every skill after the first is named with a suffix.
        json(res, 200, {
          ...minimalV1Card(cards.url),
          name: 'Many Skills',
          skills: Array.from({ length: count }, () => ({ id: 'same', name: 'same', description: '', tags: [] })),
        });
      });
    });

    afterAll(async () => {
      await cards.close();
    });

    it('a card may list 256 skills, each under its own capability name; 257 are refused with a 4xx', async () => {
      const refused = await request(t.server)
        .post('/v1/agents')
        .send({ agent_card_url: `${cards.url}/257.json` })
        .expect(422);
      expect(refused.body.message).toContain('lists 257 skills; at most 256 are accepted');
      const agents = await request(t.server).get('/v1/agents').expect(200);
      expect(agents.body.agents.map((a: { agent_id: string }) => a.agent_id)).not.toContain('many-skills');

      const res = await request(t.server)
        .post('/v1/agents')
        .send({ agent_card_url: `${cards.url}/256.json` })
        .expect(201);
      const names = (res.body.capabilities as Array<{ name: string }>).map((c) => c.name);
      expect(names).toHaveLength(256);
      expect(new Set(names).size).toBe(256);
      expect(names.slice(0, 3)).toEqual(['same', 'same_2', 'same_3']);
      expect(names.at(-1)).toBe('same_256');
      await request(t.server).delete('/v1/agents/many-skills').expect(204);
    });
  });
});
