// Seeds a contract store directly through the app's own repository (compiled, from dist/), while no
// server runs on it: big transactions through `importContracts`, the path of the Python import.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { monotonicFactory } from 'ulid';
import { DIST, ROOT } from './server.mjs';

const distModule = (path) => import(pathToFileURL(join(DIST, path)).href);

/** Contracts per importContracts call (one transaction each). */
const BATCH = 10_000;

/**
 * Writes `contracts` contracts (REQUEST/RESPONSE pairs of echo tasks) into `${dataDir}/orchestrator.db`.
 * Pair k goes to session `sessionIds[k % sessionIds.length]`, so the sessions' contracts are
 * interleaved in the table as they are when many sessions are active at once (the harder case for
 * a per-session read: its rows are spread over the whole table).
 *
 * Returns `{ ms, inserted, sampleIds }`: `sampleIds` are up to `sample` contract ids spread over the store.
 */
export async function seedStore({ dataDir, contracts, sessionIds, sample = 0, onProgress }) {
  await import('reflect-metadata');
  const { openSqliteDatabase } = await distModule('database/index.js');
  const { SqliteContractRepository } = await distModule('contracts/index.js');

  const started = process.hrtime.bigint();
  // synchronous=OFF for the seeding connection only: the seed is not what is measured, and a crash
  // while seeding just means starting over. The server opens the file with its own settings.
  const db = await openSqliteDatabase({ dataDir, synchronous: 'OFF' });
  await sql`PRAGMA cache_size = -262144`.execute(db); // 256 MiB for this connection, to build the indexes fast
  const repository = new SqliteContractRepository(db);

  const pairs = Math.ceil(contracts / 2);
  const stride = sample > 0 ? Math.max(1, Math.floor(contracts / sample)) : Infinity;
  const sampleIds = [];
  // Times: one task per 10 ms, ending about now.
  let time = Date.now() - pairs * 10;
  // Math.random as the PRNG: ulid's default draws each of the 16 random characters with its own
  // crypto.getRandomValues call (~70 µs per id), which would dominate the seeding time.
  const ulid = monotonicFactory(Math.random);
  let inserted = 0;
  let made = 0;
  let batch = [];
  for (let k = 0; k < pairs; k++) {
    const session_id = sessionIds[k % sessionIds.length];
    const createdAt = new Date(time).toISOString();
    const completedAt = new Date(time + 1).toISOString();
    const requestId = ulid(time);
    const responseId = ulid(time + 1);
    const text = `bench task ${k}`;
    const data = { message: `Echo: ${text}` };
    batch.push({
      contract_id: requestId,
      session_id,
      contract_type: 'REQUEST',
      from_agent: 'orchestrator',
      to_agent: 'agent_example_001',
      capability: 'echo',
      payload: { text },
      status: 'completed',
      created_at: createdAt,
      completed_at: completedAt,
      result: data,
      error: null,
      metadata: { intent: 'benchmark' },
      parent_contract_id: null,
    });
    if (made + batch.length < contracts) {
      batch.push({
        contract_id: responseId,
        session_id,
        contract_type: 'RESPONSE',
        from_agent: 'agent_example_001',
        to_agent: 'orchestrator',
        capability: 'echo',
        payload: { success: true, data, error: null },
        status: 'completed',
        created_at: completedAt,
        completed_at: completedAt,
        result: data,
        error: null,
        metadata: {},
        parent_contract_id: requestId,
      });
    }
    time += 10;
    if (batch.length >= BATCH || k === pairs - 1) {
      for (const c of batch) {
        if (made++ % stride === 0 && sampleIds.length < sample) sampleIds.push(c.contract_id);
      }
      inserted += await repository.importContracts(batch);
      batch = [];
      onProgress?.(inserted);
    }
  }
  await db.destroy();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, inserted, sampleIds };
}

/** Creates an API key with the admin scope in `dataDir` with the keys CLI (dist/cli/keys.js); returns the key. */
export function createApiKey(dataDir) {
  const out = execFileSync(process.execPath, [join(DIST, 'cli/keys.js'), 'create', '--name', 'bench', '--scopes', 'admin', '--json'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()).key;
}

/**
 * The store of the framework scenarios: 10 000 contracts in 100 sessions (`<prefix>-<n>`), 1 000 of
 * their ids as `seeded.sampleIds`, and an admin key; `headers` sends the key.
 */
export async function seedWithKey(dataDir, prefix) {
  const seeded = await seedStore({
    dataDir,
    contracts: 10_000,
    sessionIds: Array.from({ length: 100 }, (_, i) => `${prefix}-${i}`),
    sample: 1_000,
  });
  return { seeded, headers: { 'x-api-key': createApiKey(dataDir) } };
}
