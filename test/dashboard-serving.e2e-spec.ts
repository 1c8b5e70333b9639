import request from 'supertest';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/** What `npm run build` writes and `/ui` serves (the browser specs drive the page itself). */
describe('GET /ui: the built dashboard, served by the app', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    // Keys on: the page itself stays public, the API behind it does not.
    await t.app.get(ApiKeysService).create('serving_read', ['read']);
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves the page without a key, under the app CSP (own scripts only, no inline script)', async () => {
    const res = await request(t.server).get('/ui').expect(200).expect('content-type', 'text/html; charset=utf-8');
    expect(res.text).toContain('<script type="module" src="/ui/dashboard.js"></script>');
    expect(res.text).toContain('<link rel="stylesheet" href="/ui/dashboard.css" />');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("script-src-attr 'none'");
    expect(res.headers['cache-control']).toBe('no-cache');
    await request(t.server)
      .get('/ui/')
      .expect(200)
      .expect('content-type', /text\/html/);
    await request(t.server).get('/v1/agents').expect(401);
  });

  it('serves the bundled script and stylesheet, with nothing loaded from another origin', async () => {
    const script = await request(t.server).get('/ui/dashboard.js').expect(200).expect('content-type', 'text/javascript; charset=utf-8');
    const style = await request(t.server).get('/ui/dashboard.css').expect(200).expect('content-type', 'text/css; charset=utf-8');
    expect(script.text).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(style.text).not.toMatch(/@import|url\(\s*['"]?https?:/i);
  });

  it.each(['/ui/nope.js', '/ui/..%2Fpackage.json', '/ui/%2e%2e%2fmain.js', '/ui/index.html%00'])('answers 404 for %s', async (path) => {
    const res = await request(t.server).get(path).expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('is not part of the API document', async () => {
    const doc = (await request(t.server).get('/docs-json').expect(200)).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/ui'))).toEqual([]);
  });
});
