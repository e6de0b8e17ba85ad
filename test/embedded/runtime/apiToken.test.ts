/**
 * The control-plane token of the embedded runtime (README, "A tour"):
 * generated on first start into `<dataDir>/api-token` (0600) and reused on
 * the next; `SLUICE_API_TOKEN` overrides it and must have at least 16
 * characters; the token is never printed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedRuntime } from '../../../lib/embedded/runtime/EmbeddedRuntime.js';
import { silentRuntimeLog, type RuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import { startCli } from './cliProcess.js';
import { FIXTURE_CONFIG } from './runtimeHarness.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-token-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Everything the runtime logs, in one string. */
function capturingLog(): RuntimeLog & { text(): string } {
  const lines: string[] = [];
  return {
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(m),
    error: (m, e) => void lines.push(`${m} ${e instanceof Error ? `${e.message} ${e.stack}` : String(e)}`),
    text: () => lines.join('\n'),
  };
}

const start = (dataDir: string, env: NodeJS.ProcessEnv, extra: { apiToken?: string; log?: RuntimeLog } = {}) =>
  EmbeddedRuntime.start({ configPath: FIXTURE_CONFIG, dataDir, port: 0, env, log: silentRuntimeLog, ...extra });

async function statusWith(runtime: EmbeddedRuntime, token: string | undefined): Promise<number> {
  const res = await fetch(`${runtime.url}/sluice/tasks`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('embedded runtime: the API token', () => {
  it('is generated on first start into <dataDir>/api-token (0600, 256 random bits), never logged, and reused on the next start', async () => {
    const dataDir = tempDir();
    const log = capturingLog();
    const first = await start(dataDir, {}, { log });
    let token: string;
    try {
      const file = join(dataDir, 'api-token');
      token = readFileSync(file, 'utf8').trim();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(first.apiToken).toBe(token);
      expect(await statusWith(first, token)).toBe(200);
      expect(await statusWith(first, undefined)).toBe(401);
      expect(await statusWith(first, `${token}x`)).toBe(401);
      // A failing request is logged; the token it carried is not.
      await fetch(`${first.url}/sluice/tasks?cursor=@@`, { headers: { authorization: `Bearer ${token}` } });
    } finally {
      await first.stop();
    }
    expect(log.text()).not.toContain(token);

    const second = await start(dataDir, {}, { log });
    try {
      expect(second.apiToken).toBe(token);
      expect(await statusWith(second, token)).toBe(200);
    } finally {
      await second.stop();
    }
    expect(readFileSync(join(dataDir, 'api-token'), 'utf8').trim()).toBe(token);
    expect(log.text()).not.toContain(token);
  });

  it('gives every data directory its own token', async () => {
    const a = await start(tempDir(), {});
    const b = await start(tempDir(), {});
    try {
      expect(a.apiToken).not.toBe(b.apiToken);
      expect(await statusWith(a, b.apiToken)).toBe(401);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('replaces a stored token shorter than 16 characters with a generated one', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'api-token'), 'short\n', { mode: 0o600 });
    const runtime = await start(dataDir, {});
    try {
      expect(runtime.apiToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await statusWith(runtime, 'short')).toBe(401);
      expect(readFileSync(join(dataDir, 'api-token'), 'utf8').trim()).toBe(runtime.apiToken);
    } finally {
      await runtime.stop();
    }
  });

  it('takes SLUICE_API_TOKEN over the generated file, which stays as it was', async () => {
    const dataDir = tempDir();
    const generated = await start(dataDir, {});
    const fileToken = generated.apiToken;
    await generated.stop();

    const fromEnv = 'env-token-0123456789';
    const runtime = await start(dataDir, { SLUICE_API_TOKEN: fromEnv });
    try {
      expect(await statusWith(runtime, fromEnv)).toBe(200);
      expect(await statusWith(runtime, fileToken)).toBe(401);
    } finally {
      await runtime.stop();
    }
    expect(readFileSync(join(dataDir, 'api-token'), 'utf8').trim()).toBe(fileToken);
  });

  it('refuses a SLUICE_API_TOKEN under 16 characters with a clear error, and takes one of exactly 16', async () => {
    for (const short of ['', 'x', '0123456789abcde']) {
      const dataDir = tempDir();
      await expect(start(dataDir, { SLUICE_API_TOKEN: short })).rejects.toThrow(
        expect.objectContaining({ name: 'ConfigError', message: expect.stringMatching(new RegExp(`^SLUICE_API_TOKEN must be at least 16 characters \\(it has ${short.length}\\)`)) }),
      );
      // Refused before anything is written: no database left behind.
      expect(existsSync(join(dataDir, 'sluice.db'))).toBe(false);
    }
    await expect(start(tempDir(), {}, { apiToken: 'too-short' })).rejects.toThrow(/^the API token must be at least 16 characters \(it has 9\)/);
    const dataDir = tempDir();
    const runtime = await start(dataDir, { SLUICE_API_TOKEN: '0123456789abcdef' });
    try {
      expect(await statusWith(runtime, '0123456789abcdef')).toBe(200);
    } finally {
      await runtime.stop();
    }
    // The refused start left the data directory usable: nothing holds its lock.
  });

  it('is never printed by `npm start`, generated or given; a short one stops the start naming the rule, not the token', async () => {
    const dataDir = tempDir();
    const generated = await startCli(['--config', FIXTURE_CONFIG, '--data-dir', dataDir], { SLUICE_API_TOKEN: undefined });
    generated.child.kill('SIGTERM');
    await generated.exited;
    const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    expect(generated.output()).toContain(`token in ${join(dataDir, 'api-token')}`);
    expect(generated.output()).not.toContain(token);

    const given = 'given-token-0123456789';
    const withEnv = await startCli(['--config', FIXTURE_CONFIG, '--data-dir', tempDir()], { SLUICE_API_TOKEN: given });
    withEnv.child.kill('SIGTERM');
    await withEnv.exited;
    expect(withEnv.output()).toContain('token in SLUICE_API_TOKEN');
    expect(withEnv.output()).not.toContain(given);

    const short = 'tiny-secret';
    await expect(startCli(['--config', FIXTURE_CONFIG, '--data-dir', tempDir()], { SLUICE_API_TOKEN: short })).rejects.toThrow(
      /runtime exited before starting:\nsluice: SLUICE_API_TOKEN must be at least 16 characters \(it has 11\)/,
    );
  }, 120_000);
});
