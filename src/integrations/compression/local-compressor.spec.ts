import type { Contract, JsonValue } from '../../contracts/contract.model.js';
import { formatDuration, LocalCompressor, type LocalMemoryBlock } from './local-compressor.js';

function pair(
  n: number,
  capability: string,
  agent: string,
  outcome: { result: JsonValue } | { error: string },
  at: string,
  doneAt: string,
): Contract[] {
  const ok = 'result' in outcome;
  const request: Contract = {
    contract_id: `REQ${n}`,
    session_id: 'sess_1',
    contract_type: 'REQUEST',
    from_agent: 'orchestrator',
    to_agent: agent,
    capability,
    payload: { text: `input ${n}` },
    status: ok ? 'completed' : 'failed',
    created_at: at,
    completed_at: doneAt,
    result: ok ? outcome.result : null,
    error: ok ? null : outcome.error,
    metadata: {},
    parent_contract_id: null,
  };
  const response: Contract = {
    ...request,
    contract_id: `RES${n}`,
    contract_type: 'RESPONSE',
    from_agent: agent,
    to_agent: 'orchestrator',
    payload: { success: ok, data: ok ? outcome.result : null, error: ok ? null : outcome.error },
    created_at: doneAt,
    parent_contract_id: request.contract_id,
  };
  return [request, response];
}

const longText = 'y'.repeat(400);
const contracts: Contract[] = [
  ...pair(1, 'echo', 'agent_example_001', { result: { message: 'Echo: a' } }, '2025-03-01T10:00:00.000Z', '2025-03-01T10:00:00.120Z'),
  ...pair(2, 'uppercase', 'agent_example_001', { result: { result: 'B' } }, '2025-03-01T10:00:05.000Z', '2025-03-01T10:00:05.010Z'),
  ...pair(3, 'render', 'image_agent', { error: 'GPU out of memory' }, '2025-03-01T10:01:00.000Z', '2025-03-01T10:01:30.000Z'),
  ...pair(4, 'echo', 'agent_example_001', { result: { message: longText } }, '2025-03-01T10:02:00.000Z', '2025-03-01T10:02:00.050Z'),
  ...pair(5, 'echo', 'agent_example_001', { result: { message: 'Echo: e' } }, '2025-03-01T10:03:00.000Z', '2025-03-01T10:03:00.050Z'),
  ...pair(6, 'uppercase', 'agent_example_001', { result: { result: 'F' } }, '2025-03-01T10:04:00.000Z', '2025-03-01T10:04:00.050Z'),
  ...pair(7, 'echo', 'agent_example_001', { result: { message: 'Echo: g' } }, '2025-03-01T10:05:00.000Z', '2025-03-01T10:05:02.500Z'),
];
const now = new Date('2025-03-02T00:00:00.000Z');

describe('LocalCompressor', () => {
  const compressor = new LocalCompressor();

  it('builds every field of the memory block', () => {
    const block = compressor.compress('sess_1', 'Image pipeline', contracts, now);
    expect(Object.keys(block).sort()).toEqual(
      [
        'session_id',
        'intent',
        'summary',
        'capabilities',
        'agents',
        'failures',
        'recent_results',
        'events_processed',
        'tokens_in',
        'tokens_out',
        'compression_ratio',
        'compressed_at',
        'source',
      ].sort(),
    );
    expect(block.session_id).toBe('sess_1');
    expect(block.intent).toBe('Image pipeline');
    expect(block.source).toBe('local');
    expect(block.compressed_at).toBe('2025-03-02T00:00:00.000Z');
    expect(block.capabilities).toEqual({ echo: 4, render: 1, uppercase: 2 });
    expect(block.agents).toEqual(['agent_example_001', 'image_agent']);
    expect(block.failures).toEqual([{ capability: 'render', error: 'GPU out of memory', contract_id: 'REQ3' }]);
    expect(block.recent_results.map((r) => r.contract_id)).toEqual(['REQ2', 'REQ4', 'REQ5', 'REQ6', 'REQ7']);
    expect(block.recent_results[0]).toEqual({ capability: 'uppercase', result: '{"result":"B"}', contract_id: 'REQ2' });
    const truncated = block.recent_results[1].result;
    expect(truncated.length).toBe(200);
    expect(truncated.startsWith('{"message":"yyy')).toBe(true);
    expect(block.events_processed).toBe(14);
  });

  it('writes a one-paragraph summary with tasks, capabilities, agents, outcomes and time span', () => {
    const { summary } = compressor.compress('sess_1', undefined, contracts, now);
    expect(summary).not.toContain('\n');
    expect(summary).toBe(
      "Session 'sess_1' holds 14 contracts for 7 tasks using 3 capabilities (echo ×4, render ×1, uppercase ×2), " +
        'handled by 2 agents (agent_example_001, image_agent). 6 succeeded, 1 failed. Failures in: render. ' +
        'Activity from 2025-03-01T10:00:00.000Z to 2025-03-01T10:05:02.500Z (5m 3s).',
    );
  });

  it('estimates tokens as characters / 4', () => {
    const block = compressor.compress('sess_1', 'Image pipeline', contracts, now);
    const charsIn = contracts.reduce((sum, c) => sum + JSON.stringify(c).length, 0);
    expect(block.tokens_in).toBe(Math.ceil(charsIn / 4));
    const { tokens_in: _i, tokens_out: _o, compression_ratio: _r, ...rest } = block;
    expect(block.tokens_out).toBe(Math.ceil(JSON.stringify(rest).length / 4));
    expect(block.compression_ratio).toBe(Math.round((block.tokens_in / block.tokens_out) * 100) / 100);
    expect(block.compression_ratio).toBeGreaterThan(1);
  });

  it('is deterministic: same contracts in any order give the same block', () => {
    const a = compressor.compress('sess_1', 'i', contracts, now);
    const b = compressor.compress('sess_1', 'i', [...contracts].reverse(), now);
    const c = compressor.compress('sess_1', 'i', [...contracts.slice(5), ...contracts.slice(0, 5)], now);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('uses the default intent and handles a lone unfinished REQUEST', () => {
    const [request] = pair(9, 'echo', 'agent_x', { result: null }, '2025-03-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z');
    const lone: Contract = { ...request, status: 'in_progress', completed_at: null, result: null };
    const block: LocalMemoryBlock = compressor.compress('s', undefined, [lone], now);
    expect(block.intent).toBe('Multi-agent task execution');
    expect(block.summary).toContain('0 succeeded, 0 failed, 1 did not finish');
    expect(block.summary).toContain('(0 ms)');
    expect(block.recent_results).toEqual([]);
    expect(block.failures).toEqual([]);
    expect(block.agents).toEqual(['agent_x']);
  });

  it('keeps only the 20 most recent failures', () => {
    const many: Contract[] = [];
    for (let i = 0; i < 30; i++) {
      const at = new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
      many.push(...pair(i, 'flaky', 'agent_f', { error: `boom ${i}` }, at, at));
    }
    const block = compressor.compress('s', 'x', many, now);
    expect(block.failures).toHaveLength(20);
    expect(block.failures[0].error).toBe('boom 10');
    expect(block.failures[19].error).toBe('boom 29');
    expect(block.summary).toContain('0 succeeded, 30 failed');
  });
});

describe('formatDuration', () => {
  it('formats milliseconds, seconds, minutes and hours', () => {
    expect(formatDuration(350)).toBe('350 ms');
    expect(formatDuration(12_000)).toBe('12s');
    expect(formatDuration(240_000)).toBe('4m 0s');
    expect(formatDuration(3_723_000)).toBe('1h 2m 3s');
  });
});
