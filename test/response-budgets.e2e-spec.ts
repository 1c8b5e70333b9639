import request from 'supertest';
import { ulid } from 'ulid';
import type { Contract } from '../src/contracts/contract.model.js';
import { ContractRepository } from '../src/contracts/contract.repository.js';
import { json, startServer, type RealServer } from './utils/http-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/** RESPONSE_MAX_BYTES: pages end early, trees are cut, compress stays within the budget (issue 11, point 4). */
const BUDGET = 64 * 1024;
/** Each contract carries ~20 KiB of payload: about three fit in one answer. */
const BIG = 'x'.repeat(20 * 1024);

let clock = Date.UTC(2026, 5, 1);
const at = () => new Date((clock += 1000)).toISOString();

function request_(session_id: string, overrides: Partial<Contract> = {}): Contract {
  return {
    contract_id: ulid(),
    session_id,
    contract_type: 'REQUEST',
    from_agent: 'orchestrator',
    to_agent: 'agent_big',
    capability: 'echo',
    payload: { text: BIG },
    status: 'completed',
    created_at: at(),
    completed_at: at(),
    result: { text: BIG },
    error: null,
    metadata: {},
    parent_contract_id: null,
    ...overrides,
  };
}

function response_(req: Contract): Contract {
  return {
    ...req,
    contract_id: ulid(),
    contract_type: 'RESPONSE',
    from_agent: req.to_agent,
    to_agent: 'orchestrator',
    payload: { success: true, data: null, error: null },
    result: { text: BIG },
    created_at: at(),
    parent_contract_id: req.contract_id,
  };
}

const bytes = (res: request.Response) => Buffer.byteLength(res.text);

