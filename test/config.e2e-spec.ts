import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServerProcessUntilExit, startServerProcess, type ServerProcess } from './utils/server-process.js';

/** Start-up configuration of the built server (SPEC §6, §7): bad values stop it, naming the variable. */
describe('Configuration at start-up (SPEC §7)', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-config-'));
  });
  afterEach(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill9();
    server = undefined;
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Integrations unset whatever the environment of the test run says. */
  const baseEnv = () => ({ DATA_DIR: dataDir, TRACE_URL: undefined, MEMAGENT_URL: undefined });

  it.each([
    ['PORT', 'abc'],
    ['TASK_TIMEOUT_MS', '-5'],
    ['MEMAGENT_TIMEOUT_MS', 'soon'],
    ['TRACE_URL', 'ftp://x'],
    ['SQLITE_SYNCHRONOUS', 'SOMETIMES'],
    ['LOG_LEVEL', 'loud'],
  ])('%s=%s stops start-up with a non-zero exit code and a message naming it', async (name, value) => {
    const run = await runServerProcessUntilExit({ ...baseEnv(), [name]: value });
    expect(run.listened).toBe(false);
    expect(run.signal).toBeNull();
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.output).toContain(name);
  });

  it('starts with TRACE_URL and MEMAGENT_URL unset, both reported not configured', async () => {
    server = await startServerProcess(baseEnv());
    const res = await fetch(`${server.url}/v1/status`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { integrations: { details: { trace: object; memagent: object } } };
    expect(body.integrations.details.trace).toMatchObject({ configured: false, url: null });
    expect(body.integrations.details.memagent).toMatchObject({ configured: false, url: null });
    await server.stop();
  });
});
