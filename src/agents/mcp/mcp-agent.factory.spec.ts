import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { TaskContext } from '../interfaces/task-context.interface.js';
import type { McpAgentClient } from './mcp-agent.client.js';
import { McpAgentFactory, toolResultData } from './mcp-agent.factory.js';

const tool = (name: string, inputSchema: Record<string, unknown> = { type: 'object' }): Tool => ({ name, inputSchema }) as Tool;

describe('McpAgentFactory', () => {
  const calls: Array<{ tool: string; args: unknown }> = [];
  const client = {
    callTool: (_server: unknown, name: string, args: unknown) => {
      calls.push({ tool: name, args });
      return Promise.resolve(
        name === 'Broken'
          ? { content: [{ type: 'text', text: 'it broke' }], isError: true }
          : { content: [], structuredContent: { ok: true } },
      );
    },
  } as unknown as McpAgentClient;
  const factory = new McpAgentFactory(client);

  it('maps tool names to capability names, keeping the original, and drops $schema', () => {
    const tools = factory.toTools([
      tool('Search Web', {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { q: { type: 'string' } },
      }),
      tool('search-web'),
      tool('3d.render'),
    ]);
    expect(tools.map((t) => [t.name, t.capability])).toEqual([
      ['Search Web', 'search_web'],
      ['search-web', 'search-web'],
      ['3d.render', 'tool_3d.render'],
    ]);
    expect(tools[0].input_schema).toEqual({ type: 'object', properties: { q: { type: 'string' } } });
  });

  it('builds an agent whose capabilities validate against the tool schemas and call the tool by its own name', async () => {
    const definition = factory.create({
      agent_id: 'mcp-x',
      name: 'X',
      description: '',
      version: '1.0.0',
      url: 'http://127.0.0.1:1/mcp',
      headers: {},
      max_concurrency: null,
      tools: factory.toTools([tool('Look Up', { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }), tool('Broken')]),
    });
    expect(definition.kind).toBe('mcp');
    const lookUp = definition.capabilities.get('look_up')!;
    expect(lookUp.description).toBe("MCP tool 'Look Up'");
    expect(await lookUp.validate({})).toEqual({ ok: false, errors: [expect.stringContaining('q')] });
    const ctx = {} as TaskContext;
    expect(await definition.execute('look_up', { q: 'x' }, ctx)).toEqual({ ok: true });
    expect(calls.at(-1)).toEqual({ tool: 'Look Up', args: { q: 'x' } });
    await expect(definition.execute('broken', {}, ctx)).rejects.toThrow('it broke');
  });

  it('answers with the structured content, else the text and the content blocks', () => {
    expect(toolResultData({ content: [], structuredContent: { a: 1 } })).toEqual({ a: 1 });
    const content = [
      { type: 'text' as const, text: 'one' },
      { type: 'text' as const, text: 'two' },
    ];
    expect(toolResultData({ content })).toEqual({ text: 'one\ntwo', content });
    expect(toolResultData({ content: [] })).toEqual({ text: null, content: [] });
  });
});
