import { UnsupportedMediaTypeException } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { bodyTooDeepMessage, MAX_BODY_DEPTH } from './body-depth.js';
import { isJsonContentType, jsonBodies, jsonBodiesOnly } from './json-body.js';

describe('isJsonContentType', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON;charset=UTF-8',
    ' application/json ',
    'application/merge-patch+json',
    'application/vnd.api+json; ext=x',
  ])('%s is JSON', (type) => {
    expect(isJsonContentType(type)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'text/json',
    'application/jsonp',
    'application/json-seq',
    'application/json+x',
    'application/+json',
    'json',
    'application/xml; a=application/json',
  ])('%s is not', (type) => {
    expect(isJsonContentType(type)).toBe(false);
  });
});

describe('jsonBodiesOnly', () => {
  const outcome = (headers: Record<string, string>) => {
    let passed: unknown = 'not called';
    jsonBodiesOnly()({ headers } as unknown as Request, {} as Response, (error?: unknown) => (passed = error));
    return passed;
  };

  it('a body that is not JSON: 415 naming what was sent', () => {
    const error = outcome({ 'content-type': 'text/plain', 'content-length': '5' });
    expect(error).toBeInstanceOf(UnsupportedMediaTypeException);
    expect((error as Error).message).toContain("'text/plain'");
    expect(outcome({ 'content-length': '5' })).toBeInstanceOf(UnsupportedMediaTypeException);
    expect(outcome({ 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' })).toBeInstanceOf(
      UnsupportedMediaTypeException,
    );
  });

  it('a JSON body, or no body at all, passes', () => {
    expect(outcome({ 'content-type': 'application/json', 'content-length': '2' })).toBeUndefined();
    expect(outcome({})).toBeUndefined();
    expect(outcome({ 'content-length': '0' })).toBeUndefined();
    expect(outcome({ 'content-type': 'text/plain', 'content-length': '0' })).toBeUndefined();
  });
});

describe('jsonBodies (through a real HTTP server)', () => {
  const app = express();
  app.use(jsonBodies({ limit: 1024 }));
  app.all('/', (req, res) => {
    // The JSON parser sets `req.body` on every request it sees, even to undefined.
    res.json({ body: (req.body as unknown) ?? null, parsed: 'body' in req });
  });
  app.use((error: Error & { status?: number; getStatus?: () => number }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(error.getStatus?.() ?? error.status ?? 500).json({ message: error.message });
  });

  it('a request that announces no body skips the three steps', async () => {
    expect((await request(app).get('/').expect(200)).body).toEqual({ body: null, parsed: false });
    expect((await request(app).delete('/').set('content-type', 'text/plain').expect(200)).body).toEqual({ body: null, parsed: false });
  });

  it('a body goes through all three: JSON only, the size limit, the depth limit', async () => {
    expect((await request(app).post('/').send({ a: 1 }).expect(200)).body).toEqual({ body: { a: 1 }, parsed: true });
    const notJson = await request(app).post('/').set('content-type', 'text/plain').send('hello').expect(415);
    expect(notJson.body.message).toContain("'text/plain'");
    await request(app)
      .post('/')
      .send({ text: 'x'.repeat(2000) })
      .expect(413);
    const deep = await request(app)
      .post('/')
      .set('content-type', 'application/json')
      .send(`${'['.repeat(MAX_BODY_DEPTH + 1)}${']'.repeat(MAX_BODY_DEPTH + 1)}`)
      .expect(400);
    expect(deep.body.message).toBe(bodyTooDeepMessage(MAX_BODY_DEPTH));
    await request(app).post('/').set('content-type', 'application/json').send('{').expect(400);
  });

  it('an empty JSON body (Content-Length: 0) is parsed as before: {}', async () => {
    const res = await request(app).post('/').set('content-type', 'application/json').set('content-length', '0').expect(200);
    expect(res.body).toEqual({ body: {}, parsed: true });
  });
});
