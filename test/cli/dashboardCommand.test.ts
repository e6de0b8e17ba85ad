import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TOKEN, type Harness } from '../embedded/runtime/runtimeHarness.js';
import { ensureUiBuilt } from '../ui/browser.js';
import { REPO, runSluice } from './runSluice.js';

/** `sluice dashboard`, the real binary, in front of a real embedded runtime (bearer target; SigV4: dashboardProxy.test.ts). */
describe('sluice dashboard', { timeout: 60_000 }, () => {
  let h: Harness;
  let child: ChildProcess;
  let printed = '';
  let errors = '';

  beforeAll(async () => {
    await ensureUiBuilt();
    h = await startHarness();
    const env = { ...process.env };
    for (const name of ['SLUICE_URL', 'SLUICE_API_TOKEN', 'SLUICE_DATA_DIR', 'PORT']) delete env[name];
    child = spawn(process.execPath, ['bin/sluice.mjs', 'dashboard', '--url', h.url, '--token', TOKEN], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (/^token: \S+$/m.test(printed)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`sluice dashboard exited ${code} before printing its token`)));
    });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await h?.stop();
  });

  it('prints a local URL and a run token; serves the dashboard and forwards the API with that token only', async () => {
    const url = /^dashboard: (http:\/\/127\.0\.0\.1:\d+)\/sluice\/ui\//m.exec(printed)?.[1];
    const token = /^token: (\S+)$/m.exec(printed)?.[1];
    expect(url).toBeDefined();
    expect(token).toBeDefined();
    expect(token).not.toBe(TOKEN);
    // The runtime answers GET /sluice/health: no warning.
    expect(errors).not.toContain('warning');
    const page = await fetch(`${url}/sluice/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<div id="app">');
    const processes = await fetch(`${url}/sluice/processes`, { headers: { authorization: `Bearer ${token}` } });
    expect(processes.status).toBe(200);
    expect(((await processes.json()) as { items: Array<{ name: string }> }).items.map((p) => p.name)).toContain('echo');
    // The runtime's own token is not the proxy's: the proxy refuses it.
    expect((await fetch(`${url}/sluice/processes`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
  });

  it('stops on SIGTERM with status 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('sluice dashboard: its help and an unreachable target', { timeout: 60_000 }, () => {
  it('--help states the port\'s default once', async () => {
    const run = await runSluice(['dashboard', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--port <port> +local port on 127\.0\.0\.1; 0: any free one \(default: 0\)/);
    expect(run.stdout).not.toContain('(default: a free one)');
  });

  it('warns on stderr when nothing answers GET /sluice/health at the target, and serves anyway', async () => {
    await ensureUiBuilt();
    const env = { ...process.env };
    for (const name of ['SLUICE_URL', 'SLUICE_API_TOKEN', 'SLUICE_DATA_DIR', 'PORT']) delete env[name];
    const child = spawn(process.execPath, ['bin/sluice.mjs', 'dashboard', '--url', 'http://127.0.0.1:1', '--token', TOKEN], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (/^token: \S+$/m.test(out)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`sluice dashboard exited ${code}: ${err}`)));
      });
      expect(err).toContain('warning: no Sluice runtime answers at http://127.0.0.1:1');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
