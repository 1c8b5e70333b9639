import { BadGatewayException, ServiceUnavailableException } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { json, startServer, type RealServer } from '../../../test/utils/http-server.js';
import { IntegrationsHttpModule } from '../http/integrations-http.module.js';
import { integrationsConfig, loadIntegrationsConfig } from '../integrations.config.js';
import { MemAgentClient, type MemAgentMessage } from './memagent.client.js';
import { rejection } from '../../common/testing/rejection.js';

const messages: MemAgentMessage[] = [
  {
    role: 'user',
    content: 'echo: {"text":"hi"}',
    timestamp: '2025-01-01T00:00:00.000Z',
    metadata: { contract_id: 'A', capability: 'echo', from_agent: 'orchestrator', to_agent: 'agent_1', status: 'completed' },
  },
  {
    role: 'assistant',
    content: '{"message":"Echo: hi"}',
    timestamp: '2025-01-01T00:00:01.000Z',
    metadata: { contract_id: 'B', capability: 'echo', from_agent: 'agent_1', to_agent: 'orchestrator', status: 'completed' },
  },
];

async function createClient(env: Record<string, string>): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [IntegrationsHttpModule],
    providers: [{ provide: integrationsConfig.KEY, useValue: loadIntegrationsConfig(env) }, MemAgentClient],
  }).compile();
}

describe('MemAgentClient (real HTTP server)', () => {
  let moduleRef: TestingModule | undefined;
  let server: RealServer | undefined;

  afterEach(async () => {
    await moduleRef?.close();
    await server?.close();
    moduleRef = undefined;
    server = undefined;
  });

  it('posts the conversation to /v1/session/{id}/compress and returns the JSON reply', async () => {
    server = await startServer((req, res) => {
      if (req.method !== 'POST' || req.url !== `/v1/session/${encodeURIComponent('s:1 é')}/compress`) return json(res, 404, {});
      json(res, 200, { summary: 'compressed', received: req.json });
    });
    moduleRef = await createClient({ MEMAGENT_URL: `${server.url}/` });
    const client = moduleRef.get(MemAgentClient);
    expect(client.enabled).toBe(true);
    expect(client.url).toBe(server.url);

    const reply = await client.compress('s:1 é', 'Summarise the image job', messages);
    const expectedBody = { intent: 'Summarise the image job', session_id: 's:1 é', messages };
    expect(reply).toEqual({ summary: 'compressed', received: expectedBody });
    expect(server.requests[0].headers['content-type']).toContain('application/json');
    expect(Object.keys(server.requests[0].json as object)).toEqual(['intent', 'session_id', 'messages']);
  });

  it("sends the default intent 'Multi-agent task execution'", async () => {
    server = await startServer((req, res) => json(res, 200, { intent: (req.json as { intent: string }).intent }));
    moduleRef = await createClient({ MEMAGENT_URL: server.url });
    await expect(moduleRef.get(MemAgentClient).compress('s', undefined, [])).resolves.toEqual({ intent: 'Multi-agent task execution' });
    await expect(moduleRef.get(MemAgentClient).compress('s', null, [])).resolves.toEqual({ intent: 'Multi-agent task execution' });
  });

  it('turns an upstream 500 into 502 carrying the status and the detail', async () => {
    server = await startServer((_req, res) => json(res, 500, { detail: 'model crashed' }));
    moduleRef = await createClient({ MEMAGENT_URL: server.url });
    const error = await rejection(moduleRef.get(MemAgentClient).compress('s', 'x', messages));
    expect(error).toBeInstanceOf(BadGatewayException);
    expect((error as BadGatewayException).getStatus()).toBe(502);
    expect(error.message).toContain('500');
    expect(error.message).toContain('model crashed');
  });

  it('carries a JSON `message`, a structured `detail`, or the start of a text body', async () => {
    const replies = [
      { status: 400, type: 'application/json', body: JSON.stringify({ message: 'bad intent' }) },
      { status: 422, type: 'application/json', body: JSON.stringify({ detail: [{ loc: ['body', 'messages'], msg: 'field required' }] }) },
      { status: 503, type: 'text/html', body: `<html>${'x'.repeat(2_000)}</html>` },
    ];
    let i = 0;
    server = await startServer((_req, res) => {
      const reply = replies[i++];
      res.writeHead(reply.status, { 'content-type': reply.type });
      res.end(reply.body);
    });
    moduleRef = await createClient({ MEMAGENT_URL: server.url });
    const client = moduleRef.get(MemAgentClient);

    const e400 = await rejection(client.compress('s', 'x', messages));
    expect(e400).toBeInstanceOf(BadGatewayException);
    expect(e400.message).toMatch(/400.*bad intent/);
    const e422 = await rejection(client.compress('s', 'x', messages));
    expect(e422.message).toMatch(/422.*field required/);
    const e503 = await rejection(client.compress('s', 'x', messages));
    expect(e503).toBeInstanceOf(BadGatewayException);
    expect(e503.message).toContain('503');
    expect(e503.message).toContain('<html>xxx');
    expect(e503.message.length).toBeLessThan(600);
  });

  it('answers 502 to a 2xx that is not a JSON object', async () => {
    let i = 0;
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(i++ === 0 ? 'OK, compressed!' : '[1,2]');
    });
    moduleRef = await createClient({ MEMAGENT_URL: server.url });
    const client = moduleRef.get(MemAgentClient);
    const notJson = await rejection(client.compress('s', 'x', messages));
    expect(notJson).toBeInstanceOf(BadGatewayException);
    expect(notJson.message).toContain('not a JSON object');
    await expect(client.compress('s', 'x', messages)).rejects.toBeInstanceOf(BadGatewayException);
  });

  it('answers 503 when MemAgent is unreachable', async () => {
    const dead = await startServer(() => undefined);
    await dead.close();
    moduleRef = await createClient({ MEMAGENT_URL: dead.url });
    const error = await rejection(moduleRef.get(MemAgentClient).compress('s', 'x', messages));
    expect(error).toBeInstanceOf(ServiceUnavailableException);
    expect((error as ServiceUnavailableException).getStatus()).toBe(503);
    expect(error.message).toContain('unreachable');
    expect(error.message).toContain(dead.url);
  });

  it('answers 503 when MemAgent does not answer within MEMAGENT_TIMEOUT_MS', async () => {
    server = await startServer(() => undefined); // never answers
    moduleRef = await createClient({ MEMAGENT_URL: server.url, MEMAGENT_TIMEOUT_MS: '300' });
    const error = await rejection(moduleRef.get(MemAgentClient).compress('s', 'x', messages));
    expect(error).toBeInstanceOf(ServiceUnavailableException);
    expect(error.message).toContain('did not answer within 300 ms');
  });

  it('answers 503 when MemAgent sends headers but stalls the body past the timeout', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"summary":');
    });
    moduleRef = await createClient({ MEMAGENT_URL: server.url, MEMAGENT_TIMEOUT_MS: '300' });
    const error = await rejection(moduleRef.get(MemAgentClient).compress('s', 'x', messages));
    expect(error).toBeInstanceOf(ServiceUnavailableException);
    expect(error.message).toContain('did not answer within 300 ms');
  });

  it('answers 503 when MEMAGENT_URL is unset', async () => {
    moduleRef = await createClient({});
    const client = moduleRef.get(MemAgentClient);
    expect(client.enabled).toBe(false);
    await expect(client.compress('s', 'x', messages)).rejects.toBeInstanceOf(ServiceUnavailableException);
  });
});
