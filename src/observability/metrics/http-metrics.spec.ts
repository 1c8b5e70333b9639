import { routeLabel } from './http-metrics.js';

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
