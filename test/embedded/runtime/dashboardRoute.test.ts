import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TOKEN, type Harness } from './runtimeHarness.js';

/**
 * The dashboard's listener, on a runtime whose dashboard was never built (the
 * built case, in Chromium: test/ui/dashboard.browser.test.ts and
 * dashboardOrigin.browser.test.ts), and `/sluice/ui` on the main port.
 */
describe('dashboard listener without a build', () => {
  let h: Harness;
  let dashboard: string;
  const empty = mkdtempSync(join(tmpdir(), 'sluice-no-ui-'));
  const get = (url: string, auth = false) => fetch(url, { redirect: 'manual', headers: auth ? { authorization: `Bearer ${TOKEN}` } : {} });

  beforeAll(async () => {
    h = await startHarness({ dashboardRoot: empty });
    dashboard = h.runtime.dashboardUrl!;
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(empty, { recursive: true, force: true });
  });

  it('listens on a port of its own (any free one, as the main port is), on the same host', () => {
    expect(h.runtime.dashboardPort).toBeGreaterThan(0);
    expect(h.runtime.dashboardPort).not.toBe(h.runtime.port);
    expect(dashboard).toBe(`http://127.0.0.1:${h.runtime.dashboardPort}`);
  });

  it('answers 503 saying how to build it, with the security headers and no token needed', async () => {
    for (const path of ['/sluice/ui/', '/sluice/ui/tasks']) {
      const res = await get(`${dashboard}${path}`);
      expect(res.status, path).toBe(503);
      expect(await res.json()).toEqual({ error: 'DashboardNotBuilt', message: expect.stringContaining('npm run build:ui') });
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves the platform API behind the token, and no process route', async () => {
    expect((await get(`${dashboard}/sluice/uix`)).status).toBe(401);
    expect((await get(`${dashboard}/sluice/processes`)).status).toBe(401);
    expect((await get(`${dashboard}/sluice/processes`, true)).status).toBe(200);
    expect((await get(`${dashboard}/sluice/health`)).status).toBe(200);
    // GET /echo/{id} is a route of the fixture: the main port runs it, the dashboard's does not.
    expect((await get(`${h.url}/echo/1`)).status).toBe(200);
    const echo = await get(`${dashboard}/echo/1`);
    expect(echo.status).toBe(404);
    expect(await echo.json()).toEqual({ error: 'NotFound', message: 'Not Found' });
    expect((await get(`${dashboard}/%65cho/1`)).status).toBe(404);
    expect((await fetch(`${dashboard}/echo/1`, { method: 'POST', body: '{}' })).status).toBe(404);
    const root = await get(`${dashboard}/`);
    expect([root.status, root.headers.get('location')]).toEqual([308, '/sluice/ui/']);
  });

  it('the main port serves no dashboard file: /sluice/ui redirects to the dashboard port, path and query kept', async () => {
    for (const path of ['/sluice/ui', '/sluice/ui/', '/sluice/ui/assets/main-ABCDEF23.js?x=1']) {
      const res = await get(`${h.url}${path}`);
      expect(res.status, path).toBe(308);
      expect(res.headers.get('location')).toBe(`${dashboard}${path}`);
    }
    // Through the host the client used (node:http: fetch does not let a caller set Host).
    const location = await new Promise((resolve, reject) =>
      request({ host: '127.0.0.1', port: h.runtime.port, path: '/sluice/ui/', headers: { host: `localhost:${h.runtime.port}` } }, (res) => {
        res.resume();
        resolve(res.headers.location);
      })
        .on('error', reject)
        .end(),
    );
    expect(location).toBe(`http://localhost:${h.runtime.dashboardPort}/sluice/ui/`);
    expect((await fetch(`${h.url}/sluice/ui/`, { method: 'POST' })).status).toBe(405);
    // The rest of the main port's /sluice stays behind the token.
    expect((await get(`${h.url}/sluice/uix`)).status).toBe(401);
    expect((await get(`${h.url}/sluice/processes`)).status).toBe(401);
  });
});

describe('dashboard off', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ dashboardPort: 'off' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('has no dashboard listener; the main port says so at /sluice/ui', async () => {
    expect(h.runtime.dashboardUrl).toBeUndefined();
    expect(h.runtime.dashboardPort).toBeUndefined();
    const res = await fetch(`${h.url}/sluice/ui/`, { redirect: 'manual' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'NotFound', message: 'the dashboard is off on this runtime' });
    expect((await h.call('/sluice/processes')).status).toBe(200);
  });
});

/** Listens on `port` of 127.0.0.1 (0: any free one); rejects when it is taken. */
function hold(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
const release = (server: Server) => new Promise((resolve) => server.close(resolve));
const portOf = (server: Server) => (server.address() as AddressInfo).port;

describe('the dashboard port', () => {
  it('defaults to the main port + 1 when the main port is fixed', async () => {
    // Two free neighbours: hold a free port, then try the next one.
    let pair: [Server, Server] | undefined;
    while (!pair) {
      const first = await hold(0);
      const second = portOf(first) < 65_535 ? await hold(portOf(first) + 1).catch(() => undefined) : undefined;
      if (second) pair = [first, second];
      else await release(first);
    }
    const port = portOf(pair[0]);
    await Promise.all(pair.map(release));
    const h = await startHarness({ port });
    try {
      expect(h.runtime.port).toBe(port);
      expect(h.runtime.dashboardUrl).toBe(`http://127.0.0.1:${port + 1}`);
    } finally {
      await h.stop();
    }
  });

  it('main port 65535 has no default: the start-up says to choose one, before opening anything', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-rt-'));
    try {
      await expect(startHarness({ port: 65_535, dataDir })).rejects.toThrow("the dashboard's default port is the main port + 1, and port 65535 has none after it; set SLUICE_DASHBOARD_PORT or --dashboard-port");
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('taken: the start-up fails naming the option, and lets the main port go', async () => {
    const taken = await hold(0);
    const free = await hold(0);
    const port = portOf(free);
    await release(free);
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-rt-'));
    try {
      const failed = await startHarness({ port, dashboardPort: portOf(taken), dataDir }).then(
        async (h) => (await h.stop(), undefined),
        (error: unknown) => error as Error,
      );
      expect(failed?.message).toBe(`port ${portOf(taken)} on 127.0.0.1 is already in use (the dashboard's port); set SLUICE_DASHBOARD_PORT or --dashboard-port (a port, 0 for any free one, or off)`);
      // The main port was released: it can be listened on again.
      await release(await hold(port));
    } finally {
      await release(taken);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
