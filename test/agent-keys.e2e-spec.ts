import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import request from 'supertest';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { startFakeAgent, type FakeAgent } from './fixtures/fake-remote-agent.js';
import { ROOT } from './utils/server-process.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';
import { testStoreEnv } from './utils/test-database.js';

/** Issue 11 §13: `agent`-scope keys bound to one agent (`npm run keys -- create --scopes agent --agent <id>`). */

const CLI = `${ROOT}dist/cli/keys.js`;

describe('API keys bound to an agent', () => {
  let t: TestApp;
  let agentA: FakeAgent;
  let agentB: FakeAgent;
  let admin: string;
  let boundToA: string;
  let unbound: string;

  async function keysCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const store = await testStoreEnv(t.dataDir);
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...store } },
        (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
        },
      );
    });
  }

  /** Submits a task with the admin key and waits until `agent` runs it; its task id. */
  async function running(agent: FakeAgent, capability: string): Promise<string> {
    const before = agent.executions.length;
    const res = await request(t.server)
      .post('/v1/tasks')
      .set('X-API-Key', admin)
      .send({ session_id: 'bound_keys', capability })
      .expect(202);
    try {
      await waitFor(() => agent.executions.length > before, `${capability} to reach its agent`);
    } catch (error) {
      // What the orchestrator saw, for a wait that gives up: the task's state and the agents' statuses.
      const task = await request(t.server).get(`/v1/tasks/${res.body.task_id}`).set('X-API-Key', admin);
      const agents = await request(t.server).get('/v1/agents').set('X-API-Key', admin);
      throw new Error(`${(error as Error).message}; task: ${JSON.stringify(task.body)}; agents: ${JSON.stringify(agents.body)}`);
    }
    return res.body.task_id as string;
  }

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
    // Both agents hold their tasks until the test cancels them.
    agentA = await startFakeAgent({ capabilities: ['cap.a'], behaviour: { kind: 'slow', delayMs: 120_000 } });
    agentB = await startFakeAgent({ capabilities: ['cap.b'], behaviour: { kind: 'slow', delayMs: 120_000 } });
    t = await createTestApp();
    await request(t.server).post('/v1/agents').send(agentA.registration('agent_a')).expect(201);
    await request(t.server).post('/v1/agents').send(agentB.registration('agent_b')).expect(201);

    const created = await keysCli(['create', '--name', 'agent-a-key', '--scopes', 'agent', '--agent', 'agent_a', '--json']);
    expect(created.code).toBe(0);
    boundToA = JSON.parse(created.stdout).key;
    const keys = t.app.get(ApiKeysService);
    admin = (await keys.create('admin', ['admin'])).key;
    unbound = (await keys.create('any-agent', ['agent'])).key;
  });

  afterAll(async () => {
    await t.close();
    await agentA.close();
    await agentB.close();
  });

  it('the CLI binds only agent-scope keys, and list shows the binding', async () => {
    const withRead = await keysCli(['create', '--name', 'x', '--scopes', 'agent,read', '--agent', 'agent_a']);
    expect(withRead.code).toBe(2);
    expect(withRead.stderr).toContain("--agent binds a key to one agent, so the key's scopes must be exactly 'agent' (not read,agent)");
    const badId = await keysCli(['create', '--name', 'x', '--scopes', 'agent', '--agent', '../a']);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('agent id "../a" is invalid');

    const table = await keysCli(['list']);
    expect(table.stdout).toMatch(/^\S+\s+agent-a-key\s+agent\s+agent_a\s/m);
    expect(table.stdout).toMatch(/^\S+\s+any-agent\s+agent\s+-\s/m);
    const listed = JSON.parse((await keysCli(['list', '--json'])).stdout) as Array<{ name: string; agent_id: string | null }>;
    expect(listed.map((k) => [k.name, k.agent_id])).toEqual([
      ['agent-a-key', 'agent_a'],
      ['admin', null],
      ['any-agent', null],
    ]);
  });

  it('heartbeats: its own agent 200, another agent 403 with a clear message; an unbound key may heartbeat for any', async () => {
    await request(t.server).post('/v1/agents/agent_a/heartbeat').set('X-API-Key', boundToA).expect(200);
    const other = await request(t.server).post('/v1/agents/agent_b/heartbeat').set('X-API-Key', boundToA).expect(403);
    expect(other.body.message).toBe(
      "The API key 'agent-a-key' is bound to agent 'agent_a': it may not send heartbeats for agent 'agent_b'.",
    );
    await request(t.server).post('/v1/agents/agent_a/heartbeat').set('X-API-Key', unbound).expect(200);
    await request(t.server).post('/v1/agents/agent_b/heartbeat').set('X-API-Key', unbound).expect(200);
  });

  it("delegation: only for the tasks its agent runs, not for the other agent's (sub-tasks included)", async () => {
    const taskOfA = await running(agentA, 'cap.a');
    const taskOfB = await running(agentB, 'cap.b');
    try {
      const refused = await request(t.server)
        .post(`/v1/tasks/${taskOfB}/delegate`)
        .set('X-API-Key', boundToA)
        .send({ capability: 'uppercase', parameters: { text: 'b' } })
        .expect(403);
      expect(refused.body.message).toBe(
        `The API key 'agent-a-key' is bound to agent 'agent_a': task ${taskOfB} is run by agent 'agent_b', so the key may not delegate for it.`,
      );

      const own = await request(t.server)
        .post(`/v1/tasks/${taskOfA}/delegate`)
        .set('X-API-Key', boundToA)
        .send({ capability: 'uppercase', parameters: { text: 'a' } })
        .expect(200);
      expect(own.body).toMatchObject({ success: true, data: { result: 'A' } });
      await request(t.server)
        .post(`/v1/tasks/${taskOfB}/delegate`)
        .set('X-API-Key', unbound)
        .send({ capability: 'uppercase', parameters: { text: 'b' } })
        .expect(200);

      // A's task delegates to B: that sub-task is run by B, so it is not A's.
      const before = agentB.executions.length;
      const pending = request(t.server)
        .post(`/v1/tasks/${taskOfA}/delegate`)
        .set('X-API-Key', boundToA)
        .send({ capability: 'cap.b' })
        .then((res) => res);
      await waitFor(() => agentB.executions.length > before, 'the sub-task to reach agent_b');
      const subTask = agentB.executions.at(-1)!.body.task_id;
      const sub = await request(t.server)
        .post(`/v1/tasks/${subTask}/delegate`)
        .set('X-API-Key', boundToA)
        .send({ capability: 'uppercase', parameters: { text: 's' } })
        .expect(403);
      expect(sub.body.message).toContain(`task ${subTask} is run by agent 'agent_b'`);

      await request(t.server).post(`/v1/tasks/${taskOfA}/cancel`).set('X-API-Key', admin).expect(200);
      expect((await pending).status).toBe(200);
    } finally {
      await request(t.server).post(`/v1/tasks/${taskOfA}/cancel`).set('X-API-Key', admin);
      await request(t.server).post(`/v1/tasks/${taskOfB}/cancel`).set('X-API-Key', admin);
    }
  });
});
