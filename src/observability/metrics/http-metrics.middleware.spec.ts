import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpMetricsMiddleware, routeLabel } from './http-metrics.middleware.js';
import type { MetricsService } from './metrics.service.js';

type Req = Parameters<typeof routeLabel>[0];

describe('routeLabel', () => {
  it.each([
    [{ route: { path: '/v1/tasks/:task_id' } }, '/v1/tasks/:task_id'],
    [{ route: { path: '/items/:id' }, baseUrl: '/api' }, '/api/items/:id'],
    [{}, 'unmatched'],
    [{ route: { path: '{/*splat}' } }, 'unmatched'],
    [{ route: { path: '/{*splat}' } }, 'unmatched'],
    [{ route: { path: '*' } }, 'unmatched'],
    [{ route: { path: '/*' } }, 'unmatched'],
    [{ route: { path: /regex/ } }, 'unmatched'],
  ])('%j → %s', (req, label) => {
    expect(routeLabel(req as unknown as Req)).toBe(label);
  });
});

describe('HttpMetricsMiddleware', () => {
  it('records method, route template and status once the answer is sent', () => {
    const observed: unknown[][] = [];
    const metrics = { observeHttp: (...args: unknown[]) => observed.push(args) } as unknown as MetricsService;
    const middleware = new HttpMetricsMiddleware(metrics);
    const req = { method: 'GET', url: '/v1/tasks/01ABC' } as IncomingMessage & { route?: { path: string } };
    const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as ServerResponse;
    let nextCalled = false;
    middleware.use(req, res, () => (nextCalled = true));
    expect(nextCalled).toBe(true);
    expect(observed).toHaveLength(0);

    req.route = { path: '/v1/tasks/:task_id' };
    res.statusCode = 404;
    res.emit('finish');
    res.emit('finish');
    expect(observed).toEqual([['GET', '/v1/tasks/:task_id', 404, expect.any(Number)]]);
    expect(observed[0][3]).toBeGreaterThanOrEqual(0);
  });
});
