import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_FIXTURE, REPO, runSluice } from './runSluice.js';

describe('sluice start', { timeout: 120_000 }, () => {
  it('runs the embedded runtime as npm start does; the other commands find it through its data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-start-'));
    const env = { ...process.env };
    delete env.SLUICE_API_TOKEN;
    const child = spawn(process.execPath, ['bin/sluice.mjs', 'start', '--config', CLI_FIXTURE, '--port', '0', '--data-dir', dataDir], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const match = / on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        void exited.then(() => reject(new Error(`sluice start exited:\n${out}`)));
      });
      expect(out).toContain("service 'cli-fixture'");
      // The token is the one the runtime generated into <data-dir>/api-token.
      const run = await runSluice(['invoke', 'echo', '--url', url, '--data-dir', dataDir, '--data', '{"hi":1}']);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ echoed: { hi: 1 } });
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an unusable command line with the runtime\'s usage (exit 2, as npm start)', async () => {
    const run = await runSluice(['start', '--prot', '3000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--prot' (did you mean '--port'?)");
    expect(run.stderr).toContain('usage: sluice');
  });
});
