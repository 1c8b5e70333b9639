// `node test/bench/ab.mjs name=<dist dir>[,node-option,…] …`
//
// A/B of builds by server CPU time per request: each variant is a build of the app (a dist/ folder,
// e.g. a copy with one file replaced) started with npm start's node options, or with the options given
// after the folder (`-` alone: none). All servers run side by side; in each round, every variant in
// turn answers the same loads (health, orchestrate with a new session each and Trace delivery on, a
// session's contract list), and the CPU time (user + system, /proc/<pid>/stat) its process used is
// divided by the requests it answered. CPU time per request, unlike requests per second, barely moves
// when other processes share the machine, so a difference of a few percent between variants shows
// even on a busy machine. Results: a table on stdout and test/bench/results/ab-<date>.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshSessions, load, round } from './load.mjs';
import { httpJson, makeDataDir, removeDataDir, RESULTS_DIR, startServer, START_NODE_OPTIONS } from './server.mjs';
import { startTraceServer } from './trace-server.mjs';

const ROUNDS = 3;
const REQUESTS = 3000;
const CONNECTIONS = 10;
const LIST_SESSION = 'ab_list';

const variants = process.argv.slice(2).map((arg) => {
  const [name, spec] = arg.split('=');
  const [dist, ...options] = spec.split(',');
  return { name, dist, nodeOptions: options.length === 0 ? START_NODE_OPTIONS : options.filter((o) => o !== '-') };
});
if (variants.length < 2) throw new Error('give at least two variants: name=<dist dir>[,node-option,…]');

const trace = await startTraceServer({ status: 200 });
const servers = [];
try {
  for (const v of variants) {
    const dataDir = makeDataDir(`ab-${v.name}`);
    const server = await startServer({
      name: v.name,
      dist: v.dist,
      nodeOptions: v.nodeOptions,
      env: { DATA_DIR: dataDir, TRACE_URL: trace.url },
    });
    servers.push({ ...v, dataDir, server, cpu: { health: [], orchestrate: [], list: [] }, rps: { health: [], orchestrate: [], list: [] } });
    // A session of 50 contracts for the list load.
    for (let i = 0; i < 25; i++) {
      await httpJson(`${server.url}/v1/orchestrate`, {
        method: 'POST',
        body: { session_id: LIST_SESSION, capability: 'echo', parameters: { text: `${i}` } },
      });
    }
  }
  const loads = {
    health: () => ({ method: 'GET', path: '/v1/health' }),
    orchestrate: (sessions) => () => ({
      method: 'POST',
      path: '/v1/orchestrate',
      body: JSON.stringify({ session_id: sessions(), capability: 'echo', parameters: { text: 'Hello, Agent Orchestrator!' } }),
    }),
    list: () => ({ method: 'GET', path: `/v1/contracts?session_id=${LIST_SESSION}&limit=20` }),
  };
  for (let r = 0; r < ROUNDS + 1; r++) {
    // Round 0 warms every server up and is not counted.
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order) {
      for (const kind of ['health', 'orchestrate', 'list']) {
        const request = kind === 'orchestrate' ? loads.orchestrate(freshSessions(`ab${r}${s.name}`)) : loads[kind];
        const m = await load({ url: s.server.url, connections: CONNECTIONS, amount: REQUESTS, request, pid: s.server.pid });
        if (!m.valid) throw new Error(`${s.name} ${kind}: ${JSON.stringify(m)}`);
        if (r > 0) {
          s.cpu[kind].push(m.server_cpu_ms_per_request * 1000);
          s.rps[kind].push(m.requests_per_sec);
        }
      }
    }
    process.stderr.write(`[ab] round ${r} done\n`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = servers[0];
  const rows = servers.map((s) => {
    const row = { variant: s.name, node_options: s.nodeOptions.join(' '), rss_mb: round(s.server.rssMiB(), 1) };
    for (const kind of ['health', 'orchestrate', 'list']) {
      row[`${kind}_cpu_us`] = round(median(s.cpu[kind]), 1);
      row[`${kind}_vs_first`] = round(median(s.cpu[kind]) / median(base.cpu[kind]), 3);
    }
    return row;
  });
  console.table(rows);
  const file = join(RESULTS_DIR, `ab-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, requests: REQUESTS, connections: CONNECTIONS, measured: 'server CPU µs per request (median of rounds)', variants: variants.map((v) => ({ name: v.name, dist: v.dist })), rows, raw: servers.map((s) => ({ name: s.name, cpu_us: s.cpu, rps: s.rps })) }, null, 2)}\n`,
  );
  process.stderr.write(`[ab] wrote ${file}\n`);
} finally {
  for (const s of servers) {
    await s.server.stop();
    removeDataDir(s.dataDir);
  }
  await trace.close();
}
