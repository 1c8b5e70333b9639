import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import type { TestApp } from './test-app.js';

/** Debian's Chromium (`apt-get install chromium`); `.ci/run` installs it when it is missing. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether the browser specs can run here; they are skipped with a message otherwise. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  console.warn(`skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium); the browser specs of the dashboard did not run`);
  return false;
}

/** Headless Chromium with nothing running in the background (no updates, sync or first-run pages). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Starts a test app listening on a free loopback port; returns its base URL. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
}

/** Collects what the page reports as errors: console errors and uncaught exceptions. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error: Error) => errors.push(`page error: ${error.message}`));
  return errors;
}
