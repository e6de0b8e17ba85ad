import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SluiceError } from '../../core/errors.js';
import { PRIVATE_FILE_MODE } from './privateFiles.js';

/** What the lock file of a data directory says about its owner. */
export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
}

/**
 * Another runtime owns the data directory.
 *
 * (Local to the embedded runtime; a candidate for `lib/core/errors.ts`.)
 */
export class DataDirectoryInUseError extends SluiceError {
  override name = 'DataDirectoryInUseError';
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      owner
        ? `data directory ${dataDir} is in use by another Sluice runtime (pid ${owner.pid} on ${owner.hostname}, since ${owner.startedAt}); stop it or use another data directory`
        : `data directory ${dataDir} is in use by another process (no readable ${LOCK_FILE}); stop it or use another data directory`,
      options,
    );
  }
}

export const LOCK_FILE = 'sluice.lock';

/**
 * The lock file names the owner of a data directory for humans and error
 * messages. It is not the lock itself: the database's exclusive SQLite
 * lock is, because the OS releases it when its process dies (even by
 * `kill -9`), so a stale lock file never blocks a restart.
 */
export function readLockOwner(dataDir: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' ? { pid: owner.pid, hostname: String(owner.hostname), startedAt: String(owner.startedAt) } : undefined;
  } catch {
    return undefined;
  }
}

/** Records this process as the owner (atomically: a crash leaves the old file or the new one). */
export function writeLockOwner(dataDir: string, startedAt: string): void {
  const path = join(dataDir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), startedAt };
  // Private like every file of the data directory (the rename keeps the mode).
  writeFileSync(`${path}.${process.pid}.tmp`, `${JSON.stringify(owner)}\n`, { mode: PRIVATE_FILE_MODE });
  renameSync(`${path}.${process.pid}.tmp`, path);
}

/** Removes the lock file if this process wrote it. */
export function removeLockOwner(dataDir: string): void {
  if (readLockOwner(dataDir)?.pid === process.pid) rmSync(join(dataDir, LOCK_FILE), { force: true });
}
