import { attemptsOf, buildTimeline } from './timeline-tree.js';
import type { Contract } from './types.js';

let seq = 0;
function contract(type: Contract['contract_type'], parent: string | null, fields: Partial<Contract> = {}): Contract {
  seq += 1;
  return {
    contract_id: `c${seq}`,
    session_id: 's',
    contract_type: type,
    from_agent: 'orchestrator',
    to_agent: 'agent',
    capability: 'echo',
    payload: {},
    status: 'completed',
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    completed_at: null,
    result: null,
    error: null,
    metadata: null,
    parent_contract_id: parent,
    ...fields,
  };
}

describe('buildTimeline (the dashboard timeline)', () => {
  it('nests responses under their request and sub-tasks under the task that delegated them, in order', () => {
    const outer = contract('REQUEST', null);
    const sub1 = contract('REQUEST', outer.contract_id);
    const sub1Response = contract('RESPONSE', sub1.contract_id);
    const sub2 = contract('REQUEST', outer.contract_id);
    const sub2Response = contract('RESPONSE', sub2.contract_id);
    const outerResponse = contract('RESPONSE', outer.contract_id);
    const second = contract('REQUEST', null);

    const tree = buildTimeline([outer, sub1, sub1Response, sub2, sub2Response, outerResponse, second]);
    expect(tree).toEqual([
      {
        request: outer,
        response: outerResponse,
        subtasks: [
          { request: sub1, response: sub1Response, subtasks: [] },
          { request: sub2, response: sub2Response, subtasks: [] },
        ],
      },
      { request: second, response: undefined, subtasks: [] },
    ]);
  });

  it('keeps contracts whose parent is not among them at the top level (another page, imported history)', () => {
    const orphanRequest = contract('REQUEST', 'elsewhere');
    const orphanResponse = contract('RESPONSE', 'elsewhere');
    const tree = buildTimeline([orphanRequest, orphanResponse]);
    expect(tree.map((node) => node.request.contract_id)).toEqual([orphanRequest.contract_id, orphanResponse.contract_id]);
  });

  it('reads the attempts recorded in a REQUEST, and none from anything else', () => {
    const attempts = [{ agent_id: 'a', started_at: '2026-01-01T00:00:00.000Z', duration_ms: 3, error: 'down' }];
    expect(attemptsOf(contract('REQUEST', null, { metadata: { attempts } }))).toEqual(attempts);
    expect(attemptsOf(contract('REQUEST', null, { metadata: { attempts: 'no' } }))).toEqual([]);
    expect(attemptsOf(contract('REQUEST', null))).toEqual([]);
  });
});
