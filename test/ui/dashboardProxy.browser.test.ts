import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboardProxy, type DashboardProxy } from '../../lib/cli/DashboardProxy.js';
import { DashboardAssets } from '../../lib/platform/DashboardAssets.js';
import { startHarness, TOKEN, type Harness } from '../embedded/runtime/runtimeHarness.js';
import { ensureUiBuilt, launchChromium } from './browser.js';

/**
 * The dashboard through the local proxy (the way to an IAM-authorized API on
 * AWS): the proxy serves DashboardAssets' answers and forwards the API calls.
 * Here upstream is a real embedded runtime reached with its bearer token
 * (SigV4 signing itself: test/cli/dashboardProxy.test.ts).
 */
describe('dashboard through the local proxy', () => {
  let h: Harness;
  let proxy: DashboardProxy;
  let browser: Browser;

  beforeAll(async () => {
    await ensureUiBuilt();
    h = await startHarness();
    proxy = await startDashboardProxy({
      target: { kind: 'bearer', url: h.url, token: TOKEN, tokenSource: 'test' },
      assets: (path) => new DashboardAssets().respond(path),
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await h?.stop();
  });

  it('serves the same files with the same headers, and the app works with the proxy token', async () => {
    const index = await fetch(`${proxy.url}/sluice/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${proxy.url}/sluice/ui/`);
    await page.getByLabel('API token').fill(proxy.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
    const submitted = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'stream', payload: { value: 21 } } });
    expect(submitted.status).toBe(202);
    await page.locator(`tr[data-task-id="${submitted.body.taskId as string}"]`).waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Processes & triggers' }).click();
    await page.getByRole('heading', { name: 'echo' }).waitFor();
  });
});
