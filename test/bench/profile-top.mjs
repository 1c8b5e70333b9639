// Summarises a V8 .cpuprofile (from `npm run bench -- --profile`, or `node --cpu-prof`):
// time by area (SQLite native calls, pg, BullMQ, ioredis, Kysely, Express, Nest, validation, ulid, GC, …), then the
// functions with the most self time and the most inclusive time.
//
//   node test/bench/profile-top.mjs <file.cpuprofile> [top=30] [us=<server CPU µs per request>]
//
// With `us` (e.g. ab-production.mjs's figure for the load the profile holds) it also gives each area,
// each frame, and each app function (dist/ or the bench's framework app, with the library and Node
// frames it called) in µs per request: its share of the busy time (neither idle nor start-up) × `us`.
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node test/bench/profile-top.mjs <file.cpuprofile> [top] [us=<CPU µs per request>]');
  process.exit(2);
}
const usArg = rest.find((a) => a.startsWith('us='));
const perRequestUs = usArg ? Number(usArg.slice(3)) : undefined;
const top = Number(rest.find((a) => !a.startsWith('us=')) ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfTime = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
  total += dt;
});

const short = (url) => url.replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/dist\//, 'dist/').replace(/^file:\/\//, '');
const key = (n) => `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

/** Area of a frame by its script; the first matching rule wins. */
const AREAS = [
  ['SQLite (native, via better-sqlite3)', (n) => /kysely\/dist\/esm\/dialect\/sqlite\/sqlite-driver\.js/.test(n.callFrame.url) && n.callFrame.functionName === 'executeQuery'],
  ['garbage collector', (n) => n.callFrame.functionName === '(garbage collector)'],
  ['idle', (n) => n.callFrame.functionName === '(idle)'],
  ['ulid / crypto random', (n) => /node_modules\/ulid\/|internal\/crypto\/(random|webcrypto)/.test(n.callFrame.url)],
  ['pg (PostgreSQL client)', (n) => /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\//.test(n.callFrame.url)],
  ['bullmq', (n) => /node_modules\/bullmq\//.test(n.callFrame.url)],
  ['ioredis', (n) => /node_modules\/(ioredis|redis-parser|@ioredis)\//.test(n.callFrame.url)],
  ['kysely', (n) => /node_modules\/kysely\//.test(n.callFrame.url)],
  ['class-validator / class-transformer', (n) => /node_modules\/class-(validator|transformer)\//.test(n.callFrame.url)],
  ['nest', (n) => /node_modules\/@nestjs\//.test(n.callFrame.url)],
  ['express / router / body-parser', (n) => /node_modules\/(express|router|body-parser|raw-body|on-finished|finalhandler|send|type-is|content-type|iconv-lite|parseurl|qs|cors|vary|etag|fresh|accepts|negotiator|mime|statuses|depd|debug|setprototypeof|http-errors|encodeurl|escape-html)\//.test(n.callFrame.url)],
  ['axios (Trace client)', (n) => /node_modules\/(axios|follow-redirects|form-data|proxy-from-env)\//.test(n.callFrame.url)],
  ['rxjs', (n) => /node_modules\/rxjs\//.test(n.callFrame.url)],
  ['app (dist/)', (n) => /\/dist\//.test(n.callFrame.url) && !/node_modules/.test(n.callFrame.url)],
  ['node http / net / streams', (n) => /node:(_http|http|net|internal\/(streams|http|net|stream_base))|node:events|node:internal\/timers/.test(n.callFrame.url) || ['writev', 'writeUtf8String', 'writeBuffer', 'writeLatin1String'].includes(n.callFrame.functionName)],
  ['module loading (start-up)', (n) => /node:internal\/modules|cjs-module-lexer/.test(n.callFrame.url) || ['compileSourceTextModule', 'internalModuleStat', 'readFileUtf8', 'wrapSafe'].includes(n.callFrame.functionName)],
  ['microtasks / ticks', (n) => ['runMicrotasks', 'processTicksAndRejections'].includes(n.callFrame.functionName)],
  ['program / other native', (n) => n.callFrame.url === ''],
];
/** @type {(n: any) => string} */
const areaOf = (n) => AREAS.find(([, test]) => test(n))?.[0] ?? 'other JS';

const byArea = new Map();
const bySelf = new Map();
const byInclusive = new Map();
for (const [id, t] of selfTime) {
  const n = nodes.get(id);
  byArea.set(areaOf(n), (byArea.get(areaOf(n)) ?? 0) + t);
  bySelf.set(key(n), (bySelf.get(key(n)) ?? 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(nodes.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    byInclusive.set(k, (byInclusive.get(k) ?? 0) + t);
  }
}
const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const list = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `${pct(t)}  ${k}`).join('\n');
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
console.log(`\n-- by area (self time) --\n${list(byArea, 99)}`);
console.log(`\n-- self time --\n${list(bySelf, top)}`);
console.log(`\n-- inclusive time --\n${list(byInclusive, top)}`);

if (perRequestUs !== undefined) {
  // The orchestrator's own code, or the bench's framework app (the floor).
  const isApp = (n) =>
    (/\/dist\//.test(n.callFrame.url) && !/node_modules|\/dist\/(esm|cjs|node)\//.test(n.callFrame.url)) ||
    n.callFrame.url.endsWith('test/bench/framework-app.mjs');
  const areaUs = new Map();
  const selfUs = new Map();
  const appUs = new Map();
  let busy = 0;
  for (const [id, t] of selfTime) {
    const n = nodes.get(id);
    const area = areaOf(n);
    if (area === 'idle') continue;
    let app;
    let startUp = false;
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const c = nodes.get(cur);
      if (areaOf(c) === 'module loading (start-up)') startUp = true;
      if (app === undefined && isApp(c)) app = key(c);
    }
    if (startUp) continue;
    busy += t;
    areaUs.set(area, (areaUs.get(area) ?? 0) + t);
    selfUs.set(key(n), (selfUs.get(key(n)) ?? 0) + t);
    const owner = app ?? `(no app frame) ${area}`;
    appUs.set(owner, (appUs.get(owner) ?? 0) + t);
  }
  const us = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, t]) => `${((perRequestUs * t) / busy).toFixed(1).padStart(7)} µs  ${k}`)
      .join('\n');
  console.log(`\n-- per request: ${perRequestUs} µs of CPU, shared out by busy time --`);
  console.log(`\n-- by area --\n${us(areaUs, 99)}`);
  console.log(`\n-- self time --\n${us(selfUs, top)}`);
  console.log(`\n-- by the nearest app function on the stack (with what it called outside it) --\n${us(appUs, top)}`);
}
