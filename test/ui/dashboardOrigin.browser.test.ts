import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TOKEN, type Harness } from '../embedded/runtime/runtimeHarness.js';
import { ensureUiBuilt, launchChromium } from './browser.js';

const CONFIG = resolve(import.meta.dirname, '../fixtures/dashboard-origin/serverless.yml');
/** What an attacker's link carries: script that reads the dashboard's token where it keeps it. */
const STEAL = `<script>document.title = 'token:' + sessionStorage.getItem('sluice.apiToken')</script>`;

/**
 * The dashboard keeps the API token in session storage, which every page of
 * its origin reads. A process route that reflects HTML (test/fixtures/
 * dashboard-origin: `GET /echo?html=`) runs script on the main port's origin;
 * the dashboard lives on a port of its own, so that script finds nothing, in
 * the very tab the user signed in with (the tester's reproduction).
 */
describe('the dashboard on its own origin, in Chromium', () => {
  let h: Harness;
  let dashboard: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureUiBuilt();
    h = await startHarness({ configPath: CONFIG });
    dashboard = h.runtime.dashboardUrl!;
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  const signIn = async (p: Page) => {
    await p.goto(`${dashboard}/sluice/ui/`);
    await p.getByLabel('API token').fill(TOKEN);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
    expect(await p.evaluate("sessionStorage.getItem('sluice.apiToken')")).toBe(TOKEN);
  };

  it('listens on another port of the same host', () => {
    const [main, dash] = [new URL(h.url), new URL(dashboard)];
    expect(dash.hostname).toBe(main.hostname);
    expect(dash.port).not.toBe(main.port);
  });

  it('a reflected script on a process route runs, but reads no token, in the tab signed in to the dashboard', async () => {
    await signIn(page);
    await page.goto(`${h.url}/echo?html=${encodeURIComponent(STEAL)}`);
    // The script did run (the route is as careless as it looks)...
    await expect.poll(() => page.title()).toMatch(/^token:/);
    // ...on an origin whose session storage never held the token.
    expect(await page.title()).toBe('token:null');
    expect(await page.evaluate("sessionStorage.getItem('sluice.apiToken')")).toBeNull();
    // The way back: the main port's /sluice/ui sends the tab to the dashboard's origin, still signed in.
    await page.goto(`${h.url}/sluice/ui/#/tasks`);
    expect(new URL(page.url()).origin).toBe(new URL(dashboard).origin);
    await page.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('sluice.apiToken')")).toBe(TOKEN);
  });

  it('control: the same script does read what its own origin keeps (where the dashboard used to keep the token)', async () => {
    const control = await (await browser.newContext()).newPage();
    await control.goto(`${h.url}/echo?html=start`);
    await control.evaluate(`sessionStorage.setItem('sluice.apiToken', ${JSON.stringify(TOKEN)})`);
    await control.goto(`${h.url}/echo?html=${encodeURIComponent(STEAL)}`);
    await expect.poll(() => control.title()).toBe(`token:${TOKEN}`);
    await control.context().close();
  });

  it('the reflecting page cannot reach into a dashboard window it opens either', async () => {
    const attacker = await (await browser.newContext()).newPage();
    await signIn(attacker);
    await attacker.goto(`${h.url}/echo?html=${encodeURIComponent('<title>attacker</title>')}`);
    // window.open of the dashboard, then a read of its storage: another origin's, refused.
    const outcome = await attacker.evaluate(`new Promise((done) => {
      const w = window.open(${JSON.stringify(`${dashboard}/sluice/ui/`)});
      setTimeout(() => {
        try { done('read:' + (w && w.sessionStorage.getItem('sluice.apiToken'))); } catch (e) { done('refused:' + e.name); }
      }, 1000);
    })`);
    expect(outcome).toBe('refused:SecurityError');
    await attacker.context().close();
  });

  it('the dashboard port serves no process route', async () => {
    const res = await fetch(`${dashboard}/echo?html=${encodeURIComponent(STEAL)}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('<script>');
    // Its platform API is the same API, behind the same token.
    expect((await fetch(`${dashboard}/sluice/processes`)).status).toBe(401);
    expect((await fetch(`${dashboard}/sluice/processes`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    const root = await fetch(`${dashboard}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([308, '/sluice/ui/']);
    // And the main port serves no dashboard: a redirect to the dashboard's origin, path and query kept.
    const moved = await fetch(`${h.url}/sluice/ui/assets/x.js?v=1`, { redirect: 'manual' });
    expect([moved.status, moved.headers.get('location')]).toEqual([308, `${dashboard}/sluice/ui/assets/x.js?v=1`]);
  });
});
