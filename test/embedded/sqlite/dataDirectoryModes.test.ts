/**
 * The data directory and every file in it are private to the owner:
 * directory 0700, files 0600 (sluice.db, -wal, -shm, sluice.lock, api-token),
 * also when they already exist with looser modes (tightened, and said).
 */
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveApiToken } from '../../../lib/embedded/runtime/resolveApiToken.js';
import { EmbeddedStorage } from '../../../lib/embedded/sqlite/EmbeddedStorage.js';
import { tempDir } from './tempDir.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;
// No -shm: with the exclusive lock SQLite keeps the WAL index in memory (a -shm left by another opener is tightened).
const EXPECTED_FILES = ['api-token', 'sluice.db', 'sluice.db-wal', 'sluice.lock'];

/** Opens storage and the token as the runtime does, writes a task so that the WAL exists, and reports the modes. */
function openAsRuntime(dataDir: string, warnings: string[]) {
  const storage = EmbeddedStorage.open({ dataDir, onTightened: (m) => warnings.push(m) });
  resolveApiToken({ explicit: undefined, env: {}, dataDir, onTightened: (m) => warnings.push(m) });
  storage.tasks.createSync({ taskId: 't', process: 'p', status: 'queued', trigger: { type: 'api' }, createdAt: new Date().toISOString(), attempts: 0, logs: [], expiresAt: 2e9 });
  const files = Object.fromEntries(readdirSync(dataDir).map((name) => [name, modeOf(join(dataDir, name))]));
  return { storage, files, dir: modeOf(dataDir) };
}

describe('data directory modes', () => {
  const dirs: Array<{ remove(): void }> = [];
  const previousUmask = process.umask();
  afterEach(() => {
    process.umask(previousUmask);
    for (const d of dirs.splice(0)) d.remove();
  });

  it('creates the directory 0700 and every file 0600, even under a permissive umask', () => {
    process.umask(0o000);
    const parent = tempDir('modes');
    dirs.push(parent);
    const dataDir = join(parent.path, 'nested', '.sluice');
    const warnings: string[] = [];
    const { storage, files, dir } = openAsRuntime(dataDir, warnings);
    try {
      expect(dir).toBe(0o700);
      expect(Object.keys(files).sort()).toEqual(EXPECTED_FILES);
      for (const [name, mode] of Object.entries(files)) expect(mode, name).toBe(0o600);
      expect(warnings).toEqual([]);
    } finally {
      storage.close();
    }
  });

  it('tightens an existing directory and files with looser modes, and says so', () => {
    const parent = tempDir('modes-loose');
    dirs.push(parent);
    const dataDir = join(parent.path, '.sluice');
    // A previous run with an older Sluice (or a careless copy): everything world-readable.
    openAsRuntime(dataDir, []).storage.close();
    for (const name of ['sluice.db-wal', 'sluice.db-shm']) writeFileSync(join(dataDir, name), '');
    writeFileSync(join(dataDir, 'sluice.lock'), '{}');
    chmodSync(dataDir, 0o755);
    for (const name of ['api-token', 'sluice.db', 'sluice.db-wal', 'sluice.db-shm', 'sluice.lock']) chmodSync(join(dataDir, name), 0o644);

    const warnings: string[] = [];
    const { storage, files, dir } = openAsRuntime(dataDir, warnings);
    try {
      expect(dir).toBe(0o700);
      for (const [name, mode] of Object.entries(files)) expect(mode, name).toBe(0o600);
      for (const name of ['', 'sluice.db', 'sluice.db-wal', 'sluice.db-shm', 'api-token']) {
        const path = name === '' ? dataDir : join(dataDir, name);
        expect(warnings.some((w) => w.startsWith(`${path} had mode 0644`) || w.startsWith(`${path} had mode 0755`)), `warning for ${path}: ${warnings.join(' | ')}`).toBe(true);
      }
    } finally {
      storage.close();
    }
  });

  it('leaves a directory the owner restricted further alone', () => {
    const parent = tempDir('modes-strict');
    dirs.push(parent);
    const dataDir = join(parent.path, '.sluice');
    mkdirSync(dataDir, { mode: 0o700 });
    const warnings: string[] = [];
    const { storage, dir } = openAsRuntime(dataDir, warnings);
    storage.close();
    expect(dir).toBe(0o700);
    expect(warnings).toEqual([]);
  });
});
