// `npm run bench [-- --quick] [-- --only=name,name] [-- --profile]`
//
// Builds dist/ first when it is missing or older than src/ (build-if-needed.mjs); starts the built
// server (dist/main.js, with npm start's node options) as a child process per scenario on 127.0.0.1 with a fresh temporary DATA_DIR, drives it with autocannon
// from this process, prints one table and writes test/bench/results/latest.json. Every figure is a
// ratio to a reference measured in the same run, or an absolute figure stated with the machine.
//
// --quick     every scenario at reduced size (the whole run in under a minute); the file says "quick": true
// --only=a,b  run only these scenarios: framework (vs_framework: production settings against a bare
//             NestJS app), framework_floor (the least work on that framework vs production), orchestrate (with health and history_10000), outbox (outbox_cost,
//             trace_outage, outbox_delivery), big_store (with rss), in_process, long_tasks; result names work too
// BENCH_DIST=<dir>  run against another build of the app (e.g. a patched copy of dist/, for an A/B test)
// --profile   the servers run with --cpu-prof; profiles go to test/bench/results/tmp/profiles/<date>/
// --cluster   also the cluster scenario (needs the machine's PostgreSQL and Redis: BENCH_POSTGRES_URL,
//             BENCH_REDIS_URL): orchestrate through an API replica + a worker vs the SQLite single
//             process, CPU per task by process, and a worker killed with tasks in flight; its raw
//             figures also go to test/bench/results/cluster-<date>.json. `--only=cluster` runs it alone.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { buildIfNeeded } from './build-if-needed.mjs';
import { calibrate } from './calibrate.mjs';
import { cluster } from './cluster.mjs';
import { clusterStoresReachable } from './cluster-stores.mjs';
import { inProcess } from './in-process.mjs';
import { longTasks } from './long-tasks.mjs';
import { freshSessions, health, interleave, load, orchestrate, round } from './load.mjs';
import { seedStore, seedWithKey } from './seed.mjs';
import {
  DIST,
  FRAMEWORK_APP,
  httpJson,
  makeDataDir,
  PRODUCTION_ENV,
  removeDataDir,
  RESULTS_DIR,
  ROOT,
  sleep,
  startServer,
} from './server.mjs';
import { startTraceServer } from './trace-server.mjs';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
/** Result names that are measured by another scenario function. */
const ALIASES = {
  outbox_cost: 'outbox',
  trace_outage: 'outbox',
  outbox_delivery: 'outbox',
  rss: 'big_store',
  health: 'orchestrate',
  history_10000: 'orchestrate',
  vs_framework: 'framework',
};
const ONLY =
  args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
    .filter(Boolean)
    .map((name) => ALIASES[name] ?? name) ?? null;
const CLUSTER = args.includes('--cluster') || (ONLY?.includes('cluster') ?? false);
const STAMP = new Date().toISOString().replace(/[:.]/g, '-');
const PROFILE_DIR = args.includes('--profile') ? join(RESULTS_DIR, 'tmp', 'profiles', STAMP) : null;

/** Sizes of the run. The full run follows the issue's numbers; quick keeps the shapes at reduced size. */
const SIZE = QUICK
  ? {
      duration: 2,
      turns: 2,
      warmup: 0.5,
      history: 10_000,
      backlog: 5_000,
      bigContracts: 100_000,
      bigSessions: 1_000,
      rssCalls: 1_000,
      inProcessWarmup: 1_000,
      inProcessCalls: 3_000,
      longTasks: 1_000,
      longTaskMs: 5_000,
      longTaskStreams: 500,
      clusterKillTasks: 50,
    }
  : {
      duration: 10,
      turns: 4,
      warmup: 2,
      history: 10_000,
      backlog: 20_000,
      bigContracts: 1_000_000,
      bigSessions: 10_000,
      rssCalls: 10_000,
      inProcessWarmup: 2_000,
      inProcessCalls: 5_000,
      longTasks: 5_000,
      longTaskMs: 20_000,
      longTaskStreams: 2_500,
      clusterKillTasks: 200,
    };

/** Connections of the orchestrate scenarios that are not about concurrency. */
const C = 10;

/** The framework scenarios' store, with a line in the bench's log. */
async function seedFrameworkStore(dataDir, prefix) {
  log('seeding 10 000 contracts for GET /v1/contracts/:id; creating an API key');
  return seedWithKey(dataDir, prefix);
}

const rows = [];
/** Raw figures of a scenario, written to test/bench/results/<name>-<date>.json beside latest.json. */
const rawFiles = {};
const notes = QUICK
  ? [
      "quick run: reduced sizes (see sizes), 1 s turns; figures are indicative. outbox_delivery drains 5 000 events instead of 20 000, so the dispatcher's recovery delay after Trace returns (up to TRACE_RETRY_MAX_MS = 1 s) weighs four times as much as in the full run.",
    ]
  : [];
const t0 = Date.now();

