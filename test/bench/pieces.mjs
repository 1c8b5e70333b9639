// `node test/bench/pieces.mjs` (after npm run build)
//
// CPU cost of single pieces of the request path, each against its plain alternative, in this process:
// the compiled code of dist/ called in a loop, the two sides alternating in short batches so that a
// busy machine weighs on both alike. Prints µs per call (median of batches) and the difference; the
// difference set against a request's cost (`npm run bench`: server CPU per request) says whether the
// piece can decide a target. Results: stdout and test/bench/results/pieces-<date>.json. (The pieces
// that lost, the hand-built Trace event JSON and the filter-shape query cache, were measured by the
// version of this file in commit 19ed348.)
import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { monotonicFactory } from 'ulid';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, RESULTS_DIR } from './server.mjs';

const dist = (path) => import(pathToFileURL(join(DIST, path)).href);
const { FastPathValidationPipe, VALIDATION_OPTIONS } = await dist('common/validation/fast-path-validation.pipe.js');
const { OrchestrateRequestDto } = await dist('orchestrator/dto/orchestrate-request.dto.js');
const { newUlid } = await dist('common/ids/ulid.js');
const { traceparentFrom } = await dist('common/tracing/traceparent.js');

const BATCHES = 40;

/** µs per call of `fn` (sync or async), median over batches of `n` calls, alternating a and b. */
async function compare(name, n, a, b) {
  const times = { a: [], b: [] };
  for (let i = 0; i < 5 * n; i++) {
    await a();
    await b();
  }
  for (let batch = 0; batch < BATCHES; batch++) {
    for (const [side, fn] of batch % 2 === 0
      ? [
          ['a', a],
          ['b', b],
        ]
      : [
          ['b', b],
          ['a', a],
        ]) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await fn();
      times[side].push(Number(process.hrtime.bigint() - t0) / 1000 / n);
    }
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const row = { piece: name, with_us: +median(times.a).toFixed(2), without_us: +median(times.b).toFixed(2) };
  row.saves_us = +(row.without_us - row.with_us).toFixed(2);
  return row;
}

const body = () => ({
  session_id: `s_${Math.random().toString(36).slice(2)}`,
  capability: 'echo',
  parameters: { text: 'Hello, Agent Orchestrator!' },
});
const metadata = { type: 'body', metatype: OrchestrateRequestDto, data: '' };
const fastPipe = new FastPathValidationPipe();
const plainPipe = new ValidationPipe(VALIDATION_OPTIONS);

const plainUlid = monotonicFactory();
let ms = 0;
// Ids of new milliseconds (the monotonic factory only draws randomness when the millisecond changes).
const at = () => (ms += 1);

const syncCheck = () => true;
const asyncCheck = async () => true;

const rows = [
  await compare(
    'FastPathValidationPipe (orchestrate body)',
    200,
    () => fastPipe.transform(body(), metadata),
    () => plainPipe.transform(body(), metadata),
  ),
  await compare(
    'pooled ULID randomness (2 ids + traceparent)',
    2000,
    () => (newUlid(at()), newUlid(at()), traceparentFrom(undefined)),
    () => (plainUlid(at()), plainUlid(at()), `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`),
  ),
  await compare('sync guard result (T | Promise<T>)', 5000, syncCheck, asyncCheck),
];
console.table(rows);
const file = join(RESULTS_DIR, `pieces-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, batches: BATCHES, rows }, null, 2)}\n`);
process.stderr.write(`wrote ${file}\n`);
