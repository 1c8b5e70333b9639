/// <reference lib="dom" />
// The page.evaluate() callbacks run in the browser.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { DelegatingAgent } from './fixtures/coordination-agents.js';
import { startFakeAgent, type FakeAgent } from './fixtures/fake-remote-agent.js';
import { MathAgent } from './fixtures/test-agents.js';
import { chromiumAvailable, collectPageErrors, launchChromium, listen } from './utils/browser.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/** How long the page may take to show something (a bound on a hang, not a speed assertion). */
const SHOWN_MS = 20_000;

const describeInBrowser = chromiumAvailable() ? describe : describe.skip;

describeInBrowser('Dashboard in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('without API keys (loopback)', () => {
    let t: TestApp;
    let base: string;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];

    let remote: FakeAgent;

    beforeAll(async () => {
      // math.slow (a test fixture) runs until it is cancelled; chain.outer delegates chain.middle, which delegates uppercase.
      t = await createTestApp({ providers: [MathAgent, DelegatingAgent] });
      base = await listen(t);
      remote = await startFakeAgent({ capabilities: ['remote.echo'] });
      const registered = await api('/v1/agents', remote.registration('agent_remote'));
      expect(registered.status).toBe(201);
      expect((await api('/v1/agents/agent_remote/heartbeat', {})).status).toBe(200);
    });
    afterAll(async () => {
      await t.close();
      await remote?.close();
    });
    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      page = await context.newPage();
      errors = collectPageErrors(page);
      await page.goto(`${base}/ui`);
    });
    afterEach(async () => {
      await context.close();
    });

    const api = async (path: string, body: object) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const taskRow = (taskId: string) => page.locator(`#tasks tr[data-task-id="${taskId}"]`);

    it('loads with no console error, shows the five panels and the example agent', async () => {
      await page.locator('#agents').getByText('agent_example_001').waitFor({ timeout: SHOWN_MS });
      for (const name of ['Agents', 'Tasks', 'Sessions', 'Run a task', 'Trace']) {
        expect(await page.getByRole('heading', { name, exact: true }).count()).toBe(1);
      }
      const agentRow = page.locator('#agents tr', { hasText: 'agent_example_001' });
      expect(await agentRow.innerText()).toMatch(/Example Agent\s+local\s+available/);
      await page.locator('#trace').getByText('not configured').waitFor({ timeout: SHOWN_MS });
      expect(errors).toEqual([]);
    });

    it("shows a remote agent's kind, endpoint and last heartbeat", async () => {
      const row = page.locator('#agents tr', { hasText: 'agent_remote' });
      await row.waitFor({ timeout: SHOWN_MS });
      const cells = await row.locator('td').allInnerTexts();
      expect(cells[2]).toBe('http');
      expect(cells[7]).toBe(remote.url);
      expect(cells[8]).toMatch(/\d{1,2}:\d{2}:\d{2}/);
      expect(errors).toEqual([]);
    });

    it('gives every control an accessible name', async () => {
      await page.getByLabel('Capability').locator('option').first().waitFor({ state: 'attached', timeout: SHOWN_MS });
      const unnamed = await page.evaluate(() => {
        const controls = [...document.querySelectorAll('button, input, select, textarea, summary')];
        return controls
          .filter((element) => {
            const labelled = element.getAttribute('aria-label') ?? element.getAttribute('aria-labelledby');
            const byLabel = (element as HTMLInputElement).labels?.length;
            return !labelled && !byLabel && (element.textContent ?? '').trim() === '';
          })
          .map((element) => element.outerHTML);
      });
      expect(unnamed).toEqual([]);
    });

    it('runs echo from the form: the answer shows Echo: …, the timeline shows the REQUEST and the RESPONSE', async () => {
      await page.getByLabel('Capability').selectOption('echo', { timeout: SHOWN_MS });
      await page.getByLabel('Session', { exact: true }).fill('browser_echo');
      await page.getByLabel('Parameters').fill('{"text": "from the browser"}');
      await page.getByRole('button', { name: 'Run', exact: true }).click();

      await page.getByRole('status', { name: 'Answer' }).getByText('Echo: from the browser').waitFor({ timeout: SHOWN_MS });
      const timeline = page.getByRole('region', { name: 'Timeline of session browser_echo' });
      await timeline.locator('[data-contract-type="RESPONSE"]').waitFor({ timeout: SHOWN_MS });
      expect(
        await timeline.locator('[data-contract-type]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-contract-type'))),
      ).toEqual(['REQUEST', 'RESPONSE']);
      // The payload and the result open on demand.
      await timeline.getByText('Result', { exact: true }).click();
      const opened = timeline.locator('details[open] pre');
      await opened.waitFor({ timeout: SHOWN_MS });
      expect(await opened.innerText()).toContain('"message": "Echo: from the browser"');
      // Compress shows the session's memory block.
      await timeline.getByRole('button', { name: 'Compress' }).click();
      await timeline.getByLabel('Memory block').waitFor({ timeout: SHOWN_MS });
      expect(await timeline.getByLabel('Memory block').innerText()).toContain('from the browser');
      expect(errors).toEqual([]);
    });

    it('checks Parameters before sending: invalid JSON is refused on the page', async () => {
      await page.getByLabel('Capability').selectOption('echo', { timeout: SHOWN_MS });
      await page.getByLabel('Parameters').fill('{"text": ');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.getByRole('alert').getByText('Parameters are not valid JSON').waitFor({ timeout: SHOWN_MS });
      expect(await page.getByRole('status', { name: 'Answer' }).innerText()).toBe('');
    });

    it('shows a task started through the API while the page is open, without a reload', async () => {
      // The list has been read once: what comes next arrives while the page is open.
      await page
        .locator('#tasks')
        .getByText(/^\d+ of \d+$/)
        .waitFor({ timeout: SHOWN_MS });
      const accepted = await api('/v1/tasks', { session_id: 'browser_api', capability: 'uppercase', parameters: { text: 'live' } });
      expect(accepted.status).toBe(202);
      const row = taskRow(accepted.body.task_id as string);
      await row.waitFor({ timeout: SHOWN_MS });
      await row.getByText('completed').waitFor({ timeout: SHOWN_MS });
      expect(await row.innerText()).toContain('uppercase');
      // The new session is listed too, and opens its timeline.
      await page.locator('#sessions').getByRole('button', { name: 'Open session browser_api' }).click({ timeout: SHOWN_MS });
      await page.getByRole('region', { name: 'Timeline of session browser_api' }).locator('[data-contract-type="RESPONSE"]').waitFor({
        timeout: SHOWN_MS,
      });
      expect(errors).toEqual([]);
    });

    it('nests sub-tasks under the task that delegated them, each with its attempts', async () => {
      const done = await api('/v1/orchestrate', { session_id: 'browser_chain', capability: 'chain.outer', parameters: { text: 'nested' } });
      expect(done.body.success).toBe(true);
      await page.locator('#sessions').getByRole('button', { name: 'Open session browser_chain' }).click({ timeout: SHOWN_MS });
      const timeline = page.getByRole('region', { name: 'Timeline of session browser_chain' });
      await timeline.locator('[data-contract-type="RESPONSE"]').nth(2).waitFor({ timeout: SHOWN_MS });

      // One task at the top; chain.middle under it; uppercase under chain.middle; each REQUEST before its sub-tasks and its RESPONSE.
      const order = await timeline
        .locator('.contract')
        .evaluateAll((nodes) =>
          nodes.map((node) => `${node.getAttribute('data-contract-type')} ${node.querySelector('strong')?.textContent}`),
        );
      expect(order).toEqual([
        'REQUEST chain.outer',
        'REQUEST chain.middle',
        'REQUEST uppercase',
        'RESPONSE uppercase',
        'RESPONSE chain.middle',
        'RESPONSE chain.outer',
      ]);
      const nested = await timeline.locator('li').evaluateAll((items) =>
        items.map((item) => {
          let depth = 0;
          for (let parent = item.parentElement; parent !== null; parent = parent.parentElement) if (parent.tagName === 'LI') depth += 1;
          return `${depth}:${item.querySelector(':scope > .contract strong')?.textContent ?? ''}`;
        }),
      );
      expect(nested).toEqual(['0:chain.outer', '1:chain.middle', '2:uppercase']);
      expect(await timeline.getByText(/^1 attempt:/).count()).toBe(3);
      expect(errors).toEqual([]);

      // `DASHBOARD_SCREENSHOT=docs/dashboard.png` saves the picture the README shows.
      const screenshot = process.env.DASHBOARD_SCREENSHOT;
      if (screenshot !== undefined && screenshot !== '') {
        await page.locator('#tasks').getByText('chain.outer').waitFor({ timeout: SHOWN_MS });
        await page.screenshot({ path: screenshot, fullPage: true });
      }
    });

    it('cancels a slow task from the page', async () => {
      await page.getByLabel('Capability').selectOption('math.slow', { timeout: SHOWN_MS });
      await page.getByLabel('Session', { exact: true }).fill('browser_slow');
      await page.getByLabel('Parameters').fill('{}');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      const answer = page.getByRole('status', { name: 'Answer' });
      await answer.getByText('working').waitFor({ timeout: SHOWN_MS });
      const taskId = await answer.locator('code').innerText();

      await page.getByRole('button', { name: `Cancel task ${taskId}` }).click({ timeout: SHOWN_MS });
      await taskRow(taskId).getByText('cancelled').waitFor({ timeout: SHOWN_MS });
      // The form followed the task's event stream to its end.
      await answer.getByText('cancelled', { exact: true }).waitFor({ timeout: SHOWN_MS });
      const task = (await (await fetch(`${base}/v1/tasks/${taskId}`)).json()) as { status: string };
      expect(task.status).toBe('cancelled');
      expect(errors).toEqual([]);
    });
  });

  describe('with API keys on', () => {
    let t: TestApp;
    let base: string;
    let keys: { read: string; invoke: string };
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      t = await createTestApp();
      const service = t.app.get(ApiKeysService);
      keys = { read: (await service.create('ui_read', ['read'])).key, invoke: (await service.create('ui_invoke', ['invoke'])).key };
      base = await listen(t);
    });
    afterAll(async () => {
      await t.close();
    });
    beforeEach(async () => {
      context = await browser.newContext();
      page = await context.newPage();
      await page.goto(`${base}/ui`);
    });
    afterEach(async () => {
      await context.close();
    });

    it('asks for a key, keeps it for the tab, shows the panels with it, and the 403 of a route it may not call', async () => {
      const keyField = page.getByLabel('API key', { exact: true });
      await keyField.waitFor({ timeout: SHOWN_MS });
      expect(await page.getByRole('heading', { name: 'Agents' }).count()).toBe(0);
      // A key the server does not know: asked again, with the server's reason.
      await keyField.fill('not-a-key');
      await page.getByRole('button', { name: 'Use this key' }).click();
      await page.getByRole('form', { name: 'Enter an API key' }).getByText('not valid').waitFor({ timeout: SHOWN_MS });
      await keyField.fill(keys.read);
      await page.getByRole('button', { name: 'Use this key' }).click();
      await page.locator('#agents').getByText('agent_example_001').waitFor({ timeout: SHOWN_MS });
      expect(await keyField.count()).toBe(0);
      expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([keys.read]);

      // A reload in the same tab keeps the key.
      await page.reload();
      await page.locator('#agents').getByText('agent_example_001').waitFor({ timeout: SHOWN_MS });
      expect(await page.getByLabel('API key', { exact: true }).count()).toBe(0);

      // Reading is allowed, running is not: the API's 403 message shows under the form.
      await page.getByLabel('Capability').selectOption('echo', { timeout: SHOWN_MS });
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      const refused = page.getByRole('status', { name: 'Answer' }).getByRole('alert');
      await refused.waitFor({ timeout: SHOWN_MS });
      expect(await refused.innerText()).toContain("lacks the scope this route needs: 'invoke' or 'admin'");
    });

    it('a 401 to a read sent before the key was given does not ask for the key again', async () => {
      // The sessions panel's first read goes out without a key; it is held until the key is in use.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route(/\/v1\/sessions\?/, async (route) => {
        if (route.request().headers().authorization === undefined) await held;
        await route.continue();
      });
      try {
        await page.reload();
        await page.getByLabel('API key', { exact: true }).fill(keys.read);
        await page.getByRole('button', { name: 'Use this key' }).click();
        await page.locator('#agents').getByText('agent_example_001').waitFor({ timeout: SHOWN_MS });
        const late = page.waitForResponse((response) => /\/v1\/sessions\?/.test(response.url()) && response.status() === 401);
        release();
        await (await late).finished();
        // Two frames: the page has read the answer and rendered whatever it does with it.
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        expect(await page.getByLabel('API key', { exact: true }).count()).toBe(0);
        expect(await page.locator('#agents').getByText('agent_example_001').count()).toBe(1);
      } finally {
        release();
      }
    });

    it('a key without the read scope gets a clear message in each panel it may not see', async () => {
      await page.getByLabel('API key', { exact: true }).fill(keys.invoke);
      await page.getByRole('button', { name: 'Use this key' }).click();
      const agents = page.locator('#agents').getByRole('alert');
      await agents.waitFor({ timeout: SHOWN_MS });
      expect(await agents.innerText()).toContain('This API key may not see this panel');
      expect(await agents.innerText()).toContain("'read'");
    });
  });
});
