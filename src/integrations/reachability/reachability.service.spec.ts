import { Test, type TestingModule } from '@nestjs/testing';
import { json, startServer, type RealServer } from '../../../test/utils/http-server.js';
import { IntegrationsHttpModule } from '../http/integrations-http.module.js';
import { integrationsConfig, loadIntegrationsConfig } from '../integrations.config.js';
import { ReachabilityService } from './reachability.service.js';

/**
 * The service under test. Unless a spec sets PROBE_TIMEOUT_MS, the probe timeout only bounds a hang
 * (30 s, beyond the 2 s the configuration allows): a loaded CI machine once took more than 2 s to
 * answer a first probe to a server on loopback.
 */
async function createService(env: Record<string, string>): Promise<TestingModule> {
  const config = loadIntegrationsConfig(env);
  const probe = env.PROBE_TIMEOUT_MS === undefined ? { ...config.probe, timeoutMs: 30_000 } : config.probe;
  return Test.createTestingModule({
    imports: [IntegrationsHttpModule],
    providers: [{ provide: integrationsConfig.KEY, useValue: { ...config, probe } }, ReachabilityService],
  }).compile();
}

describe('ReachabilityService (real HTTP servers)', () => {
  let moduleRef: TestingModule | undefined;
  const servers: RealServer[] = [];

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function serve(handler: Parameters<typeof startServer>[0]): Promise<RealServer> {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  }

  it('reports unconfigured services as unreachable without probing', async () => {
    moduleRef = await createService({});
    await expect(moduleRef.get(ReachabilityService).check()).resolves.toEqual({
      memagent: { configured: false, url: null, reachable: false },
      trace: { configured: false, url: null, reachable: false },
    });
  });

  it('probes GET /v1/health: 2xx is reachable, anything else is not', async () => {
    const trace = await serve((req, res) => json(res, req.url === '/v1/health' ? 200 : 404, { status: 'healthy' }));
    const memagent = await serve((_req, res) => json(res, 500, { status: 'broken' }));
    moduleRef = await createService({ TRACE_URL: `${trace.url}/`, MEMAGENT_URL: memagent.url });
    await expect(moduleRef.get(ReachabilityService).check()).resolves.toEqual({
      memagent: { configured: true, url: memagent.url, reachable: false },
      trace: { configured: true, url: trace.url, reachable: true },
    });
    expect(trace.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/health']);
  });

  it('caches results for PROBE_CACHE_MS and shares one probe between concurrent callers', async () => {
    const trace = await serve((_req, res) => {
      setTimeout(() => json(res, 200, {}), 50);
    });
    moduleRef = await createService({ TRACE_URL: trace.url, PROBE_CACHE_MS: '60000' });
    const service = moduleRef.get(ReachabilityService);

    const results = await Promise.all(Array.from({ length: 10 }, () => service.check()));
    expect(results.every((r) => r.trace.reachable)).toBe(true);
    expect(trace.requests).toHaveLength(1);

    await service.check();
    expect(trace.requests).toHaveLength(1); // still cached

    service.reset();
    await service.check();
    expect(trace.requests).toHaveLength(2);
  });

  it('probes again once the cache has expired', async () => {
    let healthy = true;
    const trace = await serve((_req, res) => json(res, healthy ? 200 : 503, {}));
    moduleRef = await createService({ TRACE_URL: trace.url, PROBE_CACHE_MS: '0' });
    const service = moduleRef.get(ReachabilityService);
    expect((await service.check()).trace.reachable).toBe(true);
    healthy = false;
    expect((await service.check()).trace.reachable).toBe(false);
    expect(trace.requests).toHaveLength(2);
  });

  it('answers false when a service hangs past PROBE_TIMEOUT_MS, or is down', async () => {
    const hanging = await serve(() => undefined);
    const dead = await startServer(() => undefined);
    await dead.close();
    moduleRef = await createService({ TRACE_URL: hanging.url, MEMAGENT_URL: dead.url, PROBE_TIMEOUT_MS: '200' });
    await expect(moduleRef.get(ReachabilityService).check()).resolves.toEqual({
      memagent: { configured: true, url: dead.url, reachable: false },
      trace: { configured: true, url: hanging.url, reachable: false },
    });
    expect(hanging.requests).toHaveLength(1);
  });
});
