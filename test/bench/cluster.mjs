// The cluster scenarios (`npm run bench -- --cluster`), on the machine's PostgreSQL and Redis with a
// database and a key prefix of the run's own (dropped afterwards):
//
// - throughput: synchronous POST /v1/orchestrate (echo, a new session each) through one API replica
//   (dist/main.js) and one worker (dist/worker.js), against the SQLite single process (dist/main.js,
//   no DATABASE_URL) in turns; CPU per task of each process (API, worker, PostgreSQL, Redis);
// - worker_kill: tasks of a slow remote agent in flight on two workers; one is killed with SIGKILL and
//   the time to the last of them finished (its completed_at) is measured.
import { Agent } from 'node:http';
import { createRunDatabase, createRunRedisPrefix, REDIS_URL, storeCpuMs } from './cluster-stores.mjs';
import { freshSessions, interleave, load, orchestrate, round } from './load.mjs';
import { cpuMs, httpJson, makeDataDir, postJson, removeDataDir, sleep, startServer, startWorker } from './server.mjs';
import { startSlowAgent } from './slow-agent.mjs';

/** Submissions in flight at once when the worker_kill tasks are sent. */
const SUBMIT_CONNECTIONS = 16;

/** Runs `fn` over `items`, `width` at a time. */
async function inBatches(items, width, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

/** µs of CPU per task, by process, from CPU ms totals over `tasks` tasks. */
function perTaskUs(cpu, tasks) {
  return Object.fromEntries(Object.entries(cpu).map(([k, ms]) => [k, ms === null ? null : round((ms * 1000) / Math.max(1, tasks), 0)]));
}

/**
 * @param {{ duration: number, turns: number, warmup: number, connections: number[], killTasks: number,
 *   killDelayMs: number, stallMs: number, profile: string | null, log: (m: string) => void }} options
 */
export async function cluster({ duration, turns, warmup, connections, killTasks, killDelayMs, stallMs, profile, log }) {
  const database = await createRunDatabase('cluster');
  const keys = createRunRedisPrefix('cluster');
  const dataDirs = [makeDataDir('cluster'), makeDataDir('cluster-sqlite')];
  const processes = [];
  let slowAgent;
  const env = {
    DATA_DIR: dataDirs[0],
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: keys.prefix,
    WORKER_STALL_MS: String(stallMs),
  };
  const keep = (p) => {
    processes.push(p);
    return p;
  };
  try {
    log('cluster: starting the SQLite single process, an API replica and a worker on PostgreSQL + Redis');
    // The replica migrates the database before the worker starts on it.
    const api = keep(await startServer({ name: 'cluster_api', env, profile }));
    // At the bench's log level (no line per task): ready once a task is answered through the replica.
    const answered = async () => {
      const res = await httpJson(`${api.url}/v1/orchestrate`, {
        method: 'POST',
        body: { session_id: 'cluster-ready', capability: 'echo', parameters: { text: 'ready?' } },
        timeoutMs: 60_000,
      });
      return res.status === 200;
    };
    const worker = keep(await startWorker({ name: 'cluster_worker', env, profile, ready: answered }));
    const single = keep(await startServer({ name: 'cluster_sqlite', env: { DATA_DIR: dataDirs[1] }, profile }));

    const requests = [
      orchestrate(freshSessions(`cs-${Date.now().toString(36)}`)),
      orchestrate(freshSessions(`cc-${Date.now().toString(36)}`)),
    ];
    for (const c of connections) {
      await load({ url: single.url, connections: c, duration: warmup, request: requests[0] });
      await load({ url: api.url, connections: c, duration: warmup, request: requests[1] });
    }

    const throughput = [];
    for (const c of connections) {
      log(`cluster: orchestrate on SQLite single process vs API replica + worker, ${c} connections, in turns`);
      const cpu = { api: 0, worker: 0, postgres: 0, redis: 0 };
      const [s, q] = await interleave(
        [
          { run: (d) => load({ url: single.url, pid: single.pid, connections: c, duration: d, request: requests[0] }) },
          {
            run: async (d) => {
              const before = { worker: cpuMs(worker.pid), ...(await storeCpuMs()) };
              const m = await load({ url: api.url, pid: api.pid, connections: c, duration: d, request: requests[1] });
              const after = { worker: cpuMs(worker.pid), ...(await storeCpuMs()) };
              cpu.api += m.cpu_ms;
              for (const k of ['worker', 'postgres', 'redis'])
                cpu[k] = cpu[k] === null || before[k] === null || after[k] === null ? null : cpu[k] + after[k] - before[k];
              return m;
            },
          },
        ],
        duration,
        turns,
      );
      throughput.push({ connections: c, sqlite: s, cluster: q, cluster_cpu_us_per_task: perTaskUs(cpu, q.requests) });
    }
    // The profiles cover the throughput runs only: these processes stop (and write them) here.
    await Promise.all([api.stop(), worker.stop(), single.stop()]);

    let workerKill;
    try {
      workerKill = await killOneWorker();
    } catch (error) {
      log(`cluster: worker_kill failed: ${error?.stack ?? error}`);
      workerKill = { error: String(error?.message ?? error) };
    }
    return { throughput, workerKill };

    async function killOneWorker() {
      log(`cluster: worker_kill: ${killTasks} tasks of ${killDelayMs} ms on two workers, one killed with SIGKILL`);
      slowAgent = await startSlowAgent({ delayMs: killDelayMs });
      const replica = keep(await startServer({ name: 'cluster_api_kill', env }));
      const registered = await httpJson(`${replica.url}/v1/agents`, {
        method: 'POST',
        body: {
          agent_id: 'agent_slow',
          name: 'Slow agent',
          endpoint: slowAgent.url,
          max_concurrency: 10_000,
          capabilities: [{ name: 'slow.call', description: 'answers after a while' }],
        },
      });
      if (registered.status !== 201)
        throw new Error(`registering the slow agent answered ${registered.status}: ${JSON.stringify(registered.body)}`);
      const [doomed] = await Promise.all([
        startWorker({ name: 'cluster_worker_killed', env }).then(keep),
        startWorker({ name: 'cluster_worker_survivor', env }).then(keep),
      ]);

      const keepAlive = new Agent({ keepAlive: true, maxSockets: SUBMIT_CONNECTIONS });
      const submitStart = Date.now();
      const ids = await inBatches([...Array(killTasks).keys()], SUBMIT_CONNECTIONS, async (n) => {
        const res = await postJson(keepAlive, `${replica.url}/v1/tasks`, {
          session_id: `kill-${n}`,
          capability: 'slow.call',
          parameters: { n },
        });
        if (res.status !== 202) throw new Error(`POST /v1/tasks answered ${res.status}: ${JSON.stringify(res.body)}`);
        return res.body.task_id;
      });
      keepAlive.destroy();
      log(`cluster: ${killTasks} tasks submitted in ${Date.now() - submitStart} ms; agent: ${JSON.stringify(await slowAgent.stats())}`);
      // Every task has reached the agent (those of the last agent_delay_ms are in flight on both workers).
      const waitUntil = Date.now() + 60_000;
      while ((await slowAgent.stats()).received < killTasks) {
        if (Date.now() > waitUntil)
          throw new Error(`not every task reached the agent within 60 s: ${JSON.stringify(await slowAgent.stats())}`);
        await sleep(10);
      }
      const atKill = await slowAgent.stats();
      await doomed.kill9();
      const killedAt = Date.now();

      const tasks = new Map();
      const deadline = Date.now() + 120_000;
      for (;;) {
        const open = ids.filter((id) => !tasks.has(id));
        if (open.length === 0) break;
        if (Date.now() > deadline) throw new Error(`${open.length} tasks not finished 120 s after the kill`);
        const read = await inBatches(open, 20, (id) => httpJson(`${replica.url}/v1/tasks/${id}`));
        read.forEach((res, i) => {
          if (res.status === 200 && res.body.status !== 'working' && res.body.status !== 'submitted') tasks.set(open[i], res.body);
        });
        await sleep(100);
      }
      const allDoneMs = Date.now() - killedAt;
      const finished = [...tasks.values()];
      const lastCompleted = Math.max(...finished.map((t) => Date.parse(t.completed_at)));
      const statuses = {};
      for (const t of finished) statuses[t.status] = (statuses[t.status] ?? 0) + 1;
      const responses = await inBatches([...ids.keys()], 20, (n) =>
        httpJson(`${replica.url}/v1/contracts?session_id=kill-${n}&contract_type=RESPONSE`),
      );
      const oneResponseEach = responses.filter((res) => res.status === 200 && res.body.total === 1).length;
      const agentStats = await slowAgent.stats();
      return {
        tasks: killTasks,
        agent_delay_ms: killDelayMs,
        worker_stall_ms: stallMs,
        kill_to_last_completed_ms: lastCompleted - killedAt,
        kill_to_all_seen_done_ms: allDoneMs,
        statuses,
        tasks_with_one_response: oneResponseEach,
        run_again: agentStats.received - atKill.received,
        in_flight_at_kill: atKill.in_flight,
        agent: agentStats,
      };
    }
  } finally {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await slowAgent?.close();
    await Promise.allSettled([database.drop(), keys.drop()]);
    dataDirs.forEach(removeDataDir);
  }
}
