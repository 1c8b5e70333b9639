import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { gates, ProgressAgent } from './fixtures/coordination-agents.js';
import { startMcpServer, type McpTestServer } from './fixtures/mcp-server.js';
import { MathAgent } from './fixtures/test-agents.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

async function listen(server: Server): Promise<string> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The MCP SDK's client, connected to the orchestrator's `/mcp`, with `key` as a bearer token when given. */
async function mcpClient(baseUrl: string, key?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: key ? { headers: { authorization: `Bearer ${key}` } } : undefined,
  });
  const client = new Client({ name: 'e2e-client', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

describe('MCP: the orchestrator as an MCP server, MCP servers as agents', () => {
  let t: TestApp;
  let baseUrl: string;
  let mcp: McpTestServer;
  let client: Client;

  // A probe round every second picks up a changed tool list quickly; a shorter TTL would let a loaded
  // machine miss a round and take the MCP agent out of routing between two calls of one test.
  const ttl = { AGENT_TTL_MS: '2000' };

  beforeAll(async () => {
    mcp = await startMcpServer();
    t = await createTestApp({ providers: [MathAgent, ProgressAgent], env: { TASK_TIMEOUT_MS: '20000', ...ttl } });
    baseUrl = await listen(t.server);
    client = await mcpClient(baseUrl);
  });
  afterAll(async () => {
    await client?.close();
    await t.close();
    await mcp.close();
  });

  describe('/mcp', () => {
    it('lists every capability as a tool with its input schema', async () => {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(['echo', 'uppercase', 'math.compute', 'progress.steps']));
      const compute = tools.find((tool) => tool.name === 'math.compute')!;
      const agents = await request(t.server).get('/v1/agents').expect(200);
      const shown = agents.body.agents
        .flatMap((a: { capabilities: Array<{ name: string; input_schema: object }> }) => a.capabilities)
        .find((c: { name: string }) => c.name === 'math.compute');
      expect(compute).toMatchObject({ description: 'Add or multiply two numbers', inputSchema: { ...shown.input_schema, type: 'object' } });
    });

    it('tools/call runs the capability as a task: structured content, a text rendering, the task in /v1/tasks', async () => {
      const result = (await client.callTool({ name: 'math.compute', arguments: { a: 2, b: 5, op: 'add' } })) as CallToolResult;
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ value: 7 });
      expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(result.structuredContent);
      const taskId = result._meta?.['orchestrator/task_id'] as string;
      const sessionId = result._meta?.['orchestrator/session_id'] as string;
      expect(sessionId).toMatch(/^mcp-/);
      const task = await request(t.server).get(`/v1/tasks/${taskId}`).expect(200);
      expect(task.body).toMatchObject({ capability: 'math.compute', status: 'completed', session_id: sessionId });
    });

    it('keeps calls in the session named by _meta', async () => {
      for (const text of ['one', 'two']) {
        await client.callTool({ name: 'echo', arguments: { text }, _meta: { 'orchestrator/session_id': 'mcp_session' } });
      }
      const contracts = await request(t.server)
        .get('/v1/contracts')
        .query({ session_id: 'mcp_session', contract_type: 'REQUEST' })
        .expect(200);
      expect(contracts.body.total).toBe(2);
    });

    it('a failing task is a tool result with isError', async () => {
      const result = (await client.callTool({ name: 'math.fail', arguments: {} })) as CallToolResult;
      expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'division by zero' }] });
    });

    it('bad input and an unknown tool are protocol errors (invalid params), with the field messages', async () => {
      const invalid = await rejection(client.callTool({ name: 'math.compute', arguments: { a: 'x', b: 1, op: 'add' } }));
      expect(invalid).toBeInstanceOf(McpError);
      expect((invalid as McpError).code).toBe(ErrorCode.InvalidParams);
      expect(invalid.message).toContain('a must be a number');
      expect((invalid as McpError).data).toEqual({ errors: expect.arrayContaining([expect.stringContaining('a must be a number')]) });
      const unknown = await rejection(client.callTool({ name: 'teleport', arguments: {} }));
      expect((unknown as McpError).code).toBe(ErrorCode.InvalidParams);
      expect(unknown.message).toContain("No agent provides capability 'teleport'");
    });

    it('sends progress notifications to a client that asks for them', async () => {
      const reports: unknown[] = [];
      const result = (await client.callTool({ name: 'progress.steps', arguments: { gate: 'mcp-progress', steps: 2 } }, undefined, {
        onprogress: (progress) => {
          reports.push(progress);
          if (reports.length === 2) gates.open('mcp-progress');
        },
      })) as CallToolResult;
      expect(result.structuredContent).toEqual({ steps: 2 });
      expect(reports).toEqual([
        { progress: 1, message: '{"step":1}' },
        { progress: 2, message: '{"step":2}' },
        { progress: 3, message: '{"step":"last"}' },
      ]);
    });

    it('GET and DELETE are refused: the endpoint is stateless', async () => {
      await request(t.server).get('/mcp').expect(405);
      await request(t.server).delete('/mcp').expect(405);
      const docs = await request(t.server).get('/docs-json').expect(200);
      expect(Object.keys(docs.body.paths['/mcp']).sort()).toEqual(['delete', 'get', 'post']);
      expect(docs.body.paths['/mcp'].post.summary).toContain('Streamable HTTP');
    });
  });

  describe('an MCP server registered as an agent', () => {
    it('POST /v1/agents with kind "mcp" makes each tool a capability', async () => {
      const res = await request(t.server)
        .post('/v1/agents')
        .send({ kind: 'mcp', url: mcp.url, headers: { 'x-fixture': 'yes' } })
        .expect(201);
      expect(res.body).toMatchObject({
        agent_id: 'fixture-mcp',
        name: 'Fixture MCP',
        kind: 'mcp',
        version: '0.4.2',
        endpoint: mcp.url,
        status: 'available',
      });
      const capabilities = res.body.capabilities as Array<{ name: string; description: string; input_schema: object }>;
      expect(capabilities.map((c) => c.name).sort()).toEqual(['countdown', 'fail-always', 'sum']);
      expect(capabilities.find((c) => c.name === 'fail-always')?.description).toBe("Always fails (MCP tool 'Fail-Always')");
      expect(capabilities.find((c) => c.name === 'sum')?.input_schema).toMatchObject({ type: 'object', required: ['a', 'b'] });
      expect(mcp.headers.at(-1)?.['x-fixture']).toBe('yes');
    });

    it('runs tools through /v1/orchestrate: data, a tool error as a failed task, a schema check before the call', async () => {
      const ok = await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: 'mcp_agent', capability: 'sum', parameters: { a: 2, b: 3 } })
        .expect(200);
      expect(ok.body).toMatchObject({ success: true, data: { sum: 5 }, agent_id: 'fixture-mcp' });

      const failed = await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: 'mcp_agent', capability: 'fail-always' })
        .expect(200);
      expect(failed.body).toMatchObject({ success: false, error: 'the tool broke' });
      expect(mcp.calls.at(-1)).toEqual({ name: 'Fail-Always', arguments: {} });

      const calls = mcp.calls.length;
      const invalid = await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: 'mcp_agent', capability: 'sum', parameters: { a: 'two' } })
        .expect(400);
      expect(invalid.body.message).toEqual(expect.arrayContaining([expect.stringContaining('parameters')]));
      expect(mcp.calls).toHaveLength(calls);
    });

    it('a text-only result becomes {text, content}; tool progress reaches the task stream', async () => {
      const res = await request(t.server)
        .post('/v1/tasks')
        .send({ session_id: 'mcp_agent', capability: 'countdown', parameters: { from: 3 } })
        .expect(202);
      const task = await waitFor(async () => {
        const got = await request(t.server).get(`/v1/tasks/${res.body.task_id}`).expect(200);
        return got.body.status === 'completed' ? got.body : undefined;
      }, 'the countdown task');
      expect(task.result).toEqual({ text: 'liftoff', content: [{ type: 'text', text: 'liftoff' }] });
      const events = await request(t.server).get(`/v1/tasks/${res.body.task_id}/events`).set('Last-Event-ID', '0').expect(200);
      expect(events.text.match(/^event: progress$/gm)).toHaveLength(3);
      expect(events.text).toContain('"progress":{"progress":3,"total":3}');
    });

    it('is a hub: an MCP client calls the MCP agent through /mcp', async () => {
      const { tools } = await client.listTools();
      expect(tools.find((tool) => tool.name === 'sum')).toMatchObject({ description: "Adds two numbers (MCP tool 'sum')" });
      const result = (await client.callTool({ name: 'sum', arguments: { a: 20, b: 22 } })) as CallToolResult;
      expect(result.structuredContent).toEqual({ sum: 42 });
      const failed = (await client.callTool({ name: 'fail-always', arguments: {} })) as CallToolResult;
      expect(failed).toMatchObject({ isError: true, content: [{ type: 'text', text: 'the tool broke' }] });
    });

    it('follows the tool list (probe: ping + tools/list)', async () => {
      mcp.addLaterTool();
      await waitFor(async () => {
        const res = await request(t.server).get('/v1/agents').expect(200);
        const agent = res.body.agents.find((a: { agent_id: string }) => a.agent_id === 'fixture-mcp');
        return agent?.capabilities.some((c: { name: string }) => c.name === 'later') || undefined;
      }, 'the new tool to show');
    });

    it('survives a restart', async () => {
      const dataDir = t.dataDir;
      await client.close();
      await t.close({ keepData: true });
      t = await createTestApp({ providers: [MathAgent, ProgressAgent], env: { DATA_DIR: dataDir, ...ttl } });
      try {
        const agents = await request(t.server).get('/v1/agents').expect(200);
        const agent = agents.body.agents.find((a: { agent_id: string }) => a.agent_id === 'fixture-mcp');
        expect(agent).toMatchObject({ kind: 'mcp', endpoint: mcp.url });
        const ok = await request(t.server)
          .post('/v1/orchestrate')
          .send({ session_id: 'mcp_restart', capability: 'sum', parameters: { a: 1, b: 1 } })
          .expect(200);
        expect(ok.body).toMatchObject({ success: true, data: { sum: 2 } });
        await request(t.server).delete('/v1/agents/fixture-mcp').expect(204);
      } finally {
        baseUrl = await listen(t.server);
        client = await mcpClient(baseUrl);
      }
    });

    it('a server that cannot be reached, or a URL the target rules refuse, is not registered', async () => {
      const unreachable = await request(t.server).post('/v1/agents').send({ kind: 'mcp', url: 'http://127.0.0.1:1/mcp' }).expect(422);
      expect(unreachable.body.message).toContain('Cannot register the MCP server');
      const metadata = await request(t.server).post('/v1/agents').send({ kind: 'mcp', url: 'http://169.254.169.254/mcp' }).expect(400);
      expect(metadata.body.message).toContain('Cannot register the MCP server');
      await request(t.server).post('/v1/agents').send({ kind: 'mcp' }).expect(400);
      await request(t.server)
        .post('/v1/agents')
        .send({ kind: 'mcp', url: mcp.url, headers: { 'bad header': 'x' } })
        .expect(400);
    });

    it('goes offline when its server stops answering pings, and is available again when it answers', async () => {
      let gone = await startMcpServer();
      await request(t.server).post('/v1/agents').send({ kind: 'mcp', url: gone.url, agent_id: 'mcp-gone' }).expect(201);
      const statusOf = async () => {
        const res = await request(t.server).get('/v1/agents').expect(200);
        return res.body.agents.find((a: { agent_id: string }) => a.agent_id === 'mcp-gone')?.status as string;
      };
      const port = new URL(gone.url).port;
      await gone.close();
      await waitFor(async () => (await statusOf()) === 'offline', 'the agent to go offline');
      // No other agent provides it: 503 while the only one is offline.
      await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: 'mcp_gone', capability: 'countdown', parameters: { from: 1 } })
        .expect(503);
      gone = await startMcpServer(Number(port));
      try {
        await waitFor(async () => (await statusOf()) === 'available', 'the agent to be back');
      } finally {
        await request(t.server).delete('/v1/agents/mcp-gone').expect(204);
        await gone.close();
      }
    });
  });
});

describe('MCP with API keys', () => {
  let t: TestApp;
  let baseUrl: string;
  const keys = { read: '', invoke: '' };

  beforeAll(async () => {
    t = await createTestApp();
    const service = t.app.get(ApiKeysService);
    keys.read = (await service.create('mcp-read', ['read'])).key;
    keys.invoke = (await service.create('mcp-invoke', ['invoke'])).key;
    baseUrl = await listen(t.server);
  });
  afterAll(async () => {
    await t.close();
  });

  it('needs an invoke key', async () => {
    expect((await rejection(mcpClient(baseUrl))).message).toMatch(/401/);
    expect((await rejection(mcpClient(baseUrl, 'ao_not-a-key'))).message).toMatch(/401/);
    expect((await rejection(mcpClient(baseUrl, keys.read))).message).toMatch(/403/);
    const client = await mcpClient(baseUrl, keys.invoke);
    try {
      const result = (await client.callTool({ name: 'uppercase', arguments: { text: 'key' } })) as CallToolResult;
      expect(result.structuredContent).toEqual({ result: 'KEY' });
    } finally {
      await client.close();
    }
  });
});
