import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './runtimeHarness.js';

/** `/sluice/ui` on a runtime whose dashboard was never built (the built case: test/ui/dashboard.browser.test.ts). */
describe('dashboard route without a build', () => {
  let h: Harness;
  const empty = mkdtempSync(join(tmpdir(), 'sluice-no-ui-'));

  beforeAll(async () => {
    h = await startHarness({ dashboardRoot: empty });
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(empty, { recursive: true, force: true });
  });

  it('answers 503 saying how to build it, with the security headers and no token needed', async () => {
    for (const path of ['/sluice/ui/', '/sluice/ui/tasks']) {
      const res = await h.call(path, { auth: false });
      expect(res.status, path).toBe(503);
      expect(res.body).toEqual({ error: 'DashboardNotBuilt', message: expect.stringContaining('npm run build:ui') });
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('leaves the rest of /sluice behind the token', async () => {
    expect((await h.call('/sluice/uix', { auth: false })).status).toBe(401);
    expect((await h.call('/sluice/processes', { auth: false })).status).toBe(401);
    expect((await h.call('/sluice/health', { auth: false })).status).toBe(200);
  });
});
