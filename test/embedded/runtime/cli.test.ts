import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, startCli } from './cliProcess.js';

const run = promisify(execFile);
const CONFIG = 'test/fixtures/schedules/serverless.yml';
const TOKEN = 'cli-test-token-0123456789';

/** Runs the CLI to completion (for --help and refused command lines). */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'lib/embedded/cli.ts', ...args], { cwd: REPO, env: { ...process.env, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The CLI as a user runs it (lib/parseCliOptions.test covers each rule;
 * these check that the parsed options reach the runtime).
 */
describe('sluice CLI', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an unknown flag with exit code 2, the flag it meant, and the usage', async () => {
    const result = await cli(['--prot', '8080']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("sluice: unknown option '--prot' (did you mean '--port'?)");
    expect(result.stderr).toContain('usage: sluice');
  });

  it('--help prints the usage, naming each flag and its environment variable, and exits 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const text of ['--config', '--port', 'env PORT', '--dashboard-port', 'env SLUICE_DASHBOARD_PORT', '--host', 'env HOST', '--data-dir', 'env SLUICE_DATA_DIR', '--stage', 'env SLUICE_STAGE', '--durability', 'SLUICE_API_TOKEN']) {
      expect(result.stdout).toContain(text);
    }
  });

  it('PORT, SLUICE_DASHBOARD_PORT, HOST, SLUICE_DATA_DIR, SLUICE_STAGE and SLUICE_API_TOKEN reach the runtime; --config picks the service', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    dirs.push(dataDir);
    const port = await freePort();
    let dashboardPort = await freePort();
    while (dashboardPort === port) dashboardPort = await freePort();
    const env = { PORT: String(port), SLUICE_DASHBOARD_PORT: String(dashboardPort), HOST: '127.0.0.1', SLUICE_DATA_DIR: dataDir, SLUICE_STAGE: 'qa', SLUICE_API_TOKEN: TOKEN };
    const runtime = await startCli(['--config', CONFIG], env, { anyPort: false });
    try {
      expect(runtime.url).toBe(`http://127.0.0.1:${port}`);
      // The dashboard on its own port (another origin than the process routes'), named in the banner.
      expect(runtime.output()).toContain(`dashboard: http://127.0.0.1:${dashboardPort}/sluice/ui/`);
      expect((await fetch(`http://127.0.0.1:${dashboardPort}/sluice/health`)).status).toBe(200);
      expect(runtime.output()).toContain("service 'sched' (stage qa)");
      expect(runtime.output()).toContain(`data: ${dataDir}`);
      expect(runtime.output()).toContain('token in SLUICE_API_TOKEN');
      expect(existsSync(join(dataDir, 'sluice.db'))).toBe(true);
      expect((await fetch(`${runtime.url}/sluice/tasks`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect((await fetch(`${runtime.url}/sluice/tasks`, { headers: { authorization: 'Bearer not-the-token-at-all' } })).status).toBe(401);
      // The stage is the one the task queues are named after.
      const queues = (await (await fetch(`${runtime.url}/sluice/queues`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { items: Array<{ name: string }> };
      expect(queues.items.map((q) => q.name)).toContain('sched-qa-hourly');
    } finally {
      runtime.child.kill('SIGTERM');
      expect((await runtime.exited).code).toBe(0);
    }
  });

  it('flags win over the environment', async () => {
    const [flagDir, envDir] = [mkdtempSync(join(tmpdir(), 'sluice-cli-')), mkdtempSync(join(tmpdir(), 'sluice-cli-'))];
    dirs.push(flagDir, envDir);
    const runtime = await startCli(['--config', CONFIG, '--data-dir', flagDir, '--stage', 'flagged', '--dashboard-port', 'off'], { SLUICE_DATA_DIR: envDir, SLUICE_STAGE: 'env', PORT: '1', SLUICE_DASHBOARD_PORT: '1' });
    try {
      expect(runtime.output()).toContain("(stage flagged)");
      expect(runtime.output()).toContain('dashboard: off (--dashboard-port off)');
      expect(existsSync(join(flagDir, 'sluice.db'))).toBe(true);
      expect(existsSync(join(envDir, 'sluice.db'))).toBe(false);
      // --port 0 (added by startCli) won over PORT=1.
      expect(runtime.url).not.toBe('http://127.0.0.1:1');
    } finally {
      runtime.child.kill('SIGTERM');
      await runtime.exited;
    }
  });

  it('without --dashboard-port, the dashboard takes any free port when --port is 0, and says where', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    dirs.push(dataDir);
    const runtime = await startCli(['--config', CONFIG, '--data-dir', dataDir], { SLUICE_DASHBOARD_PORT: '' });
    try {
      const dashboard = /dashboard: (http:\/\/127\.0\.0\.1:(\d+))\/sluice\/ui\//.exec(runtime.output());
      expect(dashboard).not.toBeNull();
      expect(dashboard![1]).not.toBe(runtime.url);
      expect((await fetch(`${dashboard![1]}/sluice/health`)).status).toBe(200);
      // The main port sends /sluice/ui there.
      const moved = await fetch(`${runtime.url}/sluice/ui/`, { redirect: 'manual' });
      expect([moved.status, moved.headers.get('location')]).toEqual([308, `${dashboard![1]}/sluice/ui/`]);
    } finally {
      runtime.child.kill('SIGTERM');
      await runtime.exited;
    }
  });
});
