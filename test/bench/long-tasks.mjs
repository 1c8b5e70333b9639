// The long_tasks scenario: many slow agent calls in flight at once on one node. A remote HTTP agent in
// its own process answers every call after `delayMs`; it is registered with max_concurrency 10 000 and
// `tasks` tasks are submitted at once with POST /v1/tasks (default settings otherwise). Measured: how
// many calls the agent held at once, whether every task completed, the time from the first submission
// to the last completion, the server's peak resident memory, and GET /v1/health latency during the run.
import { Agent } from 'node:http';
import { percentile, round } from './load.mjs';
import { httpJson, makeDataDir, postJson, removeDataDir, rssMiB, sleep, startServer } from './server.mjs';
import { startSlowAgent } from './slow-agent.mjs';

/**
 * Submissions in flight at once (keep-alive connections of the bench to the server): the tasks are
 * sent as fast as the server takes them, over as many connections as a busy client pool would use.
 */
const SUBMIT_CONNECTIONS = 32;
const HEALTH_EVERY_MS = 50;

export async function longTasks({ tasks, delayMs, profile = null, log = () => {} }) {
  const agent = await startSlowAgent({ delayMs });
  const dataDir = makeDataDir('long-tasks');
  let server;
  try {
    server = await startServer({ name: 'long_tasks', env: { DATA_DIR: dataDir }, profile });
    const registered = await httpJson(`${server.url}/v1/agents`, {
      method: 'POST',
      body: {
        agent_id: 'agent_slow',
        name: 'Slow agent',
        endpoint: agent.url,
        max_concurrency: 10_000,
        capabilities: [{ name: 'slow.call', description: 'answers after a while' }],
      },
    });
    if (registered.status !== 201)
      throw new Error(`registering the slow agent answered ${registered.status}: ${JSON.stringify(registered.body)}`);
    const rssBefore = server.rssMiB();

    // Samples while the run goes on: resident memory, and health latency.
    let sampling = true;
    let rssPeak = rssBefore;
    const healthMs = [];
    const sampler = (async () => {
      while (sampling) {
        const t = process.hrtime.bigint();
        const res = await httpJson(`${server.url}/v1/health`, { timeoutMs: 30_000 });
        if (res.status === 200) healthMs.push(Number(process.hrtime.bigint() - t) / 1e6);
        rssPeak = Math.max(rssPeak, rssMiB(server.pid) ?? 0);
        await sleep(HEALTH_EVERY_MS);
      }
    })();

    log(`long tasks: ${tasks} tasks of ${delayMs} ms submitted at once`);
    const keepAlive = new Agent({ keepAlive: true, maxSockets: SUBMIT_CONNECTIONS });
    const started = Date.now();
    let next = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: SUBMIT_CONNECTIONS }, async () => {
        while (next < tasks) {
          const n = next++;
          const res = await postJson(keepAlive, `${server.url}/v1/tasks`, {
            session_id: `long-${n % 100}`,
            capability: 'slow.call',
            parameters: { n },
          });
          if (res.status !== 202) refused += 1;
        }
      }),
    );
    const submittedMs = Date.now() - started;
    keepAlive.destroy();

    let agents;
    for (;;) {
      const res = await httpJson(`${server.url}/v1/agents`, { timeoutMs: 30_000 });
      agents = res.body.agents.find((a) => a.agent_id === 'agent_slow');
      if (agents.tasks_completed + agents.tasks_failed + refused >= tasks && agents.in_flight === 0) break;
      if (Date.now() - started > 10 * delayMs + 120_000) throw new Error(`long tasks: not done after ${Date.now() - started} ms`);
      await sleep(100);
    }
    const doneMs = Date.now() - started;
    sampling = false;
    await sampler;
    const stats = await agent.stats();
    healthMs.sort((a, b) => a - b);
    return {
      tasks,
      delay_ms: delayMs,
      refused,
      completed: agents.tasks_completed,
      failed: agents.tasks_failed,
      submitted_ms: submittedMs,
      done_s: round(doneMs / 1000, 1),
      peak_in_flight_at_agent: stats.peak_in_flight,
      effective_max_concurrency: agents.effective_max_concurrency,
      rss_before_mb: round(rssBefore, 1),
      rss_peak_mb: round(rssPeak, 1),
      memory_per_task_in_flight_kb: round(((rssPeak - rssBefore) * 1024) / Math.max(1, stats.peak_in_flight), 1),
      health_samples: healthMs.length,
      health_p50_ms: round(percentile(healthMs, 0.5), 2),
      health_p99_ms: round(percentile(healthMs, 0.99), 2),
    };
  } finally {
    if (server) await server.stop();
    removeDataDir(dataDir);
    await agent.close();
  }
}
