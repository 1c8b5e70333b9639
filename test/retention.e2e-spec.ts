import type { Kysely } from 'kysely';
import { rmSync } from 'node:fs';
import request from 'supertest';
import { ulid } from 'ulid';
import type { Contract, ContractStatus } from '../src/contracts/contract.model.js';
import { ContractRepository } from '../src/contracts/contract.repository.js';
import { DATABASE, type Database } from '../src/database/index.js';
import { RetentionService } from '../src/contracts/retention/retention.service.js';
import { waitFor } from './utils/wait-for.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/** CONTRACT_RETENTION_DAYS (issue 11, point 9): old sessions go, in small batches; counters stay right. */

const DAY_MS = 24 * 60 * 60 * 1000;

function contract(session_id: string, created_at: string, status: ContractStatus = 'completed'): Contract {
  return {
    contract_id: ulid(),
    session_id,
    contract_type: 'REQUEST',
    from_agent: 'orchestrator',
    to_agent: 'agent_x',
    capability: 'echo',
    payload: { text: 'hi' },
    status,
    created_at,
    completed_at: status === 'in_progress' ? null : created_at,
    result: null,
    error: null,
    metadata: {},
    parent_contract_id: null,
  };
}

/** `n` contracts of a session, `daysAgo` days old. */
function session(session_id: string, daysAgo: number, n: number, status: ContractStatus = 'completed'): Contract[] {
  const base = Date.now() - daysAgo * DAY_MS;
  return Array.from({ length: n }, (_, i) => contract(session_id, new Date(base + i).toISOString(), status));
}

async function sessionIds(t: TestApp): Promise<string[]> {
  const res = await request(t.server).get('/v1/sessions').query({ limit: 1000 }).expect(200);
  return (res.body.sessions as Array<{ session_id: string }>).map((s) => s.session_id).sort();
}

/** `/v1/status` figures against count(*) on the store. */
async function expectCountersRight(t: TestApp): Promise<void> {
  const db = t.app.get<Kysely<Database>>(DATABASE);
  const count = async (table: 'contracts' | 'sessions') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const byStatus = await db
    .selectFrom('contracts')
    .select((eb) => ['status', eb.fn.countAll().as('n')])
    .groupBy('status')
    .execute();
  const status = await request(t.server).get('/v1/status').expect(200);
  expect(status.body.contracts).toEqual({
    total_contracts: await count('contracts'),
    total_sessions: await count('sessions'),
    by_status: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
  });
  const list = await request(t.server).get('/v1/contracts').query({ limit: 1 }).expect(200);
  expect(list.body.total).toBe(await count('contracts'));
}

describe('Contract retention (CONTRACT_RETENTION_DAYS)', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('unset keeps everything; set, passes delete the sessions last updated before it, except recent ones and any with a running REQUEST', async () => {
    // A store written without retention: nothing is ever deleted.
    const kept = await createTestApp({ env: { CONTRACT_RETENTION_DAYS: undefined, TRACE_URL: undefined } });
    await kept.app.get(ContractRepository).importContracts([
      // 1,200 contracts: more than one batch (at most 500 contracts per transaction).
      ...session('old_big', 400, 1200),
      ...session('old_small', 31, 3),
      // Old contracts, but the last one is recent: the session stays whole.
      ...session('mixed', 90, 2),
      ...session('mixed', 1, 1),
      ...session('recent', 2, 4),
    ]);
    expect(await kept.app.get(RetentionService).runPass()).toEqual({ sessions: 0, contracts: 0 });
    expect(await sessionIds(kept)).toEqual(['mixed', 'old_big', 'old_small', 'recent']);
    await expectCountersRight(kept);
    await kept.close({ keepData: true });

    // The same store with CONTRACT_RETENTION_DAYS=30: the pass at start-up removes the old sessions.
    const t = await createTestApp({ env: { DATA_DIR: kept.dataDir, CONTRACT_RETENTION_DAYS: '30', TRACE_URL: undefined } });
    apps.push(t);
    await waitFor(async () => (await sessionIds(t)).join() === 'mixed,recent', 'the start-up retention pass');
    await request(t.server).get('/v1/sessions/old_big').expect(404);
    const mixed = await request(t.server).get('/v1/sessions/mixed').expect(200);
    expect(mixed.body.conversation).toHaveLength(3);
    await expectCountersRight(t);

    // A session whose REQUEST still runs is kept, however old; another old one goes at the next pass.
    await t.app.get(ContractRepository).importContracts([...session('old_running', 60, 1, 'in_progress'), ...session('old_again', 45, 2)]);
    expect(await t.app.get(RetentionService).runPass()).toEqual({ sessions: 1, contracts: 2 });
    expect(await sessionIds(t)).toEqual(['mixed', 'old_running', 'recent']);
    await expectCountersRight(t);
    expect(await t.app.get(RetentionService).runPass()).toEqual({ sessions: 0, contracts: 0 });
    rmSync(kept.dataDir, { recursive: true, force: true });
  });

  it.each(['0', '-3', '1.5', 'forever'])('CONTRACT_RETENTION_DAYS=%s stops start-up, naming the variable', async (value) => {
    await expect(createTestApp({ env: { CONTRACT_RETENTION_DAYS: value } })).rejects.toThrow(/CONTRACT_RETENTION_DAYS/);
  });
});