function log(message) {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${s}s] ${message}\n`);
}

/** A target: `{figure, op: '>=' | '<=', value, unit?}`. */
function judge(value, target) {
  if (!Number.isFinite(value)) return false;
  return target.op === '>=' ? value >= target.value : value <= target.value;
}

function targetText(t) {
  return `${t.op} ${t.value}${t.unit ? ` ${t.unit}` : ''}`;
}

/** A row of load figures (reference or target row). */
function addRow({ name, kase, connections, m, figure, value, target, reference, details }) {
  const row = {
    name,
    ...(kase ? { case: kase } : {}),
    connections: connections ?? null,
    requests_per_sec: m?.requests_per_sec ?? null,
    p50_ms: m?.p50_ms ?? null,
    p99_ms: m?.p99_ms ?? null,
  };
  if (figure) {
    row.figure = figure;
    row[figure] = value;
    const valid = m === undefined || m === null || m.valid !== false;
    if (target) {
      row.target = targetText(target);
      row.target_value = target.value;
      row.met = valid && judge(value, target);
    } else {
      // A figure reported without a target (e.g. framework_floor's ratios): never judged.
      row.met = null;
    }
    if (!valid) row.invalid = `non-2xx: ${m.non_2xx}, errors: ${m.errors}${m.first_error ? ` (${m.first_error})` : ''}`;
  } else {
    row.figure = 'reference';
  }
  if (reference) row.reference = reference;
  if (details) row.details = details;
  if (m) {
    row.load = { requests: m.requests, duration_s: m.duration_s, mean_ms: m.mean_ms, non_2xx: m.non_2xx, errors: m.errors };
    if (m.segments) row.load.segments_requests_per_sec = m.segments;
    if (m.server_cpu_ms_per_request !== undefined) {
      row.load.server_cpu_ms_per_request = m.server_cpu_ms_per_request;
      row.load.server_cpu_share = m.server_cpu_share;
    }
  }
  rows.push(row);
  return row;
}

function ratio(a, b) {
  return round(a / b, 3);
}

async function withServer(options, body) {
  const dataDir = options.dataDir ?? makeDataDir(options.name);
  let server;
  try {
    server = await startServer({ ...options, env: { DATA_DIR: dataDir, ...options.env }, profile: PROFILE_DIR });
    return await body(server, dataDir);
  } finally {
    if (server) await server.stop();
    removeDataDir(dataDir);
  }
}

async function warm(url, ...makers) {
  for (const request of makers) await load({ url, connections: C, duration: SIZE.warmup, request });
}

async function backlogOf(url) {
  const res = await httpJson(`${url}/v1/status`, { timeoutMs: 30_000 });
  if (res.status !== 200) throw new Error(`GET /v1/status answered ${res.status}`);
  return res.body.integrations.details.trace.outbox_backlog;
}

/**
 * Throws unless `a` and `b` answer each request with the same status, the same JSON body and the same
 * header names (framework_floor: the floor must do the orchestrator's whole answer, no less). A
 * request is a path (GET) or `{ method, path, body, volatile }`; the body's `volatile` fields (new ids,
 * times) are compared by type only.
 */
async function sameAnswers(a, b, requests, headers) {
  for (const request of requests) {
    const { method = 'GET', path, body, volatile = [] } = typeof request === 'string' ? { path: request } : request;
    const init = { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, body };
    const [ra, rb] = await Promise.all([a, b].map((s) => fetch(`${s.url}${path}`, init)));
    const names = (r) => [...r.headers.keys()].sort((x, y) => x.localeCompare(y)).join(', ');
    const shown = (json) => JSON.stringify({ ...json, ...Object.fromEntries(volatile.map((k) => [k, typeof json?.[k]])) });
    const [ba, bb] = await Promise.all([ra.json(), rb.json()]);
    if (ra.status !== rb.status || shown(ba) !== shown(bb) || names(ra) !== names(rb)) {
      throw new Error(
        `${method} ${path}: the floor answers differently from the orchestrator:\n${ra.status} ${names(ra)}\n${JSON.stringify(ba)}\n${rb.status} ${names(rb)}\n${JSON.stringify(bb)}`,
      );
    }
  }
}

function runPrefix(label) {
  return `${label}-${Date.now().toString(36)}`;
}

// ------------------------------------------------------------------------------------------------
// Scenarios

const scenarios = {
  /**
   * The request path against the framework it runs on: a bare NestJS 12 / Express app with one GET
   * route (framework-app.mjs, the reference) and the orchestrator with production settings
   * (PRODUCTION_ENV, an API key sent and checked), side by side, measured in turns:
   * GET /v1/health, POST /v1/orchestrate (echo, new session each) and GET /v1/contracts/:id at 10
   * connections, then orchestrate at 100 connections against the reference at 100.
   */
  async framework() {
    const dataDir = makeDataDir('production');
    const servers = [];
    try {
      const { seeded, headers } = await seedFrameworkStore(dataDir, 'fw');
      servers.push(await startServer({ name: 'framework', main: FRAMEWORK_APP, profile: PROFILE_DIR }));
      servers.push(
        await startServer({
          name: 'production',
          env: { DATA_DIR: dataDir, ...PRODUCTION_ENV },
          logFile: join(dataDir, 'server.log'),
          profile: PROFILE_DIR,
        }),
      );
      const [ref, prod] = servers;
      const ids = seeded.sampleIds;
      let next = 0;
      const byId = () => ({ method: 'GET', path: `/v1/contracts/${ids[next++ % ids.length]}` });
      const orch = orchestrate(freshSessions(runPrefix('f')));
      const run = (server, request, connections) => (duration) =>
        load({ url: server.url, pid: server.pid, connections, duration, request, headers });
      for (const [server, request] of [
        [ref, health()],
        [prod, health()],
        [prod, orch],
        [prod, byId],
      ]) {
        await load({ url: server.url, connections: C, duration: SIZE.warmup, request, headers });
      }
      log(`framework reference vs production settings at ${C} connections`);
      const [f, h, o, g] = await interleave(
        [{ run: run(ref, health(), C) }, { run: run(prod, health(), C) }, { run: run(prod, orch, C) }, { run: run(prod, byId, C) }],
        SIZE.duration,
        SIZE.turns,
      );
      const reference = (m, connections) => ({ name: 'framework', connections, requests_per_sec: m.requests_per_sec });
      addRow({
        name: 'framework',
        connections: C,
        m: f,
        details: { app: 'test/bench/framework-app.mjs', start_ms: round(ref.startMs, 1) },
      });
      const settings = { env: PRODUCTION_ENV, api_key: 'admin scope, sent as X-API-Key' };
      for (const [kase, m, min] of [
        ['health', h, 0.85],
        ['orchestrate', o, 0.5],
        ['contract_by_id', g, 0.6],
      ]) {
        addRow({
          name: 'vs_framework',
          kase,
          connections: C,
          m,
          figure: 'ratio',
          value: ratio(m.requests_per_sec, f.requests_per_sec),
          target: { op: '>=', value: min },
          reference: reference(f, C),
          details: settings,
        });
      }
      log('framework reference vs production orchestrate at 100 connections');
      const [f100, o100] = await interleave([{ run: run(ref, health(), 100) }, { run: run(prod, orch, 100) }], SIZE.duration, SIZE.turns);
      addRow({ name: 'framework', connections: 100, m: f100 });
      addRow({
        name: 'vs_framework',
        kase: 'orchestrate',
        connections: 100,
        m: o100,
        figure: 'ratio',
        value: ratio(o100.requests_per_sec, f100.requests_per_sec),
        target: { op: '>=', value: 0.5 },
        reference: reference(f100, 100),
        details: settings,
      });
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      removeDataDir(dataDir);
    }
  },

  /**
   * What the framework scenario's ratios leave to the orchestrator's own code. Side by side, in turns:
   * the framework reference; the same app doing only the work any implementation of the answers has
   * to do (framework-app.mjs with FRAMEWORK_FLOOR=1: the orchestrator's response headers on every
   * answer; for a contract also the key check, one prepared SQLite read, the API's mapping, the
   * X-RateLimit-* headers and one log line; for an echo task the body parser, the key check and the
   * two group-committed transactions of SPEC §5); and the orchestrator with the framework scenario's
   * production settings. No targets: every row is a ratio to the reference, and the floor rows bound
   * what any implementation on Express could reach on this machine.
   */
  async framework_floor() {
    const dataDir = makeDataDir('floor');
    // The floor writes tasks too: its own copy of the store, so that the two never wait for each other's lock.
    const floorDir = makeDataDir('floor-store');
    const servers = [];
    try {
      const { seeded, headers } = await seedFrameworkStore(dataDir, 'fl');
      cpSync(dataDir, floorDir, { recursive: true });
      const ref = await startServer({ name: 'framework', main: FRAMEWORK_APP, profile: PROFILE_DIR });
      servers.push(ref);
      const floor = await startServer({
        name: 'floor',
        main: FRAMEWORK_APP,
        env: { FRAMEWORK_FLOOR: '1', DATA_DIR: floorDir, BENCH_DIST: DIST },
        logFile: join(floorDir, 'floor.log'),
        profile: PROFILE_DIR,
      });
      servers.push(floor);
      const prod = await startServer({
        name: 'production',
        env: { DATA_DIR: dataDir, ...PRODUCTION_ENV },
        logFile: join(dataDir, 'server.log'),
        profile: PROFILE_DIR,
      });
      servers.push(prod);
      const ids = seeded.sampleIds;
      const task = orchestrate(freshSessions(runPrefix('fl-check')))();
      await sameAnswers(
        floor,
        prod,
        ['/v1/health', `/v1/contracts/${ids[0]}`, { ...task, volatile: ['contract_id', 'timestamp'] }],
        headers,
      );
      let next = 0;
      const byId = () => ({ method: 'GET', path: `/v1/contracts/${ids[next++ % ids.length]}` });
      const loads = [
        { app: 'framework', kase: 'health', server: ref, request: health() },
        { app: 'floor', kase: 'health', server: floor, request: health() },
        { app: 'production', kase: 'health', server: prod, request: health() },
        { app: 'floor', kase: 'contract_by_id', server: floor, request: byId },
        { app: 'production', kase: 'contract_by_id', server: prod, request: byId },
        { app: 'floor', kase: 'orchestrate', server: floor, request: orchestrate(freshSessions(runPrefix('flf'))) },
        { app: 'production', kase: 'orchestrate', server: prod, request: orchestrate(freshSessions(runPrefix('flp'))) },
      ];
      for (const { server, request } of loads) await load({ url: server.url, connections: C, duration: SIZE.warmup, request, headers });
      log(`framework reference, floor and production settings at ${C} connections`);
      const measured = await interleave(
        loads.map(({ server, request }) => ({
          run: (duration) => load({ url: server.url, pid: server.pid, connections: C, duration, request, headers }),
        })),
        SIZE.duration,
        // Short turns: the rows are compared with each other, and this machine's speed drifts within seconds.
        SIZE.turns * 3,
      );
      const [f] = measured;
      addRow({ name: 'framework_floor', kase: 'framework', connections: C, m: f, details: { app: 'test/bench/framework-app.mjs' } });
      for (const [i, { app, kase }] of loads.entries()) {
        if (i === 0) continue;
        const m = measured[i];
        addRow({
          name: 'framework_floor',
          kase: `${app} ${kase}`,
          connections: C,
          m,
          figure: 'ratio',
          value: ratio(m.requests_per_sec, f.requests_per_sec),
          reference: { name: 'framework_floor/framework', connections: C, requests_per_sec: f.requests_per_sec },
          details:
            app === 'floor'
              ? { app: 'test/bench/framework-app.mjs', env: { FRAMEWORK_FLOOR: '1' } }
              : { env: PRODUCTION_ENV, api_key: 'admin scope, sent as X-API-Key' },
        });
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      removeDataDir(dataDir);
      removeDataDir(floorDir);
    }
  },

  /**
   * One server, on a store seeded (through the repository, before the start) with one session of
   * 10 000 contracts:
   * - orchestrate: POST /v1/orchestrate (echo, fresh session ids) vs GET /v1/health, at 10 and 100
   *   connections, a ratio without a target: orchestrate's target is against the framework reference
   *   (vs_framework), since a ratio to our own health moves whenever health alone gets faster or slower;
   * - history_10000: orchestrate into the 10 000-contract session vs into empty (fresh) sessions.
   */
  async orchestrate() {
    const dataDir = makeDataDir('orchestrate');
    const session = 'history-10000';
    log(`seeding one session with ${SIZE.history} contracts`);
    const seeded = await seedStore({ dataDir, contracts: SIZE.history, sessionIds: [session] }).catch((error) => {
      removeDataDir(dataDir);
      throw error;
    });
    await withServer({ name: 'orchestrate', dataDir }, async (server) => {
      const orch = orchestrate(freshSessions(runPrefix('o')));
      const full = orchestrate(() => session);
      await warm(server.url, health(), orch, full);
      for (const connections of [10, 100]) {
        log(`health vs orchestrate at ${connections} connections`);
        const [h, o] = await interleave(
          [
            { run: (duration) => load({ url: server.url, pid: server.pid, connections, duration, request: health() }) },
            { run: (duration) => load({ url: server.url, pid: server.pid, connections, duration, request: orch }) },
          ],
          SIZE.duration,
          SIZE.turns,
        );
        addRow({ name: 'health', connections, m: h, details: { start_ms: round(server.startMs, 1) } });
        addRow({
          name: 'orchestrate',
          connections,
          m: o,
          figure: 'ratio',
          value: ratio(o.requests_per_sec, h.requests_per_sec),
          reference: { name: 'health', connections, requests_per_sec: h.requests_per_sec },
        });
      }

      log('orchestrate into empty sessions vs into the 10 000-contract session');
      const [e, f] = await interleave(
        [
          { run: (duration) => load({ url: server.url, pid: server.pid, connections: C, duration, request: orch }) },
          { run: (duration) => load({ url: server.url, pid: server.pid, connections: C, duration, request: full }) },
        ],
        SIZE.duration,
        SIZE.turns,
      );
      addRow({ name: 'history_10000', kase: 'empty_session', connections: C, m: e, details: { session_contracts_at_start: 0 } });
      addRow({
        name: 'history_10000',
        kase: 'session_with_10000',
        connections: C,
        m: f,
        figure: 'ratio',
        value: ratio(f.requests_per_sec, e.requests_per_sec),
        target: { op: '>=', value: 0.9 },
        reference: { name: 'history_10000/empty_session', requests_per_sec: e.requests_per_sec },
        details: { session_contracts_at_start: SIZE.history, seed_ms: round(seeded.ms, 0) },
      });
    });
  },

  /**
   * Three fresh servers side by side, measured in turns: no Trace (the reference), TRACE_URL → a
   * Trace answering 200 (outbox_cost), TRACE_URL → a Trace answering 503 throughout (trace_outage).
   * After each turn of the 200 server, the bench waits until its outbox is empty again, so that its
   * dispatcher does not run during another server's turn (the time is reported). The 503 server then
   * serves outbox_delivery: its backlog is topped up, Trace comes back, and the drain is timed.
   */
  async outbox() {
    const trace200 = await startTraceServer({ status: 200 });
    const trace503 = await startTraceServer({ status: 503 });
    const dirs = [makeDataDir('no-trace'), makeDataDir('trace-200'), makeDataDir('trace-503')];
    const servers = [];
    try {
      log('starting three servers: no Trace, Trace 200, Trace 503');
      // TRACE_RETRY_MAX_MS=1000 on the outage server: its dispatcher retries at least every second
      // (the default backs off to 60 s), a harsher outage for the request path, and Trace's return is
      // noticed within a second for outbox_delivery.
      const started = await Promise.allSettled([
        startServer({ name: 'no_trace', env: { DATA_DIR: dirs[0] }, profile: PROFILE_DIR }),
        startServer({ name: 'outbox_cost', env: { DATA_DIR: dirs[1], TRACE_URL: trace200.url }, profile: PROFILE_DIR }),
        startServer({
          name: 'trace_outage',
          env: { DATA_DIR: dirs[2], TRACE_URL: trace503.url, TRACE_RETRY_MAX_MS: '1000' },
          profile: PROFILE_DIR,
        }),
      ]);
      for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const [ref, ok, down] = servers;
      const requests = servers.map((_, i) => orchestrate(freshSessions(runPrefix(`t${i}`))));
      let drainWaitMs = 0;
      const waitForEmptyOutbox = async () => {
        const t = Date.now();
        while ((await backlogOf(ok.url)) > 0) {
          if (Date.now() - t > 60_000) throw new Error('the Trace-200 server did not empty its outbox within 60 s');
          await sleep(50);
        }
        drainWaitMs += Date.now() - t;
      };
      for (const [i, server] of servers.entries()) await warm(server.url, requests[i]);
      await waitForEmptyOutbox();
      drainWaitMs = 0;
      log('orchestrate: no Trace vs Trace 200 vs Trace 503, in turns');
      const backlogs = [];
      const [r, t, o] = await interleave(
        [
          { run: (duration) => load({ url: ref.url, pid: ref.pid, connections: C, duration, request: requests[0] }) },
          {
            run: async (duration) => {
              const m = await load({ url: ok.url, pid: ok.pid, connections: C, duration, request: requests[1] });
              backlogs.push(await backlogOf(ok.url));
              return m;
            },
            after: waitForEmptyOutbox,
          },
          { run: (duration) => load({ url: down.url, pid: down.pid, connections: C, duration, request: requests[2] }) },
        ],
        SIZE.duration,
        SIZE.turns,
      );
      addRow({ name: 'outbox_cost', kase: 'no_trace', connections: C, m: r });
      addRow({
        name: 'outbox_cost',
        kase: 'trace_200',
        connections: C,
        m: t,
        figure: 'ratio',
        value: ratio(t.requests_per_sec, r.requests_per_sec),
        target: { op: '>=', value: 0.85 },
        reference: { name: 'outbox_cost/no_trace', requests_per_sec: r.requests_per_sec },
        details: {
          backlog_at_end_of_each_turn: backlogs,
          drain_after_turns_ms: drainWaitMs,
          trace: await trace200.stats(),
        },
      });
      const outageBacklog = await backlogOf(down.url);
      addRow({
        name: 'trace_outage',
        connections: C,
        m: o,
        figure: 'ratio',
        value: ratio(o.requests_per_sec, r.requests_per_sec),
        target: { op: '>=', value: 0.85 },
        reference: { name: 'outbox_cost/no_trace', requests_per_sec: r.requests_per_sec },
        details: { backlog_after_load: outageBacklog, trace_retry_max_ms: 1000, trace: await trace503.stats() },
      });

      // outbox_delivery on the outage server, alone on the machine.
      await Promise.all(servers.splice(0, 2).map((s) => s.stop()));
      const missing = SIZE.backlog - outageBacklog;
      let topUp = null;
      if (missing > 0) {
        const calls = Math.ceil(missing / 2);
        log(`topping the backlog up: ${calls} more orchestrate calls while Trace answers 503`);
        topUp = await load({ url: down.url, connections: C, amount: calls, request: requests[2] });
        if (!topUp.valid) throw new Error(`topping up the backlog failed: ${JSON.stringify(topUp)}`);
      }
      const backlog = await backlogOf(down.url);
      if (backlog < SIZE.backlog) throw new Error(`backlog is ${backlog}, expected at least ${SIZE.backlog}`);
      log(`backlog ${backlog}; Trace answers 200 from now on`);
      let timer;
      const drained = await Promise.race([
        trace503.watch(backlog, 200),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('backlog not delivered within 180 s')), 180_000);
        }),
      ]).finally(() => clearTimeout(timer));
      const left = await backlogOf(down.url);
      addRow({
        name: 'outbox_delivery',
        figure: 'events_per_sec',
        value: round(drained.events / (drained.since_watch_ms / 1000), 1),
        target: { op: '>=', value: 2000, unit: 'events/s' },
        details: {
          backlog,
          delivered: drained.events,
          drain_ms: round(drained.since_watch_ms, 0),
          first_delivery_after_ms: round(drained.first_after_ms, 0),
          events_per_sec_first_to_last: round(drained.events / (drained.first_to_last_ms / 1000), 1),
          duplicates: drained.duplicates,
          backlog_after: left,
          trace_retry_max_ms: 1000,
          measured: 'from the instant Trace answers 200 to the last distinct event accepted by Trace',
        },
      });
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await Promise.all([trace200.close(), trace503.close()]);
      dirs.forEach(removeDataDir);
    }
  },

  /**
   * 1 000 000 contracts over 10 000 sessions, seeded through the repository before the server starts:
   * p50 of GET /v1/contracts?session_id=… and GET /v1/contracts/:id (one connection: the latency of
   * one request, no queueing), process start to the first 200 of /v1/health, and the server's RSS
   * after start and after a run of orchestrate calls.
   */
  async big_store() {
    const dataDir = makeDataDir('big');
    const sessionIds = Array.from({ length: SIZE.bigSessions }, (_, i) => `big-${String(i).padStart(5, '0')}`);
    log(`seeding ${SIZE.bigContracts} contracts over ${SIZE.bigSessions} sessions`);
    let lastLog = Date.now();
    const seeded = await seedStore({
      dataDir,
      contracts: SIZE.bigContracts,
      sessionIds,
      sample: 10_000,
      onProgress: (n) => {
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          log(`  ${n} contracts`);
        }
      },
    }).catch((error) => {
      removeDataDir(dataDir);
      throw error;
    });
    log(`seeded in ${(seeded.ms / 1000).toFixed(1)} s; starting the server on it`);
    await withServer({ name: 'big_store', dataDir }, async (server) => {
      await sleep(100);
      const rssStart = server.rssMiB();
      const pick = (list) => list[Math.floor(Math.random() * list.length)];
      const bySession = () => ({ method: 'GET', path: `/v1/contracts?session_id=${pick(sessionIds)}` });
      const byId = () => ({ method: 'GET', path: `/v1/contracts/${pick(seeded.sampleIds)}` });
      const check = await httpJson(`${server.url}${bySession().path}`);
      if (check.status !== 200 || check.body.contracts.length === 0)
        throw new Error(`list by session: ${check.status} ${JSON.stringify(check.body).slice(0, 200)}`);
      const perSession = check.body.total;

      await load({ url: server.url, connections: 1, duration: SIZE.warmup, request: bySession });
      await load({ url: server.url, connections: 1, duration: SIZE.warmup, request: byId });
      log('GET /v1/contracts?session_id=… and GET /v1/contracts/:id on the big store');
      const [list, one] = await interleave(
        [
          { run: (duration) => load({ url: server.url, pid: server.pid, connections: 1, duration, request: bySession }) },
          { run: (duration) => load({ url: server.url, pid: server.pid, connections: 1, duration, request: byId }) },
        ],
        SIZE.duration,
        SIZE.turns,
      );
      const store = {
        contracts: seeded.inserted,
        sessions: SIZE.bigSessions,
        contracts_per_session: perSession,
        seed_ms: round(seeded.ms, 0),
      };
      addRow({
        name: 'big_store',
        kase: 'list_by_session',
        connections: 1,
        m: list,
        figure: 'p50_ms',
        value: list.p50_ms,
        target: { op: '<=', value: 5, unit: 'ms' },
        details: { ...store, page: 'default limit 100' },
      });
      addRow({
        name: 'big_store',
        kase: 'get_by_id',
        connections: 1,
        m: one,
        figure: 'p50_ms',
        value: one.p50_ms,
        target: { op: '<=', value: 5, unit: 'ms' },
        details: store,
      });
      addRow({
        name: 'big_store',
        kase: 'start_to_health',
        figure: 'start_ms',
        value: round(server.startMs, 1),
        target: { op: '<=', value: 2000, unit: 'ms' },
        details: {
          ...store,
          measured:
            'spawn of the server (node with the options of npm start, dist/main.js) to the first 200 of GET /v1/health (polled every 5 ms)',
        },
      });
      addRow({
        name: 'rss',
        kase: 'after_start',
        figure: 'rss_mb',
        value: round(rssStart, 1),
        target: { op: '<=', value: 250, unit: 'MB' },
        details: { store: 'big_store', source: '/proc/<pid>/status VmRSS, MiB' },
      });

      log(`${SIZE.rssCalls} orchestrate calls on the big store`);
      const orch = await load({
        url: server.url,
        pid: server.pid,
        connections: C,
        amount: SIZE.rssCalls,
        request: orchestrate(freshSessions(runPrefix('r'))),
      });
      await sleep(100);
      const rssAfter = server.rssMiB();
      addRow({
        name: 'rss',
        kase: `after_${SIZE.rssCalls}_orchestrate`,
        connections: C,
        m: orch,
        figure: 'rss_mb',
        value: round(rssAfter, 1),
        target: { op: '<=', value: 250, unit: 'MB' },
        details: { store: 'big_store', calls: SIZE.rssCalls, source: '/proc/<pid>/status VmRSS, MiB' },
      });
    });
  },

  /** OrchestratorService.orchestrate() called directly (no HTTP), echo, p50 per call. */
  async in_process() {
    log(`in-process: ${SIZE.inProcessCalls} calls after ${SIZE.inProcessWarmup} warm-up calls`);
    const r = await inProcess({ warmup: SIZE.inProcessWarmup, calls: SIZE.inProcessCalls });
    addRow({
      name: 'in_process',
      connections: 1,
      m: { requests_per_sec: r.calls_per_sec, p50_ms: r.p50_ms, p99_ms: r.p99_ms },
      figure: 'p50_ms',
      value: r.p50_ms,
      target: { op: '<=', value: 0.3, unit: 'ms' },
      details: r,
    });
  },

  /** 5 000 tasks of a remote agent answering after 20 s, submitted at once, default settings; 2 500 of them followed over SSE. */
  async long_tasks() {
    const r = await longTasks({
      tasks: SIZE.longTasks,
      delayMs: SIZE.longTaskMs,
      streams: SIZE.longTaskStreams,
      profile: PROFILE_DIR,
      log,
    });
    // The full run's targets; a quick run scales them to its size (its tasks, its delay + 20 s).
    const doneWithinS = QUICK ? SIZE.longTaskMs / 1000 + 20 : 40;
    const health = { requests_per_sec: null, p50_ms: r.health_p50_ms, p99_ms: r.health_p99_ms };
    addRow({
      name: 'long_tasks',
      kase: 'failed',
      figure: 'tasks',
      value: r.failed + r.refused,
      target: { op: '<=', value: 0, unit: 'tasks' },
      details: r,
    });
    addRow({
      name: 'long_tasks',
      kase: 'at_agent_at_once',
      figure: 'tasks',
      value: r.peak_in_flight_at_agent,
      target: { op: '>=', value: Math.round(0.9 * SIZE.longTasks), unit: 'tasks' },
    });
    addRow({
      name: 'long_tasks',
      kase: 'all_done',
      figure: 'seconds',
      value: r.done_s,
      target: { op: '<=', value: doneWithinS, unit: 's' },
    });
    addRow({ name: 'long_tasks', kase: 'rss_peak', figure: 'rss_mb', value: r.rss_peak_mb, target: { op: '<=', value: 600, unit: 'MB' } });
    addRow({
      name: 'long_tasks',
      kase: 'health_during',
      m: health,
      figure: 'p99_ms',
      value: r.health_p99_ms,
      target: { op: '<=', value: 50, unit: 'ms' },
    });
    addRow({
      name: 'long_tasks',
      kase: 'streams_ended_completed',
      figure: 'streams',
      value: r.streams_ended_completed,
      target: { op: '>=', value: SIZE.longTaskStreams, unit: 'streams' },
    });
    addRow({
      name: 'long_tasks',
      kase: 'memory_per_stream',
      figure: 'kb',
      value: r.memory_per_stream_kb,
      // Cheap: less than the task in flight it follows (about 45 KB).
      target: { op: '<=', value: 40, unit: 'KB' },
    });
    addRow({
      name: 'long_tasks',
      kase: 'health_with_streams',
      m: {
        requests_per_sec: null,
        p50_ms: null,
        p99_ms: r.health_with_streams_p99_ms,
        // No sample when a followed task ended before the last stream was open (a very slow burst).
        ...(r.health_with_streams_samples > 0
          ? {}
          : { valid: false, non_2xx: 0, errors: 0, first_error: 'no sample: a followed task ended before every stream was open' }),
      },
      figure: 'p99_ms',
      value: r.health_with_streams_p99_ms,
      target: { op: '<=', value: 50, unit: 'ms' },
    });
  },

  /**
   * Issue 13 §5, with `--cluster`: sync orchestrate tasks/s through one API replica + one worker on
   * PostgreSQL + Redis vs the SQLite single process (in turns, the ratio), the CPU per task of each
   * process, and the time from SIGKILL of a worker with slow remote tasks in flight to the last of
   * them finished on the other worker.
   */
  async cluster() {
    const unreachable = await clusterStoresReachable();
    if (unreachable) throw new Error(`cluster needs PostgreSQL and Redis: ${unreachable}`);
    const stallMs = 2000;
    const killDelayMs = 3000;
    const r = await cluster({
      duration: SIZE.duration,
      turns: SIZE.turns,
      warmup: SIZE.warmup,
      connections: [C, 100],
      killTasks: SIZE.clusterKillTasks,
      killDelayMs,
      stallMs,
      profile: PROFILE_DIR,
      log,
    });
    for (const t of r.throughput) {
      addRow({ name: 'cluster_orchestrate', kase: 'sqlite_single_process', connections: t.connections, m: t.sqlite });
      addRow({
        name: 'cluster_orchestrate',
        kase: 'api_worker_postgres_redis',
        connections: t.connections,
        m: t.cluster,
        figure: 'tasks_per_sec',
        value: t.cluster.requests_per_sec,
        target: { op: '>=', value: 800, unit: 'tasks/s' },
        reference: { name: 'cluster_orchestrate/sqlite_single_process', requests_per_sec: t.sqlite.requests_per_sec },
        details: {
          ratio_to_sqlite: ratio(t.cluster.requests_per_sec, t.sqlite.requests_per_sec),
          cpu_us_per_task: t.cluster_cpu_us_per_task,
          sqlite_cpu_us_per_task: round(t.sqlite.server_cpu_ms_per_request * 1000, 0),
        },
      });
    }
    const k = r.workerKill;
    rawFiles.cluster = r;
    if (k.error) {
      rows.push({ name: 'cluster_worker_kill', figure: 'error', error: k.error, met: false });
      return;
    }
    // Stalled-job detection: the lock lapses within WORKER_STALL_MS of its last renewal and the other
    // worker checks every WORKER_STALL_MS / 2; then the task runs again for the agent's delay. One
    // second on top for the start of the run again (reading the REQUEST, the agent's round trip).
    const bound = stallMs + stallMs / 2 + killDelayMs + 1000;
    addRow({
      name: 'cluster_worker_kill',
      figure: 'ms',
      value: k.kill_to_last_completed_ms,
      target: { op: '<=', value: bound, unit: 'ms' },
      details: k,
    });
  },
};

// ------------------------------------------------------------------------------------------------
// Run, print, write

/** Which code ran: the commit of the tree, whether src/ had uncommitted changes, and the build used. */
function codeInfo() {
  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const status = git('status', '--porcelain', '--', 'src');
  return { commit: git('rev-parse', '--short', 'HEAD'), src_uncommitted_changes: status === null ? null : status.length > 0, dist: DIST };
}

// The bench measures dist/ (or BENCH_DIST, an A/B build the caller made).
if (!process.env.BENCH_DIST && buildIfNeeded()) log('built dist/');

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory_gb: round(totalmem() / 2 ** 30, 1),
  node: process.version,
  platform: `${process.platform} ${release()}`,
  // Its speed at the start of this run (see calibrate.mjs); compare absolute figures of two runs with it.
  calibration: calibrate(),
};
const CODE = codeInfo();
log(
  `${QUICK ? 'quick' : 'full'} run on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ` +
    `calibration: JS loop ${machine.calibration.js_loop_ms} ms, 4 KiB frame write ${machine.calibration.frame_write_us} µs`,
);

const errors = [];
for (const [name, scenario] of Object.entries(scenarios)) {
  if (ONLY && !ONLY.includes(name)) continue;
  if (name === 'cluster' && !CLUSTER) continue;
  try {
    await scenario();
  } catch (error) {
    log(`${name} failed: ${error?.stack ?? error}`);
    errors.push({ scenario: name, error: String(error?.message ?? error) });
    rows.push({ name, figure: 'error', error: String(error?.message ?? error), met: false });
  }
}
const wallS = round((Date.now() - t0) / 1000, 1);

function cell(v, digits = 1) {
  return v === null || v === undefined ? '' : typeof v === 'number' ? v.toFixed(digits) : String(v);
}
function figureText(row) {
  switch (row.figure) {
    case 'reference':
      return 'reference';
    case 'ratio':
      return `ratio ${row.ratio.toFixed(3)}`;
    case 'events_per_sec':
      return `${row.events_per_sec.toFixed(0)} events/s`;
    case 'p50_ms':
      return `p50 ${row.p50_ms.toFixed(3)} ms`;
    case 'start_ms':
      return `${row.start_ms.toFixed(0)} ms`;
    case 'rss_mb':
      return `${row.rss_mb.toFixed(1)} MB`;
    case 'tasks':
      return `${row.tasks} tasks`;
    case 'tasks_per_sec':
      return `${row.tasks_per_sec.toFixed(0)} tasks/s`;
    case 'ms':
      return `${row.ms.toFixed(0)} ms`;
    case 'seconds':
      return `${row.seconds.toFixed(1)} s`;
    case 'p99_ms':
      return `p99 ${row.p99_ms.toFixed(2)} ms`;
    case 'streams':
      return `${row.streams} streams`;
    case 'kb':
      return `${row.kb.toFixed(1)} KB`;
    case 'error':
      return `error: ${row.error.slice(0, 60)}`;
    default:
      return '';
  }
}
const header = ['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'figure', 'target', 'result'];
const table = rows.map((r) => [
  r.case ? `${r.name} ${r.case}` : r.name,
  cell(r.connections, 0),
  cell(r.requests_per_sec, 0),
  cell(r.p50_ms, 3),
  cell(r.p99_ms, 3),
  figureText(r),
  r.target ?? '',
  r.figure === 'reference'
    ? ''
    : r.invalid
      ? r.met === null
        ? 'invalid'
        : 'MISS (invalid)'
      : r.met === null
        ? ''
        : r.met
          ? 'pass'
          : 'MISS',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells) => cells.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
const judged = rows.filter((r) => r.figure !== 'reference' && r.met !== null);
const metCount = judged.filter((r) => r.met).length;
console.log(
  [
    '',
    `Agent Orchestrator benchmark (${QUICK ? 'quick' : 'full'}) — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${new Date().toISOString()}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...table.map(line),
    '',
    `${metCount} of ${judged.length} targets met; wall time ${wallS} s${PROFILE_DIR ? `; CPU profiles in ${PROFILE_DIR}` : ''}`,
  ].join('\n'),
);

