import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isJsonContentType, jsonBodiesOnly } from './json-body.js';

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
