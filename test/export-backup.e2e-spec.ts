import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { waitFor } from './utils/wait-for.js';
import { ROOT, startServerProcess, type ServerProcess } from './utils/server-process.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { describeSqliteOnly, TEST_STORE, testStoreEnv } from './utils/test-database.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a built CLI (`dist/cli/<name>.js`) as its own process on `dataDir`. */
async function cli(name: string, dataDir: string, args: string[], stdin?: string): Promise<CliResult> {
  const store = await testStoreEnv(dataDir);
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [`dist/cli/${name}.js`, ...args],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...store }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

const exportCli = (dataDir: string, ...args: string[]) => cli('export-contracts', dataDir, args);
const importCli = (dataDir: string, ...args: string[]) => cli('import-contracts', dataDir, args);
const backupCli = (dataDir: string, ...args: string[]) => cli('backup-database', dataDir, args);
const keysCli = (dataDir: string, ...args: string[]) => cli('keys', dataDir, args);

/** The API key sent by `viaHttp` and `orchestrate` (set once a test has created one). */
let apiKey: string | undefined;
const authHeaders = (): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {});

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const ndjsonLines = (text: string) => text.split('\n').filter((line) => line !== '');
/** A user mistake is one clear message, never a stack trace. */
const noStack = (r: CliResult) => expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /);

type Json = Record<string, unknown>;

/** Every contract through the list endpoint, oldest first, page by page. */
async function allContracts(get: (path: string) => Promise<{ status: number; body: Json }>, query = ''): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(`/v1/contracts?limit=1000${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    out.push(...(res.body.contracts as Json[]));
    cursor = res.body.next_cursor as string | null;
  } while (cursor);
  return out;
}

const viaApp = (t: TestApp) => async (path: string) => {
  const res = await request(t.server).get(path);
  return { status: res.status, body: res.body as Json };
};

const viaHttp = (base: string) => async (path: string) => {
  const res = await fetch(`${base}${path}`, { headers: authHeaders() });
  return { status: res.status, body: (await res.json()) as Json };
};

async function orchestrate(base: string, session_id: string, text: string): Promise<string> {
  const res = await fetch(`${base}/v1/orchestrate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders() },
    body: JSON.stringify({ session_id, capability: 'echo', parameters: { text } }),
  });
  const body = (await res.json()) as Json;
  if (res.status !== 200 || body.success !== true) throw new Error(`orchestrate answered ${res.status}: ${JSON.stringify(body)}`);
  return body.contract_id as string;
}

