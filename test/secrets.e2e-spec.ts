import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json, startServer, type RealServer, type RecordedRequest } from './utils/http-server.js';
import { runServerProcessUntilExit, startServerProcess, type ServerProcess } from './utils/server-process.js';
import { waitFor } from './utils/wait-for.js';

/**
 * Credentials in TRACE_URL / MEMAGENT_URL (`http://user:pass@host`) are used as HTTP basic auth and
 * never shown: not in `/v1/status`, not in any log line of the server, even at LOG_LEVEL=debug and
 * with failing deliveries. Real Trace and MemAgent servers that refuse requests without them; the
 * built server as a child process.
 */

const TRACE_USER = 'tracer';
const TRACE_PASSWORD = 'tr4ce-S3cret-pw';
const MEM_USER = 'memuser';
const MEM_PASSWORD = 'm3m-S3cret-pw';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** Everything that must never appear: the passwords, and the Authorization values built from them. */
const SECRETS = [TRACE_PASSWORD, MEM_PASSWORD, basic(TRACE_USER, TRACE_PASSWORD).slice(6), basic(MEM_USER, MEM_PASSWORD).slice(6)];

/** Answers 401 to a request without the expected basic credentials, else `handler`'s answer. */
function guarded(expected: string, handler: (req: RecordedRequest, res: Parameters<Parameters<typeof startServer>[0]>[1]) => void) {
  return (req: RecordedRequest, res: Parameters<Parameters<typeof startServer>[0]>[1]) => {
    if (req.headers.authorization !== expected) return json(res, 401, { detail: 'credentials required' });
    handler(req, res);
  };
}

const withCredentials = (url: string, user: string, password: string) => url.replace('http://', `http://${user}:${password}@`);

describe('Credentials in integration URLs (e2e)', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let trace: RealServer | undefined;
  let memagent: RealServer | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-secrets-'));
  });
  afterEach(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill9();
    await trace?.close();
    await memagent?.close();
    server = trace = memagent = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends them as basic auth and keeps them out of /v1/status and every log line, failures included', async () => {
    let eventPosts = 0;
    trace = await startServer(
      guarded(basic(TRACE_USER, TRACE_PASSWORD), (req, res) => {
        if (req.method === 'GET' && req.url === '/v1/health') return json(res, 200, { status: 'healthy' });
        eventPosts++;
        // The first event attempt dies without an answer (a transport error), the second gets a 503.
        if (eventPosts === 1) return void res.socket?.destroy();
        if (eventPosts === 2) return json(res, 503, { detail: 'Trace is warming up' });
        json(res, 200, { accepted: true });
      }),
    );
    memagent = await startServer(
      guarded(basic(MEM_USER, MEM_PASSWORD), (req, res) => {
        if (req.method === 'GET' && req.url === '/v1/health') return json(res, 200, { status: 'healthy' });
        json(res, 200, { memory: 'compressed' });
      }),
    );
    server = await startServerProcess({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'debug',
      TRACE_URL: withCredentials(trace.url, TRACE_USER, TRACE_PASSWORD),
      MEMAGENT_URL: withCredentials(memagent.url, MEM_USER, MEM_PASSWORD),
      TRACE_RETRY_BASE_MS: '10',
      TRACE_RETRY_MAX_MS: '50',
      TRACE_POLL_INTERVAL_MS: '50',
      PROBE_CACHE_MS: '0',
    });

    const orchestrate = await fetch(`${server.url}/v1/orchestrate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: 'secret_s1', capability: 'echo', parameters: { text: 'hi' } }),
    });
    expect(orchestrate.status).toBe(200);

    // Delivered after the two failures: the credentials work (the guard refuses anything else).
    const status = await waitFor(async () => {
      const body = (await (await fetch(`${server!.url}/v1/status`)).json()) as {
        integrations: { trace: boolean; memagent: boolean; details: Record<'trace' | 'memagent', Record<string, unknown>> };
      };
      const t = body.integrations.details.trace as { outbox_backlog: number; dispatcher: { delivered: number } };
      return t.outbox_backlog === 0 && t.dispatcher.delivered === 2 ? body : undefined;
    }, 'both events to be delivered');
    expect(status.integrations).toMatchObject({ trace: true, memagent: true });
    expect(status.integrations.details.trace).toMatchObject({
      url: `http://${TRACE_USER}:***@127.0.0.1:${trace.port}`,
      dispatcher: { failed_attempts: 2 },
    });
    expect(status.integrations.details.memagent).toMatchObject({
      url: `http://${MEM_USER}:***@127.0.0.1:${memagent.port}`,
      reachable: true,
    });
    const posts = trace.requests.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect(posts.every((r) => r.headers.authorization === basic(TRACE_USER, TRACE_PASSWORD))).toBe(true);
    // No credentials in the request line either.
    expect(trace.requests.every((r) => !r.url.includes(TRACE_USER))).toBe(true);

    const compressed = await fetch(`${server.url}/v1/compress`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: 'secret_s1' }),
    });
    expect(compressed.status).toBe(200);
    expect(memagent.requests.some((r) => r.method === 'POST' && r.headers.authorization === basic(MEM_USER, MEM_PASSWORD))).toBe(true);

    // MemAgent goes away: the 503 names its URL, without the password.
    await memagent.close();
    const failed = await fetch(`${server.url}/v1/compress`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: 'secret_s1' }),
    });
    const failedBody = await failed.text();
    expect(failed.status).toBe(503);
    expect(failedBody).toContain(`${MEM_USER}:***@`);

    const statusText = await (await fetch(`${server.url}/v1/status`)).text();
    await server.stop();
    const output = server.output();
    expect(output).toContain(`http://${TRACE_USER}:***@127.0.0.1:${trace.port}`); // the start-up line, redacted
    for (const secret of SECRETS) {
      expect({ where: 'status', found: statusText.includes(secret) }).toEqual({ where: 'status', found: false });
      expect({ where: 'compress answer', found: failedBody.includes(secret) }).toEqual({ where: 'compress answer', found: false });
      expect({ where: 'server output', found: output.includes(secret) }).toEqual({ where: 'server output', found: false });
    }
  });

  it('does not quote the password when a URL with credentials is refused at start-up', async () => {
    const run = await runServerProcessUntilExit({
      DATA_DIR: dataDir,
      TRACE_URL: `http://${TRACE_USER}:${TRACE_PASSWORD}@127.0.0.1:9/?token=x`,
      MEMAGENT_URL: `ftp://${MEM_USER}:${MEM_PASSWORD}@127.0.0.1:21`,
    });
    expect(run.listened).toBe(false);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('MEMAGENT_URL');
    for (const secret of SECRETS) expect(run.output).not.toContain(secret);
  });
});
