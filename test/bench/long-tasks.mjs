// The long_tasks scenario: many slow agent calls in flight at once on one node. A remote HTTP agent in
// its own process answers every call after `delayMs`; it is registered with max_concurrency 10 000 and
// `tasks` tasks are submitted at once with POST /v1/tasks (default settings otherwise). Measured: how
// many calls the agent held at once, whether every task completed, the time from the first submission
// to the last completion, the server's peak resident memory, and GET /v1/health latency during the run.
// With `streams`, that many clients then follow waiting tasks' event streams (SSE) until they finish:
// the memory each open stream costs, the health latency while they are open, and that each ends with
// the task's final state.
import { Agent } from 'node:http';
import { percentile, round } from './load.mjs';
import { cpuMs, httpJson, makeDataDir, postJson, removeDataDir, rssMiB, sleep, startServer } from './server.mjs';
import { startSlowAgent } from './slow-agent.mjs';
import { followTask } from './task-streams.mjs';

/**
 * Submissions in flight at once (keep-alive connections of the bench to the server): the tasks are
 * sent as fast as the server takes them, over as many connections as a busy client pool would use.
 */
const SUBMIT_CONNECTIONS = 32;
const HEALTH_EVERY_MS = 50;
/** Streams being opened at once (a burst of connections beyond the listen backlog would be retried by the kernel). */
const OPENING_STREAMS = 64;

/** `nodeOptions`: the server's node options instead of npm start's (to compare settings in one run). */
export async function longTasks({ tasks, delayMs, streams = 0, profile = null, nodeOptions, log = () => {} }) {
  const agent = await startSlowAgent({ delayMs });
  const dataDir = makeDataDir('long-tasks');
  let server;
  try {
    server = await startServer({ name: 'long_tasks', env: { DATA_DIR: dataDir }, profile, ...(nodeOptions ? { nodeOptions } : {}) });
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
    /** Health latency from when every stream is open until the first of them ends. */
    const healthWithStreamsMs = [];
    let streamsOpen = false;
    const sampler = (async () => {
      while (sampling) {
        const t = process.hrtime.bigint();
        const res = await httpJson(`${server.url}/v1/health`, { timeoutMs: 30_000 });
        const ms = Number(process.hrtime.bigint() - t) / 1e6;
        if (res.status === 200) healthMs.push(ms);
        if (res.status === 200 && streamsOpen) healthWithStreamsMs.push(ms);
        rssPeak = Math.max(rssPeak, rssMiB(server.pid) ?? 0);
        await sleep(HEALTH_EVERY_MS);
      }
    })();

    log(`long tasks: ${tasks} tasks of ${delayMs} ms submitted at once`);
    const keepAlive = new Agent({ keepAlive: true, maxSockets: SUBMIT_CONNECTIONS });
    await eventLoopLag(server); // resets the server's lag histogram: the next read covers the run
    const started = Date.now();
    const cpuAtStart = cpuMs(server.pid);
    let next = 0;
    let refused = 0;
    const taskIds = [];
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
          else taskIds.push(res.body.task_id);
        }
      }),
    );
    const submittedMs = Date.now() - started;
    const submissionCpuMs = cpuMs(server.pid) - cpuAtStart;
    keepAlive.destroy();

    // The last tasks submitted: they are the last to finish, so the streams are all open for a while.
    const followed = streams > 0 ? await followTasks(server, taskIds.slice(-streams), log) : null;
    if (followed) streamsOpen = true;
    void followed?.firstEnded.then(() => (streamsOpen = false));

    let agents;
    for (;;) {
      const res = await httpJson(`${server.url}/v1/agents`, { timeoutMs: 30_000 });
      agents = res.body.agents.find((a) => a.agent_id === 'agent_slow');
      if (agents.tasks_completed + agents.tasks_failed + refused >= tasks && agents.in_flight === 0) break;
      if (Date.now() - started > 10 * delayMs + 120_000) throw new Error(`long tasks: not done after ${Date.now() - started} ms`);
      await sleep(100);
    }
    const doneMs = Date.now() - started;
    const runCpuMs = cpuMs(server.pid) - cpuAtStart;
    const lag = await eventLoopLag(server);
    sampling = false;
    await sampler;
    const stats = await agent.stats();
    const streamOutcomes = followed ? await Promise.all(followed.ended) : [];
    healthMs.sort((a, b) => a - b);
    healthWithStreamsMs.sort((a, b) => a - b);
    return {
      tasks,
      delay_ms: delayMs,
      refused,
      completed: agents.tasks_completed,
      failed: agents.tasks_failed,
      submitted_ms: submittedMs,
      server_cpu_ms_per_submission: round(submissionCpuMs / tasks, 3),
      server_cpu_ms_per_task: round(runCpuMs / tasks, 3),
      done_s: round(doneMs / 1000, 1),
      peak_in_flight_at_agent: stats.peak_in_flight,
      effective_max_concurrency: agents.effective_max_concurrency,
      rss_before_mb: round(rssBefore, 1),
      rss_peak_mb: round(rssPeak, 1),
      memory_per_task_in_flight_kb: round(((rssPeak - rssBefore) * 1024) / Math.max(1, stats.peak_in_flight), 1),
      health_samples: healthMs.length,
      health_p50_ms: round(percentile(healthMs, 0.5), 2),
      health_p99_ms: round(percentile(healthMs, 0.99), 2),
      server_event_loop_lag_p99_ms: lag.p99Ms,
      server_event_loop_lag_max_ms: lag.maxMs,
      ...(followed
        ? {
            streams: followed.ended.length,
            streams_ended_completed: streamOutcomes.filter((status) => status === 'completed').length,
            rss_before_streams_mb: round(followed.rssBefore, 1),
            rss_with_streams_mb: round(followed.rssWith, 1),
            memory_per_stream_kb: round(((followed.rssWith - followed.rssBefore) * 1024) / followed.ended.length, 1),
            health_with_streams_samples: healthWithStreamsMs.length,
            health_with_streams_p99_ms: round(percentile(healthWithStreamsMs, 0.99), 2),
          }
        : {}),
    };
  } finally {
    if (server) await server.stop();
    removeDataDir(dataDir);
    await agent.close();
  }
}

/**
 * Opens the event streams of `taskIds` (OPENING_STREAMS at a time) and waits for each one's first
 * event; the server's resident memory is read before and half a second after they are all open.
 */
async function followTasks(server, taskIds, log) {
  log(`long tasks: following ${taskIds.length} waiting tasks' event streams`);
  const rssBefore = server.rssMiB();
  const ended = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: OPENING_STREAMS }, async () => {
      while (next < taskIds.length) {
        const stream = followTask(server.url, taskIds[next++]);
        ended.push(stream.ended.catch((error) => `error: ${error.message}`));
        await stream.opened;
      }
    }),
  );
  await sleep(500);
  return { rssBefore, rssWith: server.rssMiB(), ended, firstEnded: Promise.race(ended) };
}

/**
 * The server's own event loop lag since the previous read (prom-client's `nodejs_eventloop_lag_*`
 * gauges, whose histogram is reset at each scrape of /metrics): unlike the health latency seen from
 * here, it leaves out this process's own delays.
 */
async function eventLoopLag(server) {
  const { body } = await httpJson(`${server.url}/metrics`, { timeoutMs: 30_000 });
  const gauge = (name) => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(typeof body === 'string' ? body : '');
    return match ? round(Number(match[1]) * 1000, 1) : null;
  };
  return { p99Ms: gauge('nodejs_eventloop_lag_p99_seconds'), maxMs: gauge('nodejs_eventloop_lag_max_seconds') };
}
