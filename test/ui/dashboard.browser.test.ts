import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TOKEN, type Harness } from '../embedded/runtime/runtimeHarness.js';
import { ensureUiBuilt, launchChromium } from './browser.js';

const CONFIG = resolve(import.meta.dirname, '../fixtures/dashboard/serverless.yml');
// README's screenshots are refreshed on demand (UPDATE_SCREENSHOTS=1 npx vitest run test/ui); a plain test run
// writes its own under .cache, so `npm test` leaves the working tree as it found it.
const SCREENSHOTS = resolve(import.meta.dirname, process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/screenshots' : '../../.cache/screenshots');

/**
 * The dashboard in real headless Chromium against a real embedded runtime
 * (test/fixtures/dashboard): log in, a task submitted through the API shows
 * up live, its detail and log filter, replay of a failed task, pausing a
 * trigger, dead letters, the lineage graph. Saves a screenshot of each view
 * (into docs/screenshots with UPDATE_SCREENSHOTS=1; README shows them).
 */
describe('dashboard in Chromium', () => {
  let h: Harness;
  /** The dashboard's own origin (the runtime's dashboard listener); h.url serves the process routes. */
  let dashboard: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    await ensureUiBuilt();
    h = await startHarness({ configPath: CONFIG });
    dashboard = h.runtime.dashboardUrl!;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    page = await context.newPage();
    // A CSP violation or an uncaught error is a bug; failed fetches (401, 404) are the app's business.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
      // cytoscape warns when its wheel sensitivity is changed: the dashboard leaves it alone.
      if (message.type() === 'warning' && /wheel sensitivity/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  // page.evaluate takes strings here: the tests are type-checked without the DOM library.
  const shot = (name: string) => page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage: false });
  const submit = async (payload: unknown): Promise<string> => {
    const res = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'report', payload } });
    expect(res.status).toBe(202);
    return res.body.taskId as string;
  };

  it('serves the built files without a token, with security headers, and nothing outside dist/ui', async () => {
    const redirect = await fetch(`${dashboard}/sluice/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/sluice/ui/');
    const index = await fetch(`${dashboard}/sluice/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="\.\/(assets\/main-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${dashboard}/sluice/ui/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // A client route gets the app; traversal (plain or encoded) and unknown files do not get anything.
    expect((await fetch(`${dashboard}/sluice/ui/tasks/abc`)).status).toBe(200);
    for (const path of ['/sluice/ui/..%2f..%2fpackage.json', '/sluice/ui/%2e%2e/%2e%2e/package.json', '/sluice/ui/assets/..%2f..%2f..%2fpackage.json', '/sluice/ui/nope.js']) {
      const res = await fetch(`${dashboard}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('"dependencies"');
    }
    expect((await fetch(`${dashboard}/sluice/ui/`, { method: 'POST' })).status).toBe(405);
    // The API next to it (on the dashboard's origin: what the app calls) still wants the token.
    expect((await fetch(`${dashboard}/sluice/tasks`)).status).toBe(401);
  });

  it('asks for the token, refuses a wrong one, and keeps the right one out of the URL', async () => {
    await page.goto(`${dashboard}/sluice/ui/`);
    await page.getByLabel('API token').waitFor();
    await shot('login');
    await page.getByLabel('API token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'refused (401)' }).waitFor();
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
    expect(page.url()).not.toContain(TOKEN);
    expect(await page.evaluate("sessionStorage.getItem('sluice.apiToken')")).toBe(TOKEN);
    expect(await page.evaluate('localStorage.length')).toBe(0);
  });

  it('shows a task submitted through the API without a reload, then its detail with filtered logs', async () => {
    await page.goto(`${dashboard}/sluice/ui/#/tasks`);
    await page.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
    const marker = await page.evaluate('window.marker = 42');
    const taskId = await submit({ n: 1 });
    const row = page.locator(`tr[data-task-id="${taskId}"]`);
    await row.waitFor({ timeout: 10_000 });
    await h.waitForTask(taskId);
    await row.getByText('succeeded').waitFor({ timeout: 10_000 });
    // The same document: it was polled in, not reloaded.
    expect(await page.evaluate('window.marker')).toBe(marker);
    // Counts by status per process over the last hour (GET /sluice/tasks/counts).
    const counts = page.locator('section.counts');
    await expect.poll(() => counts.locator('tbody tr', { hasText: 'report' }).locator('td').nth(2).innerText(), { timeout: 10_000 }).toBe('1');
    // A declared process without tasks in the window shows zeros.
    expect(await counts.locator('tbody tr', { hasText: 'nightly' }).locator('td').allInnerTexts()).toEqual(['0', '0', '0', '0', '0', '0']);
    // At a laptop's width every status column is in view (the last one was cut off beside the filters).
    const box = await counts.locator('.table-wrap').first().evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(box.scroll, JSON.stringify(box)).toBeLessThanOrEqual(box.client + 1);
    await counts.getByRole('button', { name: 'last day' }).click();
    await expect.poll(() => counts.getByRole('button', { name: 'last day' }).getAttribute('aria-pressed')).toBe('true');
    await shot('tasks');
    // A count opens the tasks it counts (process, status and the same window).
    await counts.locator('tbody tr', { hasText: 'report' }).getByRole('link', { name: '1' }).click();
    await page.waitForURL((url) => url.hash.includes('process=report') && url.hash.includes('status=succeeded') && url.hash.includes('since='));
    await expect.poll(() => page.locator('table.tasks tbody tr').count()).toBe(1);
    await page.goto(`${dashboard}/sluice/ui/#/tasks`);

    // From the keyboard: the search field, the id, Enter.
    await page.getByLabel('Task id').focus();
    await page.keyboard.type('no-such-task');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: "No task 'no-such-task'." }).waitFor();
    await page.getByLabel('Task id').fill('');
    await page.getByLabel('Task id').focus();
    await page.keyboard.type(taskId);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: new RegExp(`Task ${taskId}`) }).waitFor();
    const logRows = page.locator('table.logs tbody tr');
    await expect.poll(() => logRows.count()).toBeGreaterThanOrEqual(3);
    const all = await logRows.count();
    await page.getByLabel('Minimum level').selectOption('warn');
    await expect.poll(() => logRows.count()).toBeLessThan(all);
    const levels = await page.locator('table.logs tbody .level').allInnerTexts();
    expect(levels.length).toBeGreaterThan(0);
    expect(levels.every((l) => l === 'warn' || l === 'error')).toBe(true);
    // Each line names its logic.
    await expect.poll(() => page.locator('table.logs tbody tr').first().locator('td').nth(2).innerText()).toBe('transform');
    await page.getByLabel('Minimum level').selectOption('debug');
    await shot('task-detail');
  });

  it('filters the list by trigger and time window', async () => {
    await page.goto(`${dashboard}/sluice/ui/#/tasks`);
    const triggerCells = page.locator('table.tasks tbody tr td:nth-child(4)');
    await triggerCells.first().waitFor();
    const filters = page.getByRole('form', { name: 'Filter tasks' });
    await filters.getByLabel('Trigger').selectOption('event');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.hash.includes('trigger=event'));
    await expect.poll(async () => [...new Set(await triggerCells.allInnerTexts())]).toEqual(['event']);
    await filters.getByRole('button', { name: 'Last hour' }).click();
    await page.waitForURL((url) => url.hash.includes('since=') && url.hash.includes('trigger=event'));
    await expect.poll(async () => [...new Set(await triggerCells.allInnerTexts())]).toEqual(['event']);
    // A window in the past holds nothing.
    await page.goto(`${dashboard}/sluice/ui/#/tasks?until=2000-01-01T00:00:00.000Z`);
    await page.getByText('No task matches.').waitFor();
  });

  it('highlights the failing logic of a failed task, replays it and shows the replay', async () => {
    const failedId = await submit({ fail: true });
    const failed = await h.waitForTask(failedId);
    expect(failed.status).toBe('failed');
    await page.goto(`${dashboard}/sluice/ui/#/tasks/${failedId}`);
    await page.locator('.rail-failed').waitFor();
    expect(await page.locator('.rail-failed .rail-name').innerText()).toBe('transform');
    expect(await page.locator('.rail-ok .rail-name').allInnerTexts()).toEqual(['fetch']);
    await page.getByText('amount is not a number in row 2').first().waitFor();
    await shot('task-failed');
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.waitForURL((url) => /#\/tasks\//.test(url.hash) && !url.hash.includes(failedId));
    const replayId = /#\/tasks\/([^?]+)/.exec(new URL(page.url()).hash)![1]!;
    await page.getByText('replay of').waitFor();
    await page.getByRole('link', { name: failedId }).waitFor();
    const replay = await h.waitForTask(replayId);
    expect(replay.replayOf).toBe(failedId);
    expect((await h.task(failedId)).replays).toEqual([replayId]);
  });

  it('replays a task whose payload was not kept with a payload typed in (checked as JSON first)', async () => {
    const called = await fetch(`${h.url}/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: 1 }) });
    expect(called.status).toBe(200);
    const [task] = (await h.call('/sluice/tasks?process=hook&trigger=http')).body.items as Array<{ taskId: string }>;
    const original = await h.waitForTask(task!.taskId);
    expect(original.payload).toBeUndefined();
    await page.goto(`${dashboard}/sluice/ui/#/tasks/${original.taskId}`);
    await page.getByText('No payload kept').waitFor();
    // No plain Replay that can only fail with 409: the replay asks for the payload.
    expect(await page.getByRole('button', { name: 'Replay', exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: 'Replay with a payload…' }).click();
    const form = page.getByRole('form', { name: 'Replay with a payload' });
    const field = form.getByLabel(/^Payload \(JSON\)/);
    await field.fill('{ "order": 2');
    await form.getByRole('button', { name: 'Replay with this payload' }).click();
    await page.getByRole('alert').filter({ hasText: 'The payload is not valid JSON' }).waitFor();
    expect((await h.task(original.taskId)).replays ?? []).toEqual([]);
    await field.fill('{ "order": 2 }');
    await form.getByRole('button', { name: 'Replay with this payload' }).click();
    await page.waitForURL((url) => /#\/tasks\//.test(url.hash) && !url.hash.includes(original.taskId));
    const replayId = /#\/tasks\/([^?]+)/.exec(new URL(page.url()).hash)![1]!;
    const replay = await h.waitForTask(replayId);
    expect(replay).toMatchObject({ replayOf: original.taskId, status: 'succeeded', result: { input: { order: 2 } } });
  });

  it('shows each attempt of a retried task on its timeline', async () => {
    const id = (await h.call('/sluice/tasks', { method: 'POST', json: { process: 'flaky', payload: {} } })).body.taskId as string;
    const done = await h.waitForTask(id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    await page.goto(`${dashboard}/sluice/ui/#/tasks/${id}`);
    const steps = page.locator('.timeline li');
    await expect.poll(() => steps.allInnerTexts()).toEqual([
      expect.stringMatching(/^Created /),
      // The final record keeps the last attempt's logs only: an earlier attempt is dated while the task waits for its retry.
      expect.stringMatching(/^Attempt 1 failed/),
      expect.stringMatching(/^Attempt 2 /),
      expect.stringMatching(/^Finished: succeeded /),
    ]);
  });

  it('pauses a schedule trigger and shows its next firings', async () => {
    await page.goto(`${dashboard}/sluice/ui/#/processes`);
    const triggers = (await h.call('/sluice/triggers?process=nightly')).body.items as Array<{ triggerId: string; paused: boolean }>;
    expect(triggers).toHaveLength(1);
    const id = triggers[0]!.triggerId;
    const row = page.locator(`tr[data-trigger-id="${id}"]`);
    await row.locator('time').first().waitFor();
    // Each page names itself and takes the focus (a screen reader starts at its content).
    expect(await page.title()).toBe('Processes & triggers · Sluice');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    // Buttons are named by what the trigger is, not by its id.
    await row.getByRole('button', { name: /^Pause schedule cron\(0 3 \* \* \? \*\)/ }).click();
    await row.getByText('paused', { exact: true }).waitFor();
    expect((await h.call(`/sluice/triggers/${encodeURIComponent(id)}`)).body.paused).toBe(true);
    await shot('processes');
    await row.getByRole('button', { name: /^Resume schedule cron/ }).click();
    await row.getByText('active', { exact: true }).waitFor();
    expect((await h.call(`/sluice/triggers/${encodeURIComponent(id)}`)).body.paused).toBe(false);
    expect(await page.locator('[aria-label*="st_"], [aria-label*="rt_"]').count()).toBe(0);
    // Run now asks first, with an optional JSON input; a bad one is refused before anything is sent.
    await row.getByRole('button', { name: /^Run schedule cron.* now…$/ }).click();
    const confirm = page.getByRole('form', { name: /^Run schedule cron.* now$/ });
    await confirm.getByLabel(/^Input \(JSON, optional/).fill('{ not json');
    await confirm.getByRole('button', { name: 'Yes, run it' }).click();
    await confirm.getByRole('alert').filter({ hasText: 'The input is not valid JSON' }).waitFor();
    expect((await h.call('/sluice/tasks?process=nightly')).body.items).toEqual([]);
    await confirm.getByLabel(/^Input \(JSON, optional/).fill('{ "day": "2026-11-28" }');
    await confirm.getByRole('button', { name: 'Yes, run it' }).click();
    await page.waitForURL((url) => /^#\/tasks\/.+/.test(url.hash));
    const fired = await h.waitForTask(/#\/tasks\/([^?]+)/.exec(new URL(page.url()).hash)![1]!);
    expect(fired).toMatchObject({ process: 'nightly', status: 'succeeded', trigger: { type: 'schedule', rule: id } });
    expect(fired.payload).toMatchObject({ type: 'schedule', input: { day: '2026-11-28' } });
    await page.goto(`${dashboard}/sluice/ui/#/processes`);
  });

  it('asks before running an http trigger, and No runs nothing', async () => {
    const hook = (await h.call('/sluice/triggers?process=hook')).body.items as Array<{ triggerId: string; spec: { path: string } }>;
    const open = hook.find((t) => t.spec.path === '/hook')!;
    const row = page.locator(`tr[data-trigger-id="${open.triggerId}"]`);
    const before = (await h.call('/sluice/tasks?process=hook')).body.items.length as number;
    await row.getByRole('button', { name: 'Run http POST /hook now…' }).click();
    const confirm = page.getByRole('form', { name: 'Run http POST /hook now' });
    await confirm.getByRole('button', { name: 'No' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect((await h.call('/sluice/tasks?process=hook')).body.items).toHaveLength(before);
    await row.getByRole('button', { name: 'Run http POST /hook now…' }).click();
    await confirm.getByLabel(/^Input/).fill('{ "order": 7 }');
    await confirm.getByRole('button', { name: 'Yes, run it' }).click();
    await page.waitForURL((url) => /^#\/tasks\/.+/.test(url.hash));
    const fired = await h.waitForTask(/#\/tasks\/([^?]+)/.exec(new URL(page.url()).hash)![1]!);
    expect(fired).toMatchObject({ process: 'hook', status: 'succeeded', result: { input: { order: 7 } } });
    await page.goto(`${dashboard}/sluice/ui/#/processes`);
  });

  it('creates a runtime trigger and shows the API validation error of a bad one', async () => {
    const form = page.locator('form.create-trigger');
    await form.getByLabel('Process').selectOption('report');
    await form.getByLabel('Kind').selectOption('schedule');
    await form.getByLabel('Expression').fill('rate(0 fortnights)');
    await form.getByRole('button', { name: 'Create trigger' }).click();
    await form.getByRole('alert').filter({ hasText: 'Not created: 400' }).waitFor();
    await form.getByLabel('Expression').fill('rate(7 days)');
    await form.getByRole('button', { name: 'Create trigger' }).click();
    await form.getByText(/Created trigger/).waitFor();
    const runtime = ((await h.call('/sluice/triggers?process=report')).body.items as Array<{ triggerId: string; source: string; spec: { expression?: string } }>).filter((t) => t.source === 'runtime');
    expect(runtime.map((t) => t.spec.expression)).toEqual(['rate(7 days)']);
    // The API's validation message once, not followed by the same issues again.
    await form.getByLabel('Kind').selectOption('http');
    await form.getByLabel('Method').selectOption('POST');
    await form.getByLabel('Who may call it').selectOption('none');
    await form.getByLabel('Path').fill('no-slash');
    await form.getByRole('button', { name: 'Create trigger' }).click();
    const alert = form.getByRole('alert').filter({ hasText: 'Not created: 400' });
    await alert.waitFor();
    const text = await alert.innerText();
    expect(text.split('path:').length - 1, text).toBe(1);
    await form.getByLabel('Kind').selectOption('schedule');
    // Delete asks first (the browser's confirm dialog); the button says which trigger.
    const id = runtime[0]!.triggerId;
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete schedule rate(7 days)' }).click();
    await page.locator(`tr[data-trigger-id="${id}"]`).waitFor({ state: 'detached' });
    expect((await h.call(`/sluice/triggers/${encodeURIComponent(id)}`)).status).toBe(404);
  });

  it('creates http triggers behind a named authorizer, behind IAM, or public when chosen so', async () => {
    // A fresh form: the previous test left its own choices in it.
    await page.reload();
    const form = page.locator('form.create-trigger');
    await form.waitFor();
    await form.getByLabel('Process').selectOption('hook');
    await form.getByLabel('Kind').selectOption('http');
    // Nothing is chosen for the user: without a choice the browser refuses the form (nothing is sent), and public is an
    // explicit, labelled choice that says so.
    expect(await form.getByLabel('Who may call it').inputValue()).toBe('');
    await form.getByLabel('Path').fill('/unchosen');
    await form.getByRole('button', { name: 'Create trigger' }).click();
    expect(await form.locator('select[name="authorizer"]:invalid').count()).toBe(1);
    expect(((await h.call('/sluice/triggers?process=hook')).body.items as Array<{ spec: { path?: string } }>).some((t) => t.spec.path === '/unchosen')).toBe(false);
    await form.getByLabel('Who may call it').selectOption('none');
    await form.getByText('the route will be public').waitFor();
    expect(await form.getByRole('combobox', { name: 'Who may call it' }).getAttribute('aria-describedby')).toBe('public-warning');
    await form.getByLabel('Who may call it').selectOption('named');
    await form.getByLabel('Authorizer name').fill('staff');
    await form.getByLabel('Scopes (JWT, optional)').fill('orders.read, orders.admin');
    await form.getByLabel('Method').selectOption('GET');
    await form.getByLabel('Path').fill('/staff-only');
    await form.getByRole('button', { name: 'Create trigger' }).click();
    await form.getByText('Created trigger http GET /staff-only.').waitFor();
    await form.getByLabel('Kind').selectOption('http');
    await form.getByLabel('Who may call it').selectOption('aws_iam');
    await form.getByLabel('Method').selectOption('POST');
    await form.getByLabel('Path').fill('/signed-only');
    await form.getByRole('button', { name: 'Create trigger' }).click();
    await form.getByText('Created trigger http POST /signed-only.').waitFor();
    await form.getByLabel('Kind').selectOption('http');
    await form.getByLabel('Who may call it').selectOption('none');
    await form.getByLabel('Method').selectOption('GET');
    await form.getByLabel('Path').fill('/anyone');
    await form.getByRole('button', { name: 'Create trigger' }).click();
    await form.getByText('Created trigger http GET /anyone.').waitFor();

    const created = ((await h.call('/sluice/triggers?process=hook')).body.items as Array<{ triggerId: string; source: string; spec: { path: string; authorizer?: unknown } }>).filter((t) => t.source === 'runtime');
    const byPath = Object.fromEntries(created.map((t) => [t.spec.path, t]));
    expect(byPath['/staff-only']!.spec.authorizer).toEqual({ name: 'staff', scopes: ['orders.read', 'orders.admin'] });
    expect(byPath['/signed-only']!.spec.authorizer).toBe('aws_iam');
    expect(byPath['/anyone']!.spec).not.toHaveProperty('authorizer');
    // The runtime enforces what was chosen.
    expect((await fetch(`${h.url}/staff-only`)).status).toBe(401);
    expect((await fetch(`${h.url}/signed-only`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${h.url}/anyone`)).status).toBe(200);
    // The list says who may call each.
    const cell = (path: string) => page.locator(`tr[data-trigger-id="${byPath[path]!.triggerId}"] td`).nth(1);
    await cell('/staff-only').getByText('authorizer staff, scopes orders.read orders.admin').waitFor();
    await cell('/signed-only').getByText('aws_iam (signed IAM requests)').waitFor();
    await cell('/anyone').getByText('public: no authorizer').waitFor();
    // A static route's authorizer shows once the API lists it with the spec (older APIs leave it out: nothing is guessed).
    const staticRoute = ((await h.call('/sluice/triggers?process=hook')).body.items as Array<{ triggerId: string; source: string; spec: { path: string; authorizer?: unknown } }>).find((t) => t.source === 'static' && t.spec.path === '/hook/staff')!;
    const staticAuth = page.locator(`tr[data-trigger-id="${staticRoute.triggerId}"] .auth`);
    if ('authorizer' in staticRoute.spec) await staticAuth.getByText('authorizer staff, scopes orders.read').waitFor();
    else expect(await staticAuth.count()).toBe(0);
    for (const t of created) expect((await h.call(`/sluice/triggers/${encodeURIComponent(t.triggerId)}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('lists dead letters with their task error', async () => {
    await page.goto(`${dashboard}/sluice/ui/#/dead-letters`);
    const queues = (await h.call('/sluice/queues')).body.items as Array<{ name: string; deadLetterFor: string[]; visible: number }>;
    const dlq = queues.find((q) => q.deadLetterFor.some((name) => name.includes('report')) && q.visible > 0);
    expect(dlq).toBeDefined();
    await page.getByRole('link', { name: dlq!.name }).click();
    await page.getByText('amount is not a number in row 2').first().waitFor();
    await page.getByRole('button', { name: 'Replay all…' }).click();
    const confirm = page.getByRole('button', { name: /^Yes, replay \d+$/ });
    await confirm.waitFor();
    await shot('dead-letters');
    const shown = Number(/(\d+)$/.exec(await confirm.innerText())![1]);
    expect(shown).toBeGreaterThan(0);
    await confirm.click();
    await page.getByText(`Replayed ${shown} of ${shown} messages.`).waitFor();
    // The replays fail again (same payload) and dead-letter again: let them land before purging.
    for (const status of ['queued', 'running']) {
      await expect.poll(async () => (await h.call(`/sluice/tasks?process=report&status=${status}`)).body.items.length, { timeout: 10_000 }).toBe(0);
    }
    // Purge asks first, then says how many went.
    await page.getByRole('button', { name: 'Purge…' }).click();
    await page.getByRole('button', { name: `Yes, purge ${dlq!.name}` }).click();
    await page.getByText(/^Purged \d+ messages\.$/).waitFor();
    expect((await h.call('/sluice/queues')).body.items.find((q: { name: string }) => q.name === dlq!.name).visible).toBe(0);
  });

  it('draws the lineage graph around a table and lists a node events', async () => {
    const node = 'postgres://warehouse/public.orders';
    await page.goto(`${dashboard}/sluice/ui/#/lineage?node=${encodeURIComponent(node)}`);
    await page.locator('.graph[data-ready="true"]').waitFor({ timeout: 15_000 });
    await page.getByText(/\d+ nodes, \d+ edges/).waitFor();
    const status = await page.getByRole('status').filter({ hasText: /nodes/ }).innerText();
    expect(Number(/(\d+) nodes/.exec(status)![1])).toBeGreaterThanOrEqual(3);
    await page.getByRole('button', { name: 's3://landing/orders.csv' }).first().click();
    await page.locator('ul.events li').filter({ hasText: 'orders.loaded' }).first().waitFor();
    await shot('lineage');
  });

  it('says there is no lineage for an unknown node, and takes a node or a task id, not both', async () => {
    await page.goto(`${dashboard}/sluice/ui/#/lineage?node=${encodeURIComponent('db://nowhere/public.none')}`);
    await page.getByText('No lineage for db://nowhere/public.none').waitFor();
    expect(await page.getByText(/\d+ nodes?, \d+ edges?/).count()).toBe(0);
    expect(await page.locator('.graph').count()).toBe(0);
    const form = page.getByRole('form', { name: 'Lineage query' });
    expect(await form.getByLabel('Data identity').getAttribute('placeholder')).toBe('db://warehouse/public.orders');
    await form.getByLabel('or task id').fill('-P7cXq2vR8sLm4TnW1yZbKd9Jf0HgA');
    expect(await form.getByLabel('Data identity').inputValue()).toBe('');
    await form.getByLabel('Data identity').fill('db://x');
    expect(await form.getByLabel('or task id').inputValue()).toBe('');
    // An address with both (typed by hand) says which one is shown.
    await page.goto(`${dashboard}/sluice/ui/#/lineage?node=db%3A%2F%2Fx&taskId=no-such-task`);
    await page.getByText('the task’s lineage is shown (db://x is not)').waitFor();
  });

  it('says when the lineage walk was cut at its limits', async () => {
    const ids = await Promise.all([1, 2, 3].map(async (batch) => (await h.call('/sluice/tasks', { method: 'POST', json: { process: 'fanout', payload: { batch } } })).body.taskId as string));
    for (const id of ids) expect((await h.waitForTask(id)).status).toBe('succeeded');
    await page.goto(`${dashboard}/sluice/ui/#/lineage?node=${encodeURIComponent('s3://landing/big.csv')}&depth=1`);
    await page.getByText('The walk stopped at its limits').waitFor();
    await page.locator('.graph[data-ready="true"]').waitFor({ timeout: 15_000 });
  });

  it('is readable at a phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${dashboard}/sluice/ui/#/tasks`);
    await page.locator('table.tasks tbody tr').first().waitFor();
    // No horizontal scrolling of the page itself (wide tables scroll in their own box).
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('tasks-phone');
    // The counts table's process names are on one line and in view (the counts scroll beside them).
    await page.locator('section.counts tbody th').first().waitFor();
    const names = await page.evaluate<Array<{ name: string; lines: number; right: number }>>(`[...document.querySelectorAll('section.counts tbody th')].map((th) => {
      const range = document.createRange(); range.selectNodeContents(th);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0);
      return { name: th.textContent, lines: new Set(rects.map((r) => Math.round(r.top))).size, right: th.getBoundingClientRect().right };
    })`);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) {
      expect(n.lines, n.name).toBe(1);
      expect(n.right, n.name).toBeLessThanOrEqual(390);
    }
    const taskId = await page.locator('table.tasks tbody tr').first().getAttribute('data-task-id');
    for (const [hash, ready] of [
      [`#/tasks/${taskId}`, 'table.logs'],
      ['#/processes', 'form.create-trigger'],
      ['#/dead-letters', 'table'],
      [`#/lineage?node=${encodeURIComponent('postgres://warehouse/public.orders')}`, '.graph[data-ready="true"]'],
    ] as const) {
      await page.goto(`${dashboard}/sluice/ui/${hash}`);
      await page.locator(ready).first().waitFor();
      expect(await page.evaluate<number>('document.documentElement.scrollWidth'), hash).toBeLessThanOrEqual(390);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('sends a refused token back to the login form', async () => {
    await page.evaluate("sessionStorage.setItem('sluice.apiToken', 'a-token-that-was-revoked')");
    await page.goto(`${dashboard}/sluice/ui/#/processes`);
    await page.reload();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('sluice.apiToken')")).toBeNull();
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Processes & triggers' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('sluice.apiToken')")).toBeNull();
  });

  it('renders an address with a malformed percent-escape instead of a blank page', async () => {
    await page.goto(`${dashboard}/sluice/ui/#/tasks/%E0%A4%A`);
    await page.reload();
    await page.getByLabel('API token').waitFor();
  });

  it('raised no script error and no Content-Security-Policy violation', () => {
    expect(problems).toEqual([]);
  });
});