describe('contracts:export, NDJSON contracts:import and db:backup (issue 5 §4)', () => {
  let t: TestApp;
  let work: string;
  let exported: string;
  const TEXTS = ['plain', 'ünïcödé ✓ 😀', 'two\nlines and a "quote"', '{"looks":"like json"}', 'x'.repeat(5000)];

  beforeAll(async () => {
    work = tempDir('orchestrator-export-');
    t = await createTestApp();
    // 6 tasks in exp_a, 2 in exp_b, interleaved: 16 contracts.
    for (let i = 0; i < 8; i++) {
      await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id: i % 3 === 2 ? 'exp_b' : 'exp_a', capability: 'echo', parameters: { text: TEXTS[i % TEXTS.length] } })
        .expect(200);
    }
  });

  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('exports every contract while the server runs, one per line as GET /v1/contracts/:id shows it, in list order', async () => {
    exported = join(work, 'all.ndjson');
    const res = await exportCli(t.dataDir, '--out', exported);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^exported 16 contracts to .*all\.ndjson in \d+ ms\n$/);

    const lines = ndjsonLines(readFileSync(exported, 'utf8'));
    expect(lines).toHaveLength(16);
    const contracts = lines.map((line) => JSON.parse(line) as Json);
    expect(contracts).toEqual(await allContracts(viaApp(t)));
    for (const contract of contracts) {
      const one = await request(t.server)
        .get(`/v1/contracts/${contract.contract_id as string}`)
        .expect(200);
      expect(contract).toEqual(one.body);
    }
    expect(contracts.filter((c) => c.contract_type === 'REQUEST').map((c) => (c.payload as Json).text)).toEqual(
      Array.from({ length: 8 }, (_, i) => TEXTS[i % TEXTS.length]),
    );
    // Written under a temporary name, renamed when complete: nothing else is left in the folder.
    expect(readdirSync(work)).toEqual(['all.ndjson']);
  });

  it('--session exports one session; --out - writes to stdout with the summary on stderr', async () => {
    const file = join(work, 'exp_a.ndjson');
    const res = await exportCli(t.dataDir, '--out', file, '--session', 'exp_a');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^exported 12 contracts of session exp_a to /);
    const a = ndjsonLines(readFileSync(file, 'utf8')).map((line) => JSON.parse(line) as Json);
    expect(a).toEqual(await allContracts(viaApp(t), '&session_id=exp_a'));

    const piped = await exportCli(t.dataDir, '--out', '-', '--session', 'exp_b');
    expect(piped.code).toBe(0);
    expect(piped.stderr).toMatch(/^exported 4 contracts of session exp_b to stdout/);
    const b = ndjsonLines(piped.stdout).map((line) => JSON.parse(line) as Json);
    expect(b).toEqual(await allContracts(viaApp(t), '&session_id=exp_b'));

    const none = await exportCli(t.dataDir, '--out', '-', '--session', 'no_such_session');
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toMatch(/^exported 0 contracts/);
  });

  it('refuses to replace an existing file unless --force, and rejects bad usage with exit code 2 and no stack trace', async () => {
    const file = join(work, 'kept.ndjson');
    writeFileSync(file, 'precious\n');
    const refused = await exportCli(t.dataDir, '--out', file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${file} exists already; pass --force to replace it`);
    noStack(refused);
    expect(readFileSync(file, 'utf8')).toBe('precious\n');

    const forced = await exportCli(t.dataDir, '--out', file, '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(exported, 'utf8'));

    for (const [args, message] of [
      [[], '--out is required'],
      [['--out', join(work, 'x.ndjson'), '--session', '../etc'], 'session_id must be'],
      [['--out', join(work, 'missing-folder', 'x.ndjson')], 'does not exist'],
      [['--outt', 'x'], "Unknown option '--outt'"],
    ] as const) {
      const res = await exportCli(t.dataDir, ...args);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(message);
      noStack(res);
    }
    if (TEST_STORE === 'postgres') return; // the rest is about the SQLite file under DATA_DIR
    // A wrong DATA_DIR is an error, not an empty export (and no store is created there).
    const empty = tempDir('orchestrator-nostore-');
    try {
      const res = await exportCli(empty, '--out', join(work, 'x.ndjson'));
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('no contract store at');
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('an export imported into a fresh store gives the same contracts and sessions; importing it again adds nothing', async () => {
    const fresh = tempDir('orchestrator-reimport-');
    try {
      const first = await importCli(fresh, exported);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/all\.ndjson: imported 16 of 16 contracts in \d+ ms/);
      const again = await importCli(fresh, exported);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/imported 0 of 16 contracts \(the rest were already there\)/);

      // Exporting the copy gives the same bytes.
      const copy = join(work, 'copy.ndjson');
      expect((await exportCli(fresh, '--out', copy)).code).toBe(0);
      expect(readFileSync(copy, 'utf8')).toBe(readFileSync(exported, 'utf8'));

      const restored = await createTestApp({ env: { DATA_DIR: fresh } });
      try {
        expect(await allContracts(viaApp(restored))).toEqual(await allContracts(viaApp(t)));
        const sessions = await request(restored.server).get('/v1/sessions').expect(200);
        const originalSessions = await request(t.server).get('/v1/sessions').expect(200);
        expect(sessions.body.sessions).toEqual(originalSessions.body.sessions);
      } finally {
        await restored.close();
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('reports a bad NDJSON line with its line number, skips it, imports the others and exits 1', async () => {
    const fixture = join(ROOT, 'test/fixtures/ndjson/with-bad-lines.ndjson');
    const fresh = tempDir('orchestrator-badlines-');
    try {
      const dry = await importCli(fresh, '--dry-run', fixture);
      expect(dry.code).toBe(1);
      expect(dry.stdout).toContain('3 valid contracts in 6 lines; skipped 2 invalid lines (dry run, nothing imported)');
      expect(readdirSync(fresh)).toEqual([]);

      const res = await importCli(fresh, fixture);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(
        /^skipped line 2: not valid JSON \(.*\)\nskipped line 5: status "done" is not one of pending, in_progress, completed, failed, cancelled\n$/,
      );
      expect(res.stdout).toMatch(/imported 3 of 3 contracts; skipped 2 invalid lines in \d+ ms/);
      noStack(res);

      // The same lines through stdin with --ndjson.
      const piped = await cli('import-contracts', fresh, ['--ndjson', '-'], readFileSync(fixture, 'utf8'));
      expect(piped.code).toBe(1);
      expect(piped.stdout).toContain('stdin: imported 0 of 3 contracts (the rest were already there); skipped 2 invalid lines');

      const app = await createTestApp({ env: { DATA_DIR: fresh } });
      try {
        const list = await allContracts(viaApp(app), '&session_id=ndjson_fixture');
        expect(list.map((c) => c.contract_id)).toEqual([
          '01K8VF9XK83SYH1HAX57ZGJDY1',
          '01K8VF9XK83SYH1HAX57ZGJDY3',
          '01K8VF9XK83SYH1HAX57ZGJDY5',
        ]);
        expect(list[2]).toMatchObject({ created_at: '2026-01-02T09:00:02.000Z', error: 'agent crashed', metadata: { intent: 'fixture' } });
      } finally {
        await app.close();
      }

      const notNdjson = await importCli(fresh, join(work, 'exp_a.json'));
      expect(notNdjson.code).toBe(2);
      expect(notNdjson.stderr).toContain('not a directory');
      const missing = await importCli(fresh, join(work, 'missing.ndjson'));
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('not a file');
      noStack(missing);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  describeSqliteOnly('db:backup (SQLite store only: it copies orchestrator.db)', () => {
    let live: ServerProcess | undefined;
    let restored: ServerProcess | undefined;
    let dataDir: string;
    let restoreDir: string;

    beforeAll(() => {
      dataDir = tempDir('orchestrator-backup-');
      restoreDir = tempDir('orchestrator-restore-');
    });

    afterAll(async () => {
      await live?.stop();
      await restored?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(restoreDir, { recursive: true, force: true });
    });

    it('takes a consistent backup while a live server is under load; a server started on a copy serves every contract acknowledged before it', async () => {
      live = await startServerProcess({ DATA_DIR: dataDir });
      const base = live.url;
      // A key created while the server runs: from then on every request needs it.
      const created = await keysCli(dataDir, 'create', '--name', 'backup-check', '--scopes', 'read,invoke', '--json');
      expect(created.code).toBe(0);
      const key = JSON.parse(created.stdout) as { id: string; key: string };
      // The server notices the first key within a second.
      await waitFor(async () => (await fetch(`${base}/v1/contracts`)).status === 401, 'the live server to require the key');
      apiKey = key.key;
      const acknowledged: string[] = [];
      for (let i = 0; i < 25; i++) {
        await Promise.all(
          Array.from({ length: 8 }, (_, n) => orchestrate(base, `backup_${n}`, `seed ${i}`).then((id) => acknowledged.push(id))),
        );
      }

      // Keep issuing tasks from 6 callers while the backup runs.
      let stop = false;
      let during = 0;
      let inBackup = false;
      const failures: unknown[] = [];
      const callers = Array.from({ length: 6 }, async (_, n) => {
        for (let i = 0; !stop; i++) {
          try {
            acknowledged.push(await orchestrate(base, `load_${n}`, `load ${i}`));
            if (inBackup) during++;
          } catch (error) {
            failures.push(error);
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 300));

      const ackedBefore = [...acknowledged];
      const backupFile = join(work, 'live-backup.db');
      inBackup = true;
      const backup = await backupCli(dataDir, backupFile);
      inBackup = false;
      // Let the load go on a little after the backup, then stop it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      stop = true;
      await Promise.all(callers);

      try {
        expect(failures).toEqual([]);
        expect(backup.stderr).toBe('');
        expect(backup.code).toBe(0);
        const summary = /written to .* in \d+ ms: [\d.]+ (B|KiB|MiB), (\d+) contracts in (\d+) sessions \(quick_check ok\)/.exec(
          backup.stdout,
        );
        expect(summary).not.toBeNull();
        const inBackupFile = Number(summary![2]);
        expect(during).toBeGreaterThan(0);
        // The backup is one self-contained file.
        expect(existsSync(`${backupFile}-wal`)).toBe(false);

        const liveContracts = await allContracts(viaHttp(base));
        expect(inBackupFile).toBeGreaterThanOrEqual(ackedBefore.length * 2);
        expect(inBackupFile).toBeLessThan(liveContracts.length);
        await live.stop();
        live = undefined;

        // Restore as the README says: the backup becomes ${DATA_DIR}/orchestrator.db of a stopped server.
        copyFileSync(backupFile, join(restoreDir, 'orchestrator.db'));
        restored = await startServerProcess({ DATA_DIR: restoreDir });
        const restoredContracts = await allContracts(viaHttp(restored.url));
        expect(restoredContracts).toHaveLength(inBackupFile);

        // A snapshot: exactly the oldest contracts of the live store, in the same order.
        expect(restoredContracts.map((c) => c.contract_id)).toEqual(liveContracts.slice(0, inBackupFile).map((c) => c.contract_id));
        const byId = new Map(restoredContracts.map((c) => [c.contract_id as string, c]));
        const liveById = new Map(liveContracts.map((c) => [c.contract_id as string, c]));
        const responseOf = new Map(
          restoredContracts.filter((c) => c.contract_type === 'RESPONSE').map((c) => [c.parent_contract_id as string, c]),
        );
        // Every task acknowledged before the backup started is in it, whole and as the live server had it.
        for (const id of ackedBefore) {
          expect(byId.get(id)).toEqual(liveById.get(id));
          expect(byId.get(id)).toMatchObject({ status: 'completed' });
          const response = responseOf.get(id);
          expect(response).toBeDefined();
          expect(response).toEqual(liveById.get(response!.contract_id as string));
        }
        // Every RESPONSE in the backup has its REQUEST in it (transactions are whole).
        for (const response of responseOf.values()) expect(byId.has(response.parent_contract_id as string)).toBe(true);
        const sessions = (await viaHttp(restored.url)('/v1/sessions?limit=1000')).body;
        expect((sessions.sessions as Json[]).reduce((n, s) => n + (s.contract_count as number), 0)).toBe(inBackupFile);

        // The API key is in the backup: the restored server refuses requests without it and takes it.
        expect((await fetch(`${restored.url}/v1/contracts`)).status).toBe(401);
        expect((await viaHttp(restored.url)('/v1/contracts?limit=1')).status).toBe(200);
        const listed = await keysCli(restoreDir, 'list');
        expect(listed.stdout).toContain(key.id);
        expect(listed.stdout).not.toContain(key.key);

        // The restored server takes new tasks.
        await orchestrate(restored.url, 'backup_0', 'after restore');
      } finally {
        apiKey = undefined;
        rmSync(backupFile, { force: true });
      }
    });

    it('refuses to replace an existing file unless --force, and reports bad usage without a stack trace', async () => {
      const target = join(restoreDir, 'kept.db');
      writeFileSync(target, 'precious');
      const refused = await backupCli(t.dataDir, target);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`${target} exists already; pass --force to replace it`);
      noStack(refused);
      expect(readFileSync(target, 'utf8')).toBe('precious');

      const forced = await backupCli(t.dataDir, target, '--force');
      expect(forced.code).toBe(0);
      expect(forced.stdout).toMatch(/16 contracts in 2 sessions \(quick_check ok\)/);
      expect(statSync(target).size).toBeGreaterThan(4096);
      expect(readdirSync(restoreDir).filter((name) => name.startsWith('.'))).toEqual([]);

      for (const [dir, args, message] of [
        [t.dataDir, [], 'the backup file is missing'],
        [t.dataDir, [join(t.dataDir, 'orchestrator.db')], 'is the live store itself'],
        [t.dataDir, [join(restoreDir, 'missing-folder', 'x.db')], 'does not exist'],
        [join(restoreDir, 'no-store-here'), [join(restoreDir, 'x.db')], 'no contract store at'],
      ] as const) {
        const res = await backupCli(dir, ...args);
        expect(res.code).toBe(2);
        expect(res.stderr).toContain(message);
        noStack(res);
      }
    });
  });
});