describe('Response budgets (RESPONSE_MAX_BYTES)', () => {
  let t: TestApp;
  let memagent: RealServer;
  let withMemAgent: TestApp;
  let root: Contract;
  const big: Contract[] = [];

  beforeAll(async () => {
    memagent = await startServer((_req, res) => json(res, 200, { summary: 'ok' }));
    t = await createTestApp({ env: { RESPONSE_MAX_BYTES: String(BUDGET), MEMAGENT_URL: undefined, TRACE_URL: undefined } });
    withMemAgent = await createTestApp({ env: { RESPONSE_MAX_BYTES: String(BUDGET), MEMAGENT_URL: memagent.url, TRACE_URL: undefined } });

    // Session big_s: 20 tasks (40 contracts of ~20-40 KiB), far more than one answer may hold.
    for (let i = 0; i < 20; i++) {
      const req = request_('big_s', { payload: { text: BIG, i } });
      big.push(req, response_(req));
    }
    // A tree: a root REQUEST with 12 sub-tasks, each with its RESPONSE.
    root = request_('tree_s');
    const tree: Contract[] = [root, response_(root)];
    for (let i = 0; i < 12; i++) {
      const sub = request_('tree_s', { parent_contract_id: root.contract_id, payload: { text: BIG, sub: i } });
      tree.push(sub, response_(sub));
    }
    for (const app of [t, withMemAgent]) {
      expect(await app.app.get(ContractRepository).importContracts([...big, ...tree])).toBe(big.length + tree.length);
    }
  });
  afterAll(async () => {
    await t?.close();
    await withMemAgent?.close();
    await memagent?.close();
  });

  async function walk(path: string, key: string, query: Record<string, string | number> = {}) {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await request(t.server)
        .get(path)
        .query({ limit: 1000, ...query, ...(cursor ? { cursor } : {}) })
        .expect(200);
      expect(bytes(res)).toBeLessThanOrEqual(BUDGET);
      expect(res.body[key].length).toBeGreaterThan(0);
      ids.push(...res.body[key].map((c: Contract) => c.contract_id));
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor);
    return { ids, pages };
  }

  it('GET /v1/contracts ends a page early with a next_cursor; the cursors give every contract exactly once', async () => {
    const first = await request(t.server).get('/v1/contracts').query({ session_id: 'big_s', limit: 1000 }).expect(200);
    expect(bytes(first)).toBeLessThanOrEqual(BUDGET);
    expect(first.body.contracts.length).toBeLessThan(big.length);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    expect(first.body.total).toBe(big.length);

    const { ids, pages } = await walk('/v1/contracts', 'contracts', { session_id: 'big_s' });
    expect(pages).toBeGreaterThan(5);
    expect(ids).toEqual(big.map((c) => c.contract_id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a filter without a counter (to_agent) pages the same way and keeps its total along the cursors', async () => {
    const { ids } = await walk('/v1/contracts', 'contracts', { to_agent: 'agent_big', capability: 'echo' });
    expect(ids).toHaveLength(big.length / 2 + 13);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('GET /v1/sessions/:id ends the conversation page early too', async () => {
    const { ids } = await walk('/v1/sessions/big_s', 'conversation');
    expect(ids).toEqual(big.map((c) => c.contract_id));
  });

  it('a page always holds one contract, even when that one alone is larger than the budget', async () => {
    const huge = request_('huge_s', { payload: { text: 'z'.repeat(BUDGET * 2) } });
    const after = request_('huge_s');
    await t.app.get(ContractRepository).importContracts([huge, after]);
    // The oversized contract is answered alone (over the budget, by necessity), then paging goes on.
    const first = await request(t.server).get('/v1/contracts').query({ session_id: 'huge_s' }).expect(200);
    expect(first.body.contracts.map((c: Contract) => c.contract_id)).toEqual([huge.contract_id]);
    const second = await request(t.server).get('/v1/contracts').query({ session_id: 'huge_s', cursor: first.body.next_cursor }).expect(200);
    expect(second.body.contracts.map((c: Contract) => c.contract_id)).toEqual([after.contract_id]);
    expect(second.body.next_cursor).toBeNull();
  });

  it('GET /v1/contracts/:id/tree is cut at the budget and says so; a tree within it has no `truncated`', async () => {
    const res = await request(t.server).get(`/v1/contracts/${root.contract_id}/tree`).expect(200);
    expect(bytes(res)).toBeLessThanOrEqual(BUDGET);
    expect(res.body.truncated).toBe(true);
    expect(res.body.contract_id).toBe(root.contract_id);
    expect(res.body.subtasks.length).toBeLessThan(12);

    const small = request_('small_tree', { payload: { text: 'a' }, result: null });
    await t.app.get(ContractRepository).importContracts([small, { ...response_(small), result: null }]);
    const whole = await request(t.server).get(`/v1/contracts/${small.contract_id}/tree`).expect(200);
    expect(whole.body.truncated).toBeUndefined();
    expect(whole.body.response).toMatchObject({ parent_contract_id: small.contract_id });
  });

  it('POST /v1/compress of a session larger than the budget answers within it: local block, and a MemAgent body of the most recent messages', async () => {
    const local = await request(t.server).post('/v1/compress').send({ session_id: 'big_s' }).expect(200);
    expect(bytes(local)).toBeLessThanOrEqual(BUDGET);
    expect(local.body.memory_block).toMatchObject({ source: 'local', events_processed: big.length });

    const before = memagent.requests.length;
    const res = await request(withMemAgent.server).post('/v1/compress').send({ session_id: 'big_s' }).expect(200);
    expect(res.body.memory_block).toEqual({ summary: 'ok' });
    const [call] = memagent.requests.slice(before);
    expect(Buffer.byteLength(call!.body)).toBeLessThanOrEqual(BUDGET);
    const sent = (call!.json as { messages: Array<{ metadata: { contract_id: string } }> }).messages.map((m) => m.metadata.contract_id);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(big.length);
    expect(sent).toEqual(big.slice(big.length - sent.length).map((c) => c.contract_id));
  });

  it('RESPONSE_MAX_BYTES that is not a whole number of at least 1024 stops start-up, naming it', async () => {
    for (const value of ['abc', '12', '1.5']) {
      await expect(createTestApp({ env: { RESPONSE_MAX_BYTES: value } })).rejects.toThrow(/RESPONSE_MAX_BYTES/);
    }
  });
});
