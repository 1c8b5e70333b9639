import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './utils/server-process.js';
import { describeSqliteOnly } from './utils/test-database.js';

/** An npm failure that only says the registry could not be reached (no network here). */
const NO_NETWORK = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network request .* failed/i;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Resolves with the port once the server logs that it listens; rejects if it exits first. */
function listeningPort(child: ChildProcess, output: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output());
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm run start:prod exited with ${code} before listening:\n${output()}`)));
  });
}

/**
 * The production start: package.json, package-lock.json and a built dist/ in a folder of their own,
 * `npm ci --omit=dev` there, then `npm run start:prod`. Proves that the server needs no
 * devDependency and no rebuild at run time.
 */
describeSqliteOnly('npm run start:prod after npm ci --omit=dev on a built tree (SQLite store only: checks orchestrator.db)', () => {
  let dir: string;
  let server: ChildProcess | undefined;

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run npm run build (npm test does it first)');
    dir = mkdtempSync(join(tmpdir(), 'production-start-'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  });

  afterAll(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      // npm and the server it started form one process group.
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'installs without devDependencies, starts, is live, answers an echo task and serves the dashboard',
    async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
      const install = await run('npm', ['ci', '--omit=dev', '--ignore-scripts=false', '--no-audit', '--no-fund'], dir, env);
      if (install.code !== 0 && NO_NETWORK.test(install.output)) {
        console.warn(`skipped: npm ci --omit=dev could not reach the npm registry:\n${install.output}`);
        return;
      }
      expect({ code: install.code, output: install.code === 0 ? '' : install.output }).toEqual({ code: 0, output: '' });
      for (const devDependency of ['jest', 'ts-jest', '@nestjs/cli', '@nestjs/testing', 'supertest']) {
        expect([devDependency, existsSync(join(dir, 'node_modules', devDependency))]).toEqual([devDependency, false]);
      }

      let output = '';
      server = spawn('npm', ['run', 'start:prod'], {
        cwd: dir,
        env: { ...env, HOST: '127.0.0.1', PORT: '0', DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const port = await listeningPort(server, () => output);
      const base = `http://127.0.0.1:${port}`;

      // npm's own banner shows the command it ran: the built app, not a rebuild.
      expect(output).toContain('node --max-semi-space-size=8 --heap-growing-percent=100 dist/main.js');
      expect(existsSync(join(dir, 'data', 'orchestrator.db'))).toBe(true);

      const live = await fetch(`${base}/v1/health/live`);
      expect(live.status).toBe(200);

      const echo = await fetch(`${base}/v1/orchestrate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ session_id: 'prod_start', capability: 'echo', parameters: { text: 'from the production start' } }),
      });
      expect(echo.status).toBe(200);
      expect(await echo.json()).toMatchObject({ success: true, data: { message: 'Echo: from the production start' }, error: null });

      // The dashboard was built into dist/ with the server: served without any devDependency (its
      // front-end libraries are bundled).
      const page = await fetch(`${base}/ui`);
      expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      const script = await fetch(`${base}/ui/dashboard.js`);
      expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
      for (const bundled of ['preact', 'esbuild', 'eventsource-parser', 'playwright-core']) {
        expect([bundled, existsSync(join(dir, 'node_modules', bundled))]).toEqual([bundled, false]);
      }
    },
    15 * 60_000,
  );
});
