import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsInt, IsString, Min } from 'class-validator';
import { AgentRegistry } from './agent.registry.js';
import { AgentsModule } from './agents.module.js';
import { AgentsService } from './agents.service.js';
import { snakeCase } from './agents.explorer.js';
import { Agent } from './decorators/agent.decorator.js';
import { Capability } from './decorators/capability.decorator.js';
import type { TaskContext } from './interfaces/task-context.interface.js';
import { makeTempDir } from '../contracts/testing/contract.fixtures.js';

// AgentsModule keeps remote registrations in the contract store: give it a temporary DATA_DIR.
const dataDir = makeTempDir('agents-spec-');
const savedDataDir = process.env.DATA_DIR;
beforeAll(() => {
  process.env.DATA_DIR = dataDir.dir;
});
afterAll(() => {
  if (savedDataDir === undefined) delete process.env.DATA_DIR;
  else process.env.DATA_DIR = savedDataDir;
  dataDir.remove();
});

class RepeatInput {
  @IsString()
  word!: string;

  @IsInt()
  @Min(1)
  times!: number;
}

@Injectable()
class TextToolsAgent {
  @Capability({ name: 'text.repeat', description: 'Repeat a word', input: RepeatInput })
  repeat(input: RepeatInput, ctx: TaskContext) {
    return { text: Array(input.times).fill(input.word).join(' '), task: ctx.task_id };
  }

  notACapability() {
    return 'ignored';
  }
}

@Injectable()
@Agent({ id: 'agent_example_001', name: 'Impostor' })
class ImpostorAgent {
  @Capability({ name: 'echo', description: 'Another echo' })
  echo() {
    return {};
  }
}

@Injectable()
class TwiceAgent {
  @Capability({ name: 'same', description: 'first' })
  a() {
    return {};
  }

  @Capability({ name: 'same', description: 'second' })
  b() {
    return {};
  }
}

@Injectable()
class BadNameAgent {
  @Capability({ name: 'Bad Name', description: 'invalid' })
  a() {
    return {};
  }
}

async function boot(...providers: Array<new (...args: never[]) => unknown>) {
  @Module({ providers })
  class ExtraAgentsModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AgentsModule, ExtraAgentsModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('AgentsExplorer', () => {
  it('registers the built-in ExampleAgent and an undecorated class with @Capability methods', async () => {
    const moduleRef = await boot(TextToolsAgent);
    const registry = moduleRef.get(AgentRegistry);
    const agents = moduleRef.get(AgentsService).list();
    expect(agents.total).toBe(2);

    const tools = agents.agents.find((a) => a.agent_id === 'text_tools_agent');
    expect(tools).toMatchObject({ name: 'TextToolsAgent', description: '', version: '1.0.0', status: 'available' });
    expect(tools?.capabilities).toEqual([
      {
        name: 'text.repeat',
        description: 'Repeat a word',
        parameters: { word: 'string', times: 'integer' },
        input_schema: expect.objectContaining({ type: 'object', required: ['word', 'times'] }),
      },
    ]);

    const example = agents.agents.find((a) => a.agent_id === 'agent_example_001');
    expect(example?.capabilities.map((c) => [c.name, c.parameters])).toEqual([
      ['echo', { text: 'string' }],
      ['uppercase', { text: 'string' }],
    ]);

    const route = registry.route('text.repeat');
    expect(route).toMatchObject({ kind: 'ready' });
    if (route.kind !== 'ready') throw new Error('unreachable');
    await expect(route.capability.validate({ word: 'x', times: 0 })).resolves.toEqual({
      ok: false,
      errors: ['parameters.times must not be less than 1'],
    });
    const valid = await route.capability.validate({ word: 'hi', times: 2 });
    expect(valid.ok).toBe(true);
    const ctx = {
      task_id: 't1',
      session_id: 's',
      capability: 'text.repeat',
      context: {},
      agent_id: 'text_tools_agent',
      traceparent: '',
      signal: new AbortController().signal,
      progress: () => undefined,
      delegate: () => Promise.reject(new Error('unused')),
    };
    await expect(route.agent.definition.execute('text.repeat', valid.ok && valid.value, ctx)).resolves.toEqual({
      text: 'hi hi',
      task: 't1',
    });
    await moduleRef.close();
  });

  it('stops start-up on a duplicate agent id, naming both classes', async () => {
    await expect(boot(ImpostorAgent)).rejects.toThrow(
      "Duplicate agent id 'agent_example_001': declared by ExampleAgent and by ImpostorAgent",
    );
  });

  it('stops start-up when an agent declares a capability twice', async () => {
    await expect(boot(TwiceAgent)).rejects.toThrow("Agent TwiceAgent declares capability 'same' twice");
  });

  it('stops start-up on an invalid capability name', async () => {
    await expect(boot(BadNameAgent)).rejects.toThrow('Capability name "Bad Name" on BadNameAgent.a is invalid');
  });

  it('derives snake_case ids from class names', () => {
    expect(snakeCase('ExampleAgent')).toBe('example_agent');
    expect(snakeCase('HTTPFetchAgent')).toBe('http_fetch_agent');
    expect(snakeCase('Agent2Go')).toBe('agent2_go');
  });
});
