import { createWriteStream, type Dirent } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, resolve as resolvePath, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AgentRefusedError } from '../../core/agents/agentErrors.js';
import type { FileInfo, PutOptions } from '../../core/agents/FileStorageAgent.js';
import { FileNotFoundError } from './FileNotFoundError.js';
import type { FileCall, FileStore, RandomAccessFile } from './FileStore.js';
import { baseName, joinPath } from './relativePath.js';
import { isTemporary, temporaryName } from './temporaryName.js';

/**
 * A local directory as a {@link FileStore} (`type: fs`), jailed to its root:
 * before touching anything, a path is resolved with `realpath` (of its
 * nearest existing ancestor for a file not there yet) and refused
 * (`AgentRefusedError`) unless it stays under the root's real path — so a
 * symlink anywhere on the path that leads out is refused. (A symlink swapped
 * in between the check and the use is not guarded against: the root is the
 * service's own directory, not one shared with untrusted writers.)
 *
 * Writes go to a temporary file in the target's directory
 * (`.<name>.<random>.part`), then `rename` over the target: atomic on POSIX.
 * Listing reports regular files (and symlinks to files inside the root) and
 * does not descend into symlinked directories.
 */
export class FsFileStorage implements FileStore {
  readonly secrets: readonly string[] = [];
  private realRoot: Promise<string> | undefined;

  /** @param root  absolute directory; created (with parents) on first use if missing */
  constructor(
    private readonly connection: string,
    private readonly root: string,
  ) {}

  async getStream(path: string, call: FileCall): Promise<{ stream: Readable; size?: number }> {
    return this.relativeErrors(async () => {
      const real = await this.resolve(path, call);
      const handle = await open(real, 'r').catch((error: unknown) => {
        throw this.notFound(error, path, call);
      });
      try {
        const info = await handle.stat();
        if (!info.isFile()) throw new FileNotFoundError(this.connection, call.operation, path);
        // The stream closes the handle when it ends or is destroyed.
        return { stream: handle.createReadStream(), size: info.size };
      } catch (error) {
        await handle.close();
        throw error;
      }
    });
  }

  async openRandomAccess(path: string, call: FileCall): Promise<RandomAccessFile> {
    return this.relativeErrors(async () => {
      const real = await this.resolve(path, call);
      const handle = await open(real, 'r').catch((error: unknown) => {
        throw this.notFound(error, path, call);
      });
      const info = await handle.stat().catch(async (error: unknown) => {
        await handle.close();
        throw error;
      });
      if (!info.isFile()) {
        await handle.close();
        throw new FileNotFoundError(this.connection, call.operation, path);
      }
      return {
        size: info.size,
        async read(start, end) {
          const buffer = Buffer.alloc(Math.max(0, Math.min(end, info.size) - start));
          let filled = 0;
          while (filled < buffer.length) {
            const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
            if (bytesRead === 0) break;
            filled += bytesRead;
          }
          return buffer.subarray(0, filled);
        },
        close: () => handle.close(),
      };
    });
  }

