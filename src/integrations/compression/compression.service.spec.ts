import { BadGatewayException, NotFoundException } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Contract } from '../../contracts/contract.model.js';
import { ContractRepository } from '../../contracts/contract.repository.js';
import { makeRequest, makeResponse, makeTempDir } from '../../contracts/testing/contract.fixtures.js';
import { json, startServer, type RealServer } from '../../../test/utils/http-server.js';
import { integrationsConfig, loadIntegrationsConfig } from '../integrations.config.js';
import { IntegrationsModule } from '../integrations.module.js';
import { CompressionService, toMessage } from './compression.service.js';
import type { LocalMemoryBlock } from './local-compressor.js';

/** The real IntegrationsModule over the real SQLite contract store in a temporary DATA_DIR. */
async function createModule(dataDir: string, env: Record<string, string>): Promise<TestingModule> {
  const saved = process.env.DATA_DIR;
  process.env.DATA_DIR = dataDir;
  try {
    const moduleRef = await Test.createTestingModule({ imports: [IntegrationsModule] })
      .overrideProvider(integrationsConfig.KEY)
      .useValue(loadIntegrationsConfig(env))
      .compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return moduleRef;
  } finally {
    if (saved === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = saved;
  }
}

function conversation(sessionId: string, tasks: number): Contract[] {
  const out: Contract[] = [];
  for (let i = 0; i < tasks; i++) {
    const fails = i % 3 === 2;
    const request = makeRequest({
      session_id: sessionId,
      capability: i % 2 === 0 ? 'echo' : 'uppercase',
      payload: { text: `t${i}` },
      status: fails ? 'failed' : 'completed',
      result: fails ? null : { message: `Echo: t${i}` },
      error: fails ? `boom ${i}` : null,
    });
    request.completed_at = request.created_at;
    const response = makeResponse(
      request,
      fails
        ? { status: 'failed', result: null, error: `boom ${i}`, payload: { success: false, data: null, error: `boom ${i}` } }
        : { result: request.result, payload: { success: true, data: request.result, error: null } },
    );
    out.push(request, response);
  }
  return out;
}

describe('CompressionService', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let moduleRef: TestingModule | undefined;
  let server: RealServer | undefined;

  beforeEach(() => {
    temp = makeTempDir('integrations-compress-');
  });

  afterEach(async () => {
    await moduleRef?.close();
    await server?.close();
    moduleRef = undefined;
    server = undefined;
    temp.remove();
  });

  it("answers 404 `Session '<id>' not found` for a session without contracts", async () => {
    moduleRef = await createModule(temp.dir, {});
    const error = await moduleRef
      .get(CompressionService)
      .compress('nope')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as NotFoundException).message).toBe("Session 'nope' not found");
  });

  it('compresses locally when MEMAGENT_URL is unset, reading every page of the conversation', async () => {
    moduleRef = await createModule(temp.dir, {});
    const contracts = conversation('big_session', 1_101); // 2 202 contracts = 3 pages of 1 000
    await moduleRef.get(ContractRepository).importContracts(contracts);
    await moduleRef.get(ContractRepository).importContracts(conversation('other_session', 2));

    const service = moduleRef.get(CompressionService);
    expect(service.mode).toBe('local');
    const block = (await service.compress('big_session', 'Load test')) as LocalMemoryBlock;
    expect(block.source).toBe('local');
    expect(block.session_id).toBe('big_session');
    expect(block.intent).toBe('Load test');
    expect(block.events_processed).toBe(2_202);
    expect(block.capabilities).toEqual({ echo: 551, uppercase: 550 });
    expect(block.agents).toEqual(['agent_example_001']);
    expect(block.failures.at(-1)).toEqual({ capability: 'echo', error: 'boom 1100', contract_id: contracts[2_200].contract_id });
    expect(block.recent_results).toHaveLength(5);
    expect(block.summary).toContain('1101 tasks');
  });

  it('sends the conversation to MemAgent when MEMAGENT_URL is set and returns its reply', async () => {
    server = await startServer((req, res) => json(res, 200, { memory: 'block', echoed: req.json }));
    moduleRef = await createModule(temp.dir, { MEMAGENT_URL: server.url });
    const contracts = conversation('sess:remote', 3);
    await moduleRef.get(ContractRepository).importContracts(contracts);

    const service = moduleRef.get(CompressionService);
    expect(service.mode).toBe('memagent');
    const reply = await service.compress('sess:remote');

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].url).toBe(`/v1/session/${encodeURIComponent('sess:remote')}/compress`);
    const body = server.requests[0].json as { intent: string; session_id: string; messages: unknown[] };
    expect(body.intent).toBe('Multi-agent task execution');
    expect(body.session_id).toBe('sess:remote');
    expect(body.messages).toHaveLength(6);
    expect(body.messages[0]).toEqual({
      role: 'user',
      content: 'echo: {"text":"t0"}',
      timestamp: contracts[0].created_at,
      metadata: {
        contract_id: contracts[0].contract_id,
        capability: 'echo',
        from_agent: 'orchestrator',
        to_agent: 'agent_example_001',
        status: 'completed',
      },
    });
    expect(body.messages[1]).toMatchObject({ role: 'assistant', content: '{"message":"Echo: t0"}' });
    expect(body.messages[5]).toMatchObject({ role: 'assistant', content: 'Error: boom 2', metadata: { status: 'failed' } });
    expect(reply).toEqual({ memory: 'block', echoed: body });
  });

  it('passes MemAgent errors through as 502', async () => {
    server = await startServer((_req, res) => json(res, 500, { detail: 'out of tokens' }));
    moduleRef = await createModule(temp.dir, { MEMAGENT_URL: server.url });
    await moduleRef.get(ContractRepository).importContracts(conversation('s', 1));
    const error = await moduleRef
      .get(CompressionService)
      .compress('s', 'x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadGatewayException);
    expect((error as Error).message).toContain('out of tokens');
  });
});

describe('toMessage', () => {
  it('maps REQUEST to user and RESPONSE to assistant with readable content', () => {
    const request = makeRequest({ capability: 'echo', payload: { text: 'x' } });
    const ok = makeResponse(request, { result: { message: 'Echo: x' } });
    const failed = makeResponse(request, { status: 'failed', result: null, error: 'timed out' });
    expect(toMessage(request)).toMatchObject({ role: 'user', content: 'echo: {"text":"x"}', timestamp: request.created_at });
    expect(toMessage(ok)).toMatchObject({ role: 'assistant', content: '{"message":"Echo: x"}' });
    expect(toMessage(failed)).toMatchObject({ role: 'assistant', content: 'Error: timed out', metadata: { status: 'failed' } });
  });
});
