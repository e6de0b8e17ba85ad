import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO } from './cliProcess.js';

describe('npm start: the port is parsed strictly', () => {
  it.each([
    [['--port', '0x10'], {}, "invalid port '0x10' (from --port)"],
    [[], { PORT: '' }, "invalid port '' (from PORT)"],
  ] as Array<[string[], Record<string, string>, string]>)('refuses %j %j before starting', (args, env, message) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'lib/embedded/cli.ts', ...args], { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2); // a usage error (CliUsageError), like an unknown flag
    expect(run.stderr).toContain(message);
  });
});
