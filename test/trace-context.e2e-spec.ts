import request from 'supertest';
import { json, startServer, type RealServer } from './utils/http-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

describe('W3C trace context on orchestrate', () => {
  let trace: RealServer;
  let t: TestApp;

  beforeAll(async () => {
    trace = await startServer((_req, res) => json(res, 200, {}));
    t = await createTestApp({ env: { TRACE_URL: trace.url, TRACE_POLL_INTERVAL_MS: '20' } });
  });
  afterAll(async () => {
    await t.close();
    await trace.close();
  });

  const eventsFor = (contractId: string) =>
    trace.requests.filter(
      (r) =>
        (r.json as { data?: { contract_id?: string; parent_contract_id?: string } })?.data?.contract_id === contractId ||
        (r.json as { data?: { parent_contract_id?: string } })?.data?.parent_contract_id === contractId,
    );

  async function run(headers: Record<string, string>) {
    const res = await request(t.server)
      .post('/v1/orchestrate')
      .set(headers)
      .send({ session_id: 'traced', capability: 'echo', parameters: { text: 'x' } })
      .expect(200);
    const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'traced', limit: 1000 }).expect(200);
    const pair = contracts.body.contracts.filter(
      (c: { contract_id: string; parent_contract_id: string }) =>
        c.contract_id === res.body.contract_id || c.parent_contract_id === res.body.contract_id,
    );
    await waitFor(() => eventsFor(res.body.contract_id).length === 2, 'both Trace events');
    return { pair, events: eventsFor(res.body.contract_id) };
  }

  it('keeps a valid traceparent in both contracts and sends it with their Trace events', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { pair, events } = await run({ traceparent });
    expect(pair.map((c: { metadata: { traceparent: string } }) => c.metadata.traceparent)).toEqual([traceparent, traceparent]);
    expect(events.map((e) => e.headers.traceparent)).toEqual([traceparent, traceparent]);
  });

  it.each([
    ['absent', {}],
    ['invalid', { traceparent: 'not-a-trace' }],
    ['all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }],
  ])('starts a new trace when the header is %s', async (_name, headers) => {
    const { pair, events } = await run(headers as Record<string, string>);
    const [requestContract, responseContract] = pair;
    expect(requestContract.metadata.traceparent).toMatch(TRACEPARENT);
    expect(requestContract.metadata.traceparent).not.toContain('0'.repeat(32));
    expect(responseContract.metadata.traceparent).toBe(requestContract.metadata.traceparent);
    expect(events.map((e) => e.headers.traceparent)).toEqual([requestContract.metadata.traceparent, requestContract.metadata.traceparent]);
  });
});
