// `node test/bench/ab-production.mjs name=<dist dir | framework | floor>[@<log file>] …`
//
// A/B of builds with the `framework` scenario's production settings (LOG_LEVEL=info with JSON lines
// to a file, the rate limit counting every request, an admin API key sent with every request), by
// server CPU time per request: `GET /v1/health`, `GET /v1/contracts/:id` on a store of 10 000
// contracts and, when LOADS names it, `POST /v1/orchestrate` (echo, a new session each). LOADS
// (default `health,contract_by_id`) picks the loads and their order. Each variant is a build of the
// app (a dist/ folder, e.g. a copy with one file changed), `framework` (the bench's framework
// reference, health only) or `floor` (the framework_floor app);
// `@<file>` sends the server's stdout there instead of a file in its data dir (`@/dev/null`).
// All servers run side by side and answer each load in turns (TURNS, default 12, of SECS seconds,
// default 2, after one warm-up turn); the CPU time (user + system, /proc/<pid>/stat) of each process
// is divided by the requests it answered. Medians and means on stdout, every turn in
// test/bench/results/ab-production-<date>.json. PROFILE=<dir> runs every server with --cpu-prof and
// writes `<variant>.cpuprofile` there when it stops (read them with profile-top.mjs); with one load
// in LOADS, a profile is that request's alone.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshSessions, load, orchestrate, round } from './load.mjs';
import { seedWithKey } from './seed.mjs';
import { DIST, FRAMEWORK_APP, makeDataDir, PRODUCTION_ENV, removeDataDir, RESULTS_DIR, startServer } from './server.mjs';

const TURNS = Number(process.env.TURNS ?? 12);
const SECS = Number(process.env.SECS ?? 2);
const CONNECTIONS = 10;
const LOADS = (process.env.LOADS ?? 'health,contract_by_id').split(',');
const PROFILE = process.env.PROFILE ?? null;

const variants = process.argv.slice(2).map((arg) => {
  const [name, spec = ''] = arg.split('=');
  const [dist, logFile] = spec.split('@');
  if (dist === 'framework' || dist === 'floor') return { name, dist: DIST, main: FRAMEWORK_APP, floor: dist === 'floor', logFile };
  return { name, dist, logFile };
});
if (variants.length < 2) throw new Error('give at least two variants: name=<dist dir | framework | floor>[@<log file>]');

const seedDir = makeDataDir('ab-production-seed');
const servers = [];
try {
  const { seeded, headers } = await seedWithKey(seedDir, 'ab');

  for (const v of variants) {
    const dataDir = makeDataDir(`ab-production-${v.name}`);
    cpSync(seedDir, dataDir, { recursive: true });
    const server = await startServer({
      name: v.name,
      dist: v.dist,
      ...(v.main ? { main: v.main } : {}),
      env: { DATA_DIR: dataDir, ...PRODUCTION_ENV, ...(v.floor ? { FRAMEWORK_FLOOR: '1' } : {}) },
      logFile: v.logFile ?? join(dataDir, 'server.log'),
      profile: PROFILE,
    });
    servers.push({ ...v, dataDir, server, cpu: Object.fromEntries(LOADS.map((kind) => [kind, []])) });
  }

  const ids = seeded.sampleIds;
  let next = 0;
  const requests = {
    health: () => ({ method: 'GET', path: '/v1/health' }),
    contract_by_id: () => ({ method: 'GET', path: `/v1/contracts/${ids[next++ % ids.length]}` }),
    orchestrate: orchestrate(freshSessions(`ab-${Date.now().toString(36)}`)),
  };
  const unknown = LOADS.filter((kind) => !(kind in requests));
  if (unknown.length > 0) throw new Error(`LOADS: unknown ${unknown.join(', ')}; known: ${Object.keys(requests).join(', ')}`);
  for (let turn = 0; turn <= TURNS; turn++) {
    // Turn 0 warms every server up and is not counted.
    const order = turn % 2 === 0 ? servers : [...servers].reverse();
    for (const kind of LOADS) {
      for (const s of order) {
        // The framework reference answers health only.
        if (s.main && !s.floor && kind !== 'health') continue;
        const m = await load({
          url: s.server.url,
          pid: s.server.pid,
          connections: CONNECTIONS,
          duration: turn === 0 ? 3 : SECS,
          request: requests[kind],
          headers,
        });
        if (!m.valid) throw new Error(`${s.name} ${kind}: ${JSON.stringify(m)}`);
        if (turn > 0) s.cpu[kind].push(m.server_cpu_ms_per_request * 1000);
      }
    }
    process.stderr.write(`[ab-production] turn ${turn} done\n`);
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const figure = (xs, f) => (xs.length === 0 ? '-' : round(f(xs), 1));
  const rows = servers.map((s) => ({
    variant: s.name,
    ...Object.fromEntries(
      LOADS.flatMap((kind) => [
        [`${kind}_cpu_us_median`, figure(s.cpu[kind], median)],
        [`${kind}_cpu_us_mean`, figure(s.cpu[kind], mean)],
      ]),
    ),
  }));
  console.table(rows);
  const file = join(RESULTS_DIR, `ab-production-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        turns: TURNS,
        seconds_per_turn: SECS,
        connections: CONNECTIONS,
        loads: LOADS,
        measured: 'server CPU µs per request',
        variants: variants.map((v) => ({ name: v.name, dist: v.main ? v.main : v.dist, floor: v.floor === true })),
        rows,
        raw: servers.map((s) => ({ name: s.name, cpu_us: s.cpu })),
      },
      null,
      2,
    )}\n`,
  );
  process.stderr.write(`[ab-production] wrote ${file}\n`);
} finally {
  for (const s of servers) {
    await s.server.stop();
    removeDataDir(s.dataDir);
  }
  removeDataDir(seedDir);
  if (PROFILE) process.stderr.write(`[ab-production] CPU profiles in ${PROFILE}\n`);
}
