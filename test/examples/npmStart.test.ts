/**
 * README's first line, `npm start`, stopped the two ways a user stops it:
 * SIGTERM to the npm process (a supervisor, `kill <pid>`), and Ctrl-C (the
 * terminal sends SIGINT to the whole process group). Either way the runtime
 * drains and exits, so nothing is left holding the data directory: package.json's
 * start script `exec`s node (npm's shell would otherwise die on SIGTERM and
 * leave node running, re-parented), and the runtime takes the Ctrl-C that npm
 * forwards on top of the terminal's as the same request, not a second
 * "exit now".
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/time.js';
import { REPO } from '../embedded/runtime/cliProcess.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The processes under `pid` (children, grandchildren...), as ps lists them now. */
function descendantsOf(pid: number): number[] {
  let children: number[];
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when none match
  }
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

describe('npm start, stopped', () => {
  const dirs: string[] = [];
  /** Every process the tests started, ended at the end if a test left one behind. */
  const started: number[] = [];
  afterAll(() => {
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** `npm start` in its own process group (as a terminal runs it), on a fresh data directory; resolves once it serves. */
  async function npmStart() {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-npm-start-'));
    dirs.push(dir);
    const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_FILES_DIR: join(dir, 'files') };
    delete env.SLUICE_WAREHOUSE_URL;
    delete env.SLUICE_API_TOKEN;
    const npm = spawn('npm', ['start', '--', '--port', '0', '--data-dir', join(dir, 'data')], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(npm.pid!);
    let out = '';
    npm.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((done) => npm.on('exit', (code) => done(code)));
    await eventually(() => / on http:\/\/127\.0\.0\.1:\d+/.test(out), { timeoutMs: 30_000, what: 'the runtime banner' });
    const runtime = descendantsOf(npm.pid!);
    started.push(...runtime);
    return { npm, runtime, exited, output: () => out };
  }

  it('SIGTERM to the npm process: the runtime drains and exits with it', async () => {
    const { npm, runtime, exited, output } = await npmStart();
    expect(runtime.length).toBeGreaterThan(0);
    // The banner says which routes need a token and how to get one (the data directory is not the default here).
    await eventually(() => output().includes('/flights/landings  (JWT examples)'), { what: 'the routes in the banner' });
    expect(output()).toMatch(/protected routes \(JWT 'examples', dev issuer: keys in \S+\/data\/dev-jwt-key\.json\):\n {4}curl -H "Authorization: Bearer \$\(npx sluice token --data-dir \S+\/data\)" \.\.\./);
    npm.kill('SIGTERM');
    await exited;
    await eventually(() => runtime.every((pid) => !alive(pid)), { timeoutMs: 15_000, what: `the runtime (${runtime}) to exit` });
    expect(output()).toContain('SIGTERM: draining');
    expect(output()).toMatch(/info +stopped/);
  });

  it('Ctrl-C (SIGINT to the process group): the runtime drains once, not "exiting now"', async () => {
    const { npm, runtime, exited, output } = await npmStart();
    process.kill(-npm.pid!, 'SIGINT');
    await exited;
    await eventually(() => runtime.every((pid) => !alive(pid)), { timeoutMs: 15_000, what: `the runtime (${runtime}) to exit` });
    expect(output()).toContain('SIGINT: draining');
    expect(output()).toMatch(/info +stopped/);
    expect(output()).not.toContain('exiting now');
  });
});
