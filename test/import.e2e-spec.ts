import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { ROOT } from './utils/server-process.js';
import { createTestApp } from './utils/test-app.js';
import { testStoreEnv } from './utils/test-database.js';

const run = promisify(execFile);
const FIXTURES = join(ROOT, 'test/fixtures/python-contracts');

async function importCli(dataDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['dist/cli/import-contracts.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', ...(await testStoreEnv(dataDir)) },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('contracts:import of the Python service data (SPEC §5)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-import-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('imports the valid files, reports the malformed ones by name, and adds nothing the second time', async () => {
    const first = await importCli(dataDir, FIXTURES);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('legacy_session_001.json: 4 of 4 contracts imported');
    expect(first.stdout).toContain('legacy_session_002.json: 1 of 1 contracts imported');
    expect(first.stderr).toMatch(/skipped broken\.json: not valid JSON/);
    expect(first.stderr).toMatch(/skipped bad_session\.json: contract 0: session_id "\.\.\/escape" is not a valid session id/);
    expect(first.stdout).toContain('imported 5 contracts from 2 files; skipped 2 malformed files');

    const second = await importCli(dataDir, FIXTURES);
    expect(second.stdout).toContain('legacy_session_001.json: 0 of 4 contracts imported (the rest were already there)');
    expect(second.stdout).toContain('imported 0 contracts');

    const t = await createTestApp({ env: { DATA_DIR: dataDir } });
    try {
      const session = await request(t.server).get('/v1/sessions/legacy_session_001').expect(200);
      expect(session.body).toMatchObject({
        contract_count: 4,
        created_at: '2025-10-30T21:10:14.888Z',
        updated_at: '2025-10-30T21:10:14.939Z',
      });
      const [req1, resp1, req2, resp2] = session.body.conversation;
      expect(req1).toMatchObject({
        contract_id: '01K8VF9XK83SYH1HAX57ZGJDY1',
        created_at: '2025-10-30T21:10:14.888Z',
        completed_at: '2025-10-30T21:10:14.901Z',
        parent_contract_id: null,
      });
      expect(resp1).toMatchObject({ contract_type: 'RESPONSE', parent_contract_id: req1.contract_id, capability: null });
      expect(resp2).toMatchObject({ parent_contract_id: req2.contract_id, status: 'pending' });
      const legacy2 = await request(t.server).get('/v1/contracts/c3f1a2b4-0000-4000-8000-000000000001').expect(200);
      expect(legacy2.body).toMatchObject({ status: 'failed', error: 'agent crashed', completed_at: '2025-10-31T08:00:01.500Z' });
      const sessions = await request(t.server).get('/v1/sessions').expect(200);
      expect(sessions.body.total).toBe(2);
      // New tasks continue an imported session.
      await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: 'legacy_session_001', capability: 'echo', parameters: { text: 'again' } })
        .expect(200);
      const after = await request(t.server).get('/v1/sessions/legacy_session_001').expect(200);
      expect(after.body.contract_count).toBe(6);
    } finally {
      await t.close({ keepData: true });
    }
  });

  it('rejects a missing directory with usage exit code 2', async () => {
    const res = await importCli(dataDir, join(dataDir, 'nope'));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('not a directory');
  });
});