  async putStream(path: string, data: AsyncIterable<Uint8Array>, _options: PutOptions, call: FileCall): Promise<void> {
    return this.relativeErrors(async () => {
      const real = await this.resolve(path, call);
      const directory = real.slice(0, real.lastIndexOf(sep));
      await mkdir(directory, { recursive: true });
      const temporary = join(directory, temporaryName(baseName(path)));
      try {
        await pipeline(Readable.from(data), createWriteStream(temporary, { flags: 'wx' }), { signal: call.signal });
        await rename(temporary, real);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    });
  }

  async list(prefix: string, recursive: boolean, call: FileCall): Promise<FileInfo[]> {
    return this.relativeErrors(async () => {
      const directory = await this.resolve(prefix, call);
      const files: FileInfo[] = [];
      await this.walk(directory, prefix, recursive, files, call);
      return files;
    });
  }

  async stat(path: string, call: FileCall): Promise<FileInfo | undefined> {
    return this.relativeErrors(async () => {
      const real = await this.resolve(path, call);
      const info = await stat(real).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      return info?.isFile() ? { path, size: info.size, modifiedAt: info.mtime.toISOString() } : undefined;
    });
  }

  async delete(path: string, call: FileCall): Promise<void> {
    return this.relativeErrors(async () => {
      const real = await this.resolve(path, call);
      await unlink(real).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    });
  }

  async move(from: string, to: string, call: FileCall): Promise<void> {
    return this.relativeErrors(async () => {
      const source = await this.resolve(from, call);
      const target = await this.resolve(to, call);
      const info = await stat(source).catch((error: unknown) => {
        throw this.notFound(error, from, call);
      });
      if (!info.isFile()) throw new FileNotFoundError(this.connection, call.operation, from);
      await mkdir(target.slice(0, target.lastIndexOf(sep)), { recursive: true });
      await rename(source, target);
    });
  }

  async close(): Promise<void> {}

  /**
   * The absolute path of `path` under the root, with every existing part
   * resolved through its symlinks. Refuses a path whose existing part leads
   * outside the root. The missing rest cannot hold a symlink (it does not exist).
   */
  private async resolve(path: string, call: FileCall): Promise<string> {
    const root = await this.rootPath();
    const segments = path === '' ? [] : path.split('/');
    for (let existing = segments.length; existing >= 0; existing--) {
      let real: string;
      try {
        real = await realpath(join(root, ...segments.slice(0, existing)));
      } catch (error) {
        // ENOENT: this part does not exist yet; ENOTDIR: a file where a directory should be (the call fails later).
        if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
        throw error;
      }
      if (!isInside(root, real)) {
        throw new AgentRefusedError(this.connection, call.operation, `the path leads outside the root (through a symlink): ${path}`);
      }
      return join(real, ...segments.slice(existing));
    }
    // Unreachable: the root itself exists (rootPath created it).
    throw new AgentRefusedError(this.connection, call.operation, 'the root is missing');
  }

  private rootPath(): Promise<string> {
    this.realRoot ??= mkdir(this.root, { recursive: true }).then(() => realpath(this.root));
    this.realRoot.catch(() => {
      this.realRoot = undefined; // try again on the next call (a volume not mounted yet)
    });
    return this.realRoot;
  }

  private async walk(directory: string, relativeDirectory: string, recursive: boolean, files: FileInfo[], call: FileCall): Promise<void> {
    call.signal.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw error;
    }
    const root = await this.rootPath();
    for (const entry of entries) {
      const absolute = join(directory, entry.name);
      const path = joinPath(relativeDirectory, entry.name);
      if (entry.isDirectory()) {
        if (recursive) await this.walk(absolute, path, recursive, files, call);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (entry.isSymbolicLink()) {
          const target = await realpath(absolute).catch(() => undefined);
          if (target === undefined || !isInside(root, target)) continue;
        }
        const info = await stat(absolute).catch(() => undefined);
        if (info?.isFile() && !isTemporary(entry.name)) files.push({ path, size: info.size, modifiedAt: info.mtime.toISOString() });
      }
    }
  }

  /**
   * Runs `body`, rewriting the absolute host paths in a failure (Node's fs
   * errors name them: `ENOENT: ..., mkdir '/srv/app/data/x'`) as paths
   * relative to the root (`'x'`, the root itself `'.'`, anything else
   * `'(outside the root)'`): an error message reaches the task record, the
   * host's directory layout does not.
   */
  private async relativeErrors<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw await this.withRelativePaths(error);
    }
  }

  private async withRelativePaths(error: unknown): Promise<unknown> {
    if (!(error instanceof Error) || error instanceof AgentRefusedError || error instanceof FileNotFoundError) return error;
    const roots = [resolvePath(this.root)];
    const real = await this.realRoot?.catch(() => undefined);
    if (real !== undefined && real !== roots[0]) roots.push(real);
    const relative = (absolute: string): string => {
      for (const root of roots) {
        if (absolute === root) return '.';
        if (absolute.startsWith(root + sep)) return absolute.slice(root.length + 1);
      }
      return '(outside the root)';
    };
    const { path, dest, code, syscall, errno } = error as NodeJS.ErrnoException & { dest?: string };
    let message = error.message;
    for (const absolute of [path, dest]) if (typeof absolute === 'string' && isAbsolute(absolute)) message = message.split(absolute).join(relative(absolute));
    // Longest root first: the real root may be the configured one with a symlink resolved (or the other way round).
    for (const root of [...roots].sort((a, b) => b.length - a.length)) message = message.split(root + sep).join('').split(root).join('.');
    if (message === error.message) return error;
    const copy = new Error(message);
    copy.name = error.name;
    Object.assign(copy, { code, syscall, errno });
    return copy;
  }

  private notFound(error: unknown, path: string, call: FileCall): unknown {
    return isMissing(error) ? new FileNotFoundError(this.connection, call.operation, path) : error;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root + sep);
}
