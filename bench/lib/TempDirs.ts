import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'sluice-bench-';

/**
 * Temporary directories (data dirs of embedded runtimes), all under one
 * per-run root `<tmp>/sluice-bench-<runner pid>-XXXXXX`, removed on the way
 * out. A run killed outright (SIGKILL) cannot clean up: the next run removes
 * roots whose runner is gone ({@link TempDirs.removeStale}).
 */
export class TempDirs {
  readonly #dirs = new Set<string>();
  #root: string | undefined;

  create(label: string): string {
    this.#root ??= mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
    mkdirSync(this.#root, { recursive: true });
    const dir = mkdtempSync(join(this.#root, `${label}-`));
    this.#dirs.add(dir);
    return dir;
  }

  remove(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
    this.#dirs.delete(dir);
  }

  /** Synchronous, so that an `exit` handler can call it. */
  removeAll(): void {
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
    this.#dirs.clear();
    if (this.#root) rmSync(this.#root, { recursive: true, force: true });
    this.#root = undefined;
  }

  /** Removes the roots of earlier runs whose runner process no longer exists; returns how many. */
  static removeStale(): number {
    let removed = 0;
    for (const name of readdirSync(tmpdir())) {
      const pid = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
      if (!pid || Number(pid) === process.pid || isAlive(Number(pid))) continue;
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