const results = {
  quick: QUICK,
  ...(ONLY ? { only: ONLY } : {}),
  date: new Date().toISOString(),
  machine,
  code: CODE,
  wall_time_s: wallS,
  sizes: SIZE,
  notes: [
    'Server: node dist/main.js with the node options of npm start (package.json scripts.start) as a child process on 127.0.0.1, a fresh temporary DATA_DIR per server (removed afterwards), LOG_LEVEL=warn. orchestrate, health and history_10000 share one server whose store holds the seeded 10 000-contract session; outbox_cost, trace_outage and their no-Trace reference run on three fresh servers; outbox_delivery drains the trace_outage server. Load: autocannon in the bench process; Trace: a node:http server in its own child process.',
    'requests_per_sec counts 2xx answers only; p50_ms/p99_ms are per-request latencies measured by autocannon (float ms), over 2xx answers.',
    'ratio = requests_per_sec of the row / requests_per_sec of its reference, both measured in this run. A row and its reference are measured in turns (A B B A …, sizes.turns segments of sizes.duration / sizes.turns seconds each) so that drift of the machine weighs on both alike; segments_requests_per_sec shows the turns.',
    "Trace runs in its own process so that it does not share the load generator's event loop (it would delay autocannon's reads and inflate exactly the with-Trace latencies); it still shares the machine's cores with the server and autocannon.",
    "outbox_cost: after each turn of the Trace-200 server the bench waits until its outbox is empty (drain_after_turns_ms), so that its dispatcher never runs during another server's turn. trace_outage and outbox_delivery run with TRACE_RETRY_MAX_MS=1000 (dispatcher retries at least every second: a harsher outage than the 60 s default, and Trace's return is noticed within a second).",
    'big_store latencies are measured with one connection (the time of one request, without queueing behind others); start_ms is the time from spawning the server to the first 200 of GET /v1/health.',
    'server_cpu_ms_per_request: user+system CPU of the server process (all its threads) during the measurement, per answered request (Linux /proc).',
    "machine.calibration: the machine's speed when the run started: js_loop_ms for a fixed 20-million-step integer loop, frame_write_us per pair of writes shaped like a SQLite WAL frame (24-byte header + 4 KiB page). Absolute figures (start_ms, p50_ms, in_process) move with them; ratios much less.",
    ...(CLUSTER
      ? [
          "cluster (--cluster): one API replica (dist/main.js) and one worker (dist/worker.js) with DATABASE_URL → a fresh database on the machine's PostgreSQL and REDIS_URL → its Redis (a key prefix of the run), both dropped afterwards; the reference is the SQLite single process (dist/main.js, no DATABASE_URL) measured in turns with it. cpu_us_per_task: CPU of each process per answered task over the measured turns (api and worker from /proc/<pid>/stat; postgres = every postgres process on the machine, redis = INFO cpu of the whole server, so other users of those servers count too). cluster_worker_kill: tasks of a remote agent answering after agent_delay_ms are submitted with POST /v1/tasks to a replica with two workers running (WORKER_STALL_MS=2000); once the agent holds all of them one worker gets SIGKILL; the figure is the time from the kill to the latest completed_at of the tasks.",
        ]
      : []),
    ...notes,
  ],
  targets_met: metCount,
  targets_total: judged.length,
  scenarios: rows,
};
mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
log(`wrote ${join(RESULTS_DIR, 'latest.json')}`);
for (const [name, raw] of Object.entries(rawFiles)) {
  const file = join(RESULTS_DIR, `${name}-${STAMP}.json`);
  writeFileSync(file, `${JSON.stringify({ date: results.date, machine, code: CODE, quick: QUICK, sizes: SIZE, ...raw }, null, 2)}\n`);
  log(`wrote ${file}`);
}
process.exitCode = errors.length > 0 ? 1 : 0;
