// autocannon, used programmatically, with our own latency record (autocannon's histogram keeps whole
// milliseconds; the targets here are about a few milliseconds).
import autocannon from 'autocannon';
import { cpuMs } from './server.mjs';

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Drives `url` with autocannon and returns `{requests_per_sec, p50_ms, p99_ms, requests, errors, …}`.
 *
 * - `request()`: returns `{method, path, body?}` per request (called for every request, so bodies and
 *   paths can differ: fresh session ids, random contract ids).
 * - `duration` (s) or `amount` (requests in total).
 * - `headers`: sent with every request (e.g. an API key).
 * - Only 2xx answers count as done requests; anything else is reported in `non_2xx`/`errors` and
 *   makes the measurement invalid (`valid: false`).
 */
export async function load({ url, connections, duration, amount, request, pid, headers = {} }) {
  const first = request();
  const latencies = [];
  const options = {
    url,
    connections,
    pipelining: 1,
    timeout: 30,
    // autocannon checks for the end of `duration` on its sampling tick (default 1 s); 100 ms keeps
    // short segments close to the asked duration. (The rate is computed over the real elapsed time.)
    sampleInt: 100,
    ...(amount !== undefined ? { amount } : { duration }),
    requests: [
      {
        method: first.method,
        path: first.path,
        headers: first.body === undefined ? headers : { ...headers, ...JSON_HEADERS },
        body: first.body,
        setupRequest: (req) => {
          const next = request();
          return { ...req, method: next.method, path: next.path, body: next.body };
        },
      },
    ],
  };
  const cpuBefore = pid === undefined ? null : cpuMs(pid);
  const instance = autocannon(options);
  let firstError = null;
  const statuses = {};
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    else statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  instance.on('reqError', (error) => {
    firstError ??= String(error?.message ?? error);
  });
  const result = await instance;
  const cpuAfter = pid === undefined ? null : cpuMs(pid);
  latencies.sort((a, b) => a - b);
  const ok = latencies.length;
  const errors = result.errors + result.timeouts;
  const non2xx = result.non2xx;
  const m = {
    requests: ok,
    duration_s: result.duration,
    requests_per_sec: round(ok / result.duration, 1),
    p50_ms: round(percentile(latencies, 0.5), 3),
    p99_ms: round(percentile(latencies, 0.99), 3),
    mean_ms: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, ok), 3),
    non_2xx: non2xx,
    statuses,
    errors,
    first_error: firstError,
    valid: ok > 0 && non2xx === 0 && errors === 0,
    // CPU time (user + system) the server process used during the run, per answered request.
    ...(cpuBefore !== null && cpuAfter !== null
      ? {
          server_cpu_ms_per_request: round((cpuAfter - cpuBefore) / Math.max(1, ok + non2xx), 4),
          server_cpu_share: round((cpuAfter - cpuBefore) / (result.duration * 1000), 2),
        }
      : {}),
  };
  Object.defineProperty(m, 'latencies', { value: latencies, enumerable: false });
  Object.defineProperty(m, 'cpu_ms', { value: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null, enumerable: false });
  return m;
}

/** One measurement out of several segments of the same load (see `interleave`). */
export function merge(parts) {
  const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
  const requests = parts.reduce((a, p) => a + p.requests, 0);
  const duration = parts.reduce((a, p) => a + p.duration_s, 0);
  const non2xx = parts.reduce((a, p) => a + p.non_2xx, 0);
  const errors = parts.reduce((a, p) => a + p.errors, 0);
  const cpu = parts.every((p) => p.cpu_ms !== null) ? parts.reduce((a, p) => a + p.cpu_ms, 0) : null;
  const m = {
    requests,
    duration_s: round(duration, 2),
    requests_per_sec: round(requests / duration, 1),
    p50_ms: round(percentile(latencies, 0.5), 3),
    p99_ms: round(percentile(latencies, 0.99), 3),
    mean_ms: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, requests), 3),
    non_2xx: non2xx,
    statuses: Object.assign({}, ...parts.map((p) => p.statuses)),
    errors,
    first_error: parts.find((p) => p.first_error)?.first_error ?? null,
    valid: requests > 0 && non2xx === 0 && errors === 0,
    segments: parts.map((p) => p.requests_per_sec),
    ...(cpu !== null
      ? { server_cpu_ms_per_request: round(cpu / Math.max(1, requests + non2xx), 4), server_cpu_share: round(cpu / (duration * 1000), 2) }
      : {}),
  };
  Object.defineProperty(m, 'latencies', { value: latencies, enumerable: false });
  Object.defineProperty(m, 'cpu_ms', { value: cpu, enumerable: false });
  return m;
}

/**
 * Measures several loads against each other in turns, in palindromic order (A B C C B A, repeated),
 * `turns` segments of `duration / turns` seconds per load, so that a drift of the machine over the run
 * (other tenants, page-cache writeback, a growing database) weighs on every load alike. `loads`:
 * `[{ run(duration) => Promise<measurement>, after?() }]`; `after` runs after each segment (e.g. wait
 * for a dispatcher to catch up). Returns one merged measurement per load, in order.
 */
export async function interleave(loads, duration, turns = 2) {
  const segment = duration / turns;
  const parts = loads.map(() => []);
  const forward = [...loads.keys()];
  const order = [];
  for (let t = 0; t < turns; t++) order.push(...(t % 2 === 0 ? forward : [...forward].reverse()));
  for (const i of order) {
    parts[i].push(await loads[i].run(segment));
    if (loads[i].after) await loads[i].after();
  }
  return parts.map(merge);
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function round(value, digits) {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ------------------------------------------------------------------------------------------------
// Request makers

/** POST /v1/orchestrate echo; `session()` gives the session id of each request. */
export function orchestrate(session) {
  return () => ({
    method: 'POST',
    path: '/v1/orchestrate',
    body: JSON.stringify({ session_id: session(), capability: 'echo', parameters: { text: 'Hello, Agent Orchestrator!' } }),
  });
}

/** A new session id per call: `<prefix>-<n>`, unique within the run. */
export function freshSessions(prefix) {
  let n = 0;
  return () => `${prefix}-${(n++).toString(36)}`;
}

export function health() {
  return () => ({ method: 'GET', path: '/v1/health' });
}
