import { NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardAssets } from './dashboard-assets.js';
import { DashboardController } from './dashboard.controller.js';

/** The parts of an Express response the controller uses, recording what it was given. */
function recordingResponse() {
  const sent: { type?: string; body?: Buffer; headers: Record<string, string> } = { headers: {} };
  const res = {
    setHeader(name: string, value: string) {
      sent.headers[name] = value;
      return res;
    },
    type(value: string) {
      sent.type = value;
      return res;
    },
    send(body: Buffer) {
      sent.body = body;
      return res;
    },
  };
  return { res: res as unknown as Response, sent };
}

describe('DashboardController', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dashboard-assets-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function controllerOver(assetsDir: string): DashboardController {
    const assets = new DashboardAssets(assetsDir);
    assets.onModuleInit();
    return new DashboardController(assets);
  }

  it('serves the built files from memory with their content types, and only those', () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'dashboard.js'), 'export {}');
    writeFileSync(join(dir, 'notes.txt'), 'not an asset');
    const controller = controllerOver(dir);

    const page = recordingResponse();
    controller.page(page.res);
    expect(page.sent).toEqual({
      type: 'text/html; charset=utf-8',
      body: Buffer.from('<!doctype html>'),
      headers: { 'Cache-Control': 'no-cache' },
    });

    const script = recordingResponse();
    controller.asset('dashboard.js', script.res);
    expect(script.sent.type).toBe('text/javascript; charset=utf-8');

    // A file written after start-up, one of another kind and a path are all unknown.
    writeFileSync(join(dir, 'late.js'), 'export {}');
    for (const name of ['late.js', 'notes.txt', '../index.html', 'index.html/']) {
      expect(() => controller.asset(name, recordingResponse().res)).toThrow(NotFoundException);
    }
  });

  it('without a build, /ui says to run npm run build', () => {
    const controller = controllerOver(join(dir, 'missing'));
    expect(() => controller.page(recordingResponse().res)).toThrow(ServiceUnavailableException);
    expect(() => controller.page(recordingResponse().res)).toThrow(/run npm run build/);
  });
});
