import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './utils/server-process.js';
import { describeSqliteOnly } from './utils/test-database.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a built CLI (`dist/cli/<name>.js`) with `cwd` as its working directory and DATA_DIR unset
 * unless `env` sets it, so that only the `.env` file in `cwd` can point it at a store.
 */
function cli(name: string, cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', ...env };
  if (env.DATA_DIR === undefined) delete childEnv.DATA_DIR;
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'dist', 'cli', `${name}.js`), ...args], { cwd, env: childEnv }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describeSqliteOnly(
  'the CLIs read .env from the working directory, as the server does (SQLite store only: DATA_DIR names the store)',
  () => {
    let root: string;
    let cwd: string;
    let envDataDir: string;

    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'cli-env-'));
      cwd = join(root, 'work');
      envDataDir = join(root, 'data-from-env');
      mkdirSync(cwd);
      writeFileSync(join(cwd, '.env'), `# the store of this folder\nDATA_DIR=${envDataDir}\n`);
    });

    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('keys create and keys list use the DATA_DIR of .env, not ./data; a DATA_DIR set in the environment wins', async () => {
      const created = await cli('keys', cwd, ['create', '--name', 'from-env', '--scopes', 'read', '--json']);
      expect(created).toMatchObject({ code: 0, stderr: '' });
      const { id } = JSON.parse(created.stdout) as { id: string };

      expect(existsSync(join(envDataDir, 'orchestrator.db'))).toBe(true);
      expect(existsSync(join(cwd, 'data'))).toBe(false);

      const listed = await cli('keys', cwd, ['list', '--json']);
      expect(listed.code).toBe(0);
      expect((JSON.parse(listed.stdout) as { id: string; name: string }[]).map((k) => [k.id, k.name])).toEqual([[id, 'from-env']]);

      const otherDataDir = join(root, 'data-from-environment');
      const listedElsewhere = await cli('keys', cwd, ['list', '--json'], { DATA_DIR: otherDataDir });
      expect(listedElsewhere.code).toBe(0);
      expect(JSON.parse(listedElsewhere.stdout)).toEqual([]);
      expect(existsSync(join(otherDataDir, 'orchestrator.db'))).toBe(true);
    });

    it('db:backup copies the store named by the DATA_DIR of .env', async () => {
      expect((await cli('keys', cwd, ['create', '--name', 'from-env', '--scopes', 'read'])).code).toBe(0);
      const target = join(root, 'backup.db');

      const backup = await cli('backup-database', cwd, [target]);
      expect(backup).toMatchObject({ code: 0, stderr: '' });
      expect(backup.stdout).toContain(`backup of ${join(envDataDir, 'orchestrator.db')} written to ${target}`);
      expect(existsSync(target)).toBe(true);
    });
  },
);
