import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from './utils/server-process.js';

interface Answered {
  contract_id: string;
  session_id: string;
}

async function getJson(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { contracts: Array<Record<string, unknown>> } };
}

describe('Durability: kill -9 mid-run (SPEC §5)', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-durability-'));
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) await server.kill9();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every task answered 200 has its REQUEST and RESPONSE after a restart, and nothing stays in_progress', async () => {
    server = await startServerProcess({ DATA_DIR: dataDir });
    const { url } = server;
    const answered: Answered[] = [];
    let stop = false;
    let sent = 0;

    const caller = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const session_id = `durable_${n}_${i % 5}`;
        sent++;
        try {
          const res = await fetch(`${url}/v1/orchestrate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ session_id, capability: i % 2 ? 'echo' : 'uppercase', parameters: { text: `caller ${n} call ${i}` } }),
          });
          if (res.status !== 200) throw new Error(`unexpected ${res.status}`);
          const body = (await res.json()) as { contract_id: string; success: boolean };
          if (body.success) answered.push({ contract_id: body.contract_id, session_id });
        } catch {
          return; // the server died under us: this call was never acknowledged
        }
      }
    };
    let running = 8;
    const callers = Array.from({ length: 8 }, (_, n) => caller(n).finally(() => running--));
    // Kill once enough tasks have been acknowledged, with calls still in flight.
    while (answered.length < 300 && running === 8) await new Promise((r) => setTimeout(r, 10));
    expect(running).toBe(8);
    await server.kill9();
    stop = true;
    await Promise.all(callers);
    expect(sent).toBeGreaterThan(answered.length);

    server = await startServerProcess({ DATA_DIR: dataDir });
    const stuck = await getJson(`${server.url}/v1/contracts?status=in_progress`);
    expect(stuck.body.total).toBe(0);

    for (const { contract_id, session_id } of answered) {
      const req = await getJson(`${server.url}/v1/contracts/${contract_id}`);
      expect(req.status).toBe(200);
      expect(req.body).toMatchObject({ contract_type: 'REQUEST', status: 'completed', session_id });
    }
    const responses = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await getJson(`${server.url}/v1/contracts?contract_type=RESPONSE&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      for (const c of page.body.contracts) responses.add(c.parent_contract_id as string);
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    for (const { contract_id } of answered) expect(responses.has(contract_id)).toBe(true);

    // Tasks cut off by the kill were closed as failed with the restart message.
    const failed = await getJson(`${server.url}/v1/contracts?status=failed&contract_type=REQUEST&limit=1000`);
    for (const c of failed.body.contracts) expect(c.error).toBe('orchestrator restarted before the task finished');
    await server.stop();
  });
});
