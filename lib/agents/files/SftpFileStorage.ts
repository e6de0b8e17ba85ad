import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client, FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { AgentError } from '../../core/agents/agentErrors.js';
import type { FileInfo, PutOptions } from '../../core/agents/FileStorageAgent.js';
import { FileNotFoundError } from './FileNotFoundError.js';
import type { FileCall, FileStore, RandomAccessFile } from './FileStore.js';
import { baseName, joinPath, parentOf } from './relativePath.js';
import { isTemporary, temporaryName } from './temporaryName.js';

/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7). */
const EOF = 1;
const NO_SUCH_FILE = 2;
const DEFAULT_TIMEOUT_SECONDS = 20;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/** Where and how to log in: parsed from the `sftp://` URL and the resolved settings. */
export interface SftpTarget {
  host: string;
  port: number;
  username: string;
  /** Absolute directory on the server, or relative to the login directory (`.` = the login directory itself). */
  basePath: string;
  password?: string;
  privateKey?: string;
  /** `SHA256:<base64>`: the only host key accepted. */
  hostKey?: string;
  /** Connect and disconnect timeout, ms. */
  timeoutMs?: number;
}

/**
 * A directory on an SFTP server as a {@link FileStore} (`type: sftp`), on
 * ssh2-sftp-client (connect/end) and the ssh2 SFTP channel under it.
 *
 * - One SSH connection per agent connection, opened on first use and shared
 *   by every task (SFTP multiplexes requests); dropped when it closes or
 *   fails, and opened again by the next call.
 * - Connect and end are bounded by the timeout: ssh2 can leave either
 *   hanging after an ECONNRESET (ssh2-sftp-client#591, #526, #109).
 * - The host key is pinned when `hostKey` is set (SHA-256 fingerprint, as
 *   `ssh-keygen -l` prints it); otherwise any key is accepted.
 * - Writes upload to `.<name>.<random>.part` in the target's directory, then
 *   rename onto the target (ssh2-sftp-client#388: readers must never see a
 *   partial upload). The rename is `posix-rename@openssh.com` when the server
 *   offers it (atomic replace); plain SFTPv3 `RENAME` refuses an existing
 *   target, so then the old file is renamed aside first and removed after
 *   (a reader may briefly see no file, never a partial one; when the second
 *   rename fails, the old file is put back).
 * - Every request races the task's signal; a transfer is destroyed on it.
 */
export class SftpFileStorage implements FileStore {
  readonly secrets: readonly string[];
  private connection: Promise<{ client: SftpClient; sftp: SFTPWrapper }> | undefined;
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly target: SftpTarget,
  ) {
    this.secrets = [target.password, target.privateKey].filter((secret): secret is string => secret !== undefined && secret !== '');
  }

  async getStream(path: string, call: FileCall): Promise<{ stream: Readable; size?: number }> {
    const sftp = await this.sftp(call);
    const remote = this.remote(path);
    const handle = await this.request<Buffer>(call, (done) => sftp.open(remote, 'r', done)).catch((error: unknown) => {
      throw this.notFound(error, path, call);
    });
    try {
      const info = await this.request<Stats>(call, (done) => sftp.fstat(handle, done));
      if (!isRegular(info.mode)) throw new FileNotFoundError(this.name, call.operation, path);
      // autoClose: the handle is closed when the stream ends or is destroyed.
      return { stream: sftp.createReadStream(remote, { handle, autoClose: true }), size: info.size };
    } catch (error) {
      sftp.close(handle, () => {});
      throw error;
    }
  }

  async openRandomAccess(path: string, call: FileCall): Promise<RandomAccessFile> {
    const sftp = await this.sftp(call);
    const handle = await this.request<Buffer>(call, (done) => sftp.open(this.remote(path), 'r', done)).catch((error: unknown) => {
      throw this.notFound(error, path, call);
    });
    let size: number;
    try {
      const info = await this.request<Stats>(call, (done) => sftp.fstat(handle, done));
      if (!isRegular(info.mode)) throw new FileNotFoundError(this.name, call.operation, path);
      size = info.size;
    } catch (error) {
      sftp.close(handle, () => {});
      throw error;
    }
    return {
      size,
      read: async (start, end) => {
        const buffer = Buffer.alloc(Math.max(0, Math.min(end, size) - start));
        let filled = 0;
        while (filled < buffer.length) {
          // ssh2 splits a long read into requests the server accepts; a short answer (or EOF) ends the file.
          const bytesRead = await this.request<number>(call, (done) =>
            sftp.read(handle, buffer, filled, buffer.length - filled, start + filled, (error, read) => done(sftpCode(error) === EOF ? undefined : error, sftpCode(error) === EOF ? 0 : read)),
          );
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return buffer.subarray(0, filled);
      },
      close: () => this.request<void>(call, (done) => sftp.close(handle, done)).catch(() => {}),
    };
  }

  async putStream(path: string, data: AsyncIterable<Uint8Array>, _options: PutOptions, call: FileCall): Promise<void> {
    const sftp = await this.sftp(call);
    await this.ensureDirectory(sftp, parentOf(path), call);
    const remote = this.remote(path);
    const temporary = this.remote(joinPath(parentOf(path), temporaryName(baseName(path))));
    const handle = await this.request<Buffer>(call, (done) => sftp.open(temporary, 'w', done));
    let open = true;
    try {
      await pipeline(Readable.from(data), sftp.createWriteStream(temporary, { handle, autoClose: false }), { signal: call.signal });
      open = false;
      await this.request<void>(call, (done) => sftp.close(handle, done));
      await this.replace(sftp, temporary, remote, call);
    } catch (error) {
      if (open) sftp.close(handle, () => {});
      sftp.unlink(temporary, () => {});
      throw error;
    }
  }

  async list(prefix: string, recursive: boolean, call: FileCall): Promise<FileInfo[]> {
    const sftp = await this.sftp(call);
    const files: FileInfo[] = [];
    const walk = async (directory: string): Promise<void> => {
      let entries: FileEntryWithStats[];
      try {
        entries = await this.request<FileEntryWithStats[]>(call, (done) => sftp.readdir(this.remote(directory), done));
      } catch (error) {
        if (sftpCode(error) === NO_SUCH_FILE) return;
        throw error;
      }
      for (const entry of entries) {
        if (entry.filename === '.' || entry.filename === '..') continue;
        const path = joinPath(directory, entry.filename);
        if (isDirectory(entry.attrs.mode)) {
          if (recursive) await walk(path);
        } else if (isRegular(entry.attrs.mode) && !isTemporary(entry.filename)) {
          files.push({ path, size: entry.attrs.size, modifiedAt: new Date(entry.attrs.mtime * 1000).toISOString() });
        }
      }
    };
    await walk(prefix);
    return files;
  }

  async stat(path: string, call: FileCall): Promise<FileInfo | undefined> {
    const sftp = await this.sftp(call);
    try {
      const info = await this.request<Stats>(call, (done) => sftp.stat(this.remote(path), done));
      return isRegular(info.mode) ? { path, size: info.size, modifiedAt: new Date(info.mtime * 1000).toISOString() } : undefined;
    } catch (error) {
      if (sftpCode(error) === NO_SUCH_FILE) return undefined;
      throw error;
    }
  }

  async delete(path: string, call: FileCall): Promise<void> {
    const sftp = await this.sftp(call);
    await this.request<void>(call, (done) => sftp.unlink(this.remote(path), done)).catch((error: unknown) => {
      if (sftpCode(error) !== NO_SUCH_FILE) throw error;
    });
  }

  async move(from: string, to: string, call: FileCall): Promise<void> {
    const sftp = await this.sftp(call);
    const info = await this.request<Stats>(call, (done) => sftp.stat(this.remote(from), done)).catch((error: unknown) => {
      throw this.notFound(error, from, call);
    });
    if (!isRegular(info.mode)) throw new FileNotFoundError(this.name, call.operation, from);
    await this.ensureDirectory(sftp, parentOf(to), call);
    await this.replace(sftp, this.remote(from), this.remote(to), call);
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await this.end(await connection.catch(() => undefined));
  }

  /** The shared SFTP channel, connecting (again) when there is none. */
  private async sftp(call: FileCall): Promise<SFTPWrapper> {
    if (this.closed) throw new AgentError(this.name, call.operation, 'the connection is closed');
    this.connection ??= this.connect();
    const connection = this.connection;
    return (await this.request<{ sftp: SFTPWrapper }>(call, (done) => connection.then((value) => done(undefined, value), (error: unknown) => done(error)))).sftp;
  }

  private connect(): Promise<{ client: SftpClient; sftp: SFTPWrapper }> {
    const noop = () => {};
    const client = new SftpClient(this.name, { error: noop, end: noop, close: noop });
    const timeoutMs = this.target.timeoutMs ?? DEFAULT_TIMEOUT_SECONDS * 1000;
    const connecting = withTimeout(
      client.connect({
        host: this.target.host,
        port: this.target.port,
        username: this.target.username,
        ...(this.target.password === undefined ? {} : { password: this.target.password }),
        ...(this.target.privateKey === undefined ? {} : { privateKey: this.target.privateKey }),
        ...(this.target.hostKey === undefined ? {} : { hostVerifier: pinnedHostKey(this.target.hostKey) }),
        readyTimeout: timeoutMs,
        // A connection that died quietly (a NAT forgot it) is noticed within about 30 s.
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
      }),
      timeoutMs,
      'connect timed out',
    ).then(
      (sftp) => {
        // SFTP is request/response: Nagle's algorithm would hold each small request back for the previous ACK.
        sshClientOf(client).setNoDelay(true);
        return { client, sftp: sftp as unknown as SFTPWrapper };
      },
      (error: unknown) => {
        sshClientOf(client).destroy();
        throw error;
      },
    );
    const drop = () => {
      if (this.connection === connecting) this.connection = undefined;
    };
    connecting.catch(drop);
    client.on('close', drop);
    client.on('end', drop);
    client.on('error', drop);
    return connecting;
  }

  private async end(connection: { client: SftpClient } | undefined): Promise<void> {
    if (!connection) return;
    const timeoutMs = this.target.timeoutMs ?? DEFAULT_TIMEOUT_SECONDS * 1000;
    await withTimeout(connection.client.end(), timeoutMs, 'end timed out').catch(() => {});
    sshClientOf(connection.client).destroy();
  }

  /** Creates `directory` (relative to the base path) and its missing parents, the base path's own included. */
  private async ensureDirectory(sftp: SFTPWrapper, directory: string, call: FileCall): Promise<void> {
    await this.ensureRemoteDirectory(sftp, this.remote(directory), call);
  }

  private async ensureRemoteDirectory(sftp: SFTPWrapper, remote: string, call: FileCall): Promise<void> {
    if (remote === '/' || remote === '.' || remote === '') return;
    const existing = await this.request<Stats>(call, (done) => sftp.stat(remote, done)).catch(() => undefined);
    if (existing && isDirectory(existing.mode)) return;
    await this.ensureRemoteDirectory(sftp, parentOf(remote), call);
    await this.request<void>(call, (done) => sftp.mkdir(remote, done)).catch(async (error: unknown) => {
      // Another task made it in between: fine.
      const made = await this.request<Stats>(call, (done) => sftp.stat(remote, done)).catch(() => undefined);
      if (!made || !isDirectory(made.mode)) throw error;
    });
  }

  /** Renames `from` onto `to`, replacing it (see the class comment). */
  private async replace(sftp: SFTPWrapper, from: string, to: string, call: FileCall): Promise<void> {
    // ssh2 keeps the server's extensions here and offers no public accessor.
    const extensions = (sftp as unknown as { _extensions?: Record<string, string> })._extensions ?? {};
    if (extensions['posix-rename@openssh.com'] === '1') {
      await this.request<void>(call, (done) => sftp.ext_openssh_rename(from, to, done));
      return;
    }
    try {
      await this.request<void>(call, (done) => sftp.rename(from, to, done));
    } catch (error) {
      const existing = await this.request<Stats>(call, (done) => sftp.stat(to, done)).catch(() => undefined);
      if (!existing) throw error;
      // Move the old file aside rather than deleting it first, so a failing second rename can put it back.
      const slash = to.lastIndexOf('/');
      const aside = to.slice(0, slash + 1) + temporaryName(to.slice(slash + 1));
      await this.request<void>(call, (done) => sftp.rename(to, aside, done));
      try {
        await this.request<void>(call, (done) => sftp.rename(from, to, done));
      } catch (renameError) {
        sftp.rename(aside, to, () => {});
        throw renameError;
      }
      sftp.unlink(aside, () => {});
    }
  }

  /** One SFTP request, given up when the task's signal fires (the answer, if any, is ignored). */
  private request<T>(call: FileCall, send: (done: (error: unknown, value?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(call.signal.reason);
      if (call.signal.aborted) return onAbort();
      call.signal.addEventListener('abort', onAbort, { once: true });
      send((error, value) => {
        call.signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value as T);
      });
    });
  }

  private remote(path: string): string {
    const base = this.target.basePath;
    if (path === '') return base;
    return base === '/' ? `/${path}` : `${base}/${path}`;
  }

  private notFound(error: unknown, path: string, call: FileCall): unknown {
    return sftpCode(error) === NO_SUCH_FILE ? new FileNotFoundError(this.name, call.operation, path) : error;
  }
}

/**
 * `sftp://user@host:port/base/path` → where to connect. The path is
 * absolute on the server; `/~/dir` is `dir` under the login directory; no
 * path is the login directory.
 */
export function parseSftpUrl(url: string): Pick<SftpTarget, 'host' | 'port' | 'username' | 'basePath'> {
  const parsed = new URL(url);
  const pathname = decodeURIComponent(parsed.pathname).replace(/\/+$/, '');
  let basePath: string;
  if (pathname === '' || pathname === '/~') basePath = '.';
  else if (pathname.startsWith('/~/')) basePath = pathname.slice(3);
  else basePath = pathname;
  return {
    // URL keeps IPv6 literals in brackets; ssh2 wants the bare address.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 22 : Number(parsed.port),
    username: decodeURIComponent(parsed.username),
    basePath,
  };
}

/** A host verifier accepting only the key whose SHA-256 fingerprint is `fingerprint` (`SHA256:<base64>`, padding optional). */
export function pinnedHostKey(fingerprint: string): (key: Buffer) => boolean {
  const expected = fingerprint.replace(/^SHA256:/, '').replace(/=+$/, '');
  return (key) => createHash('sha256').update(key).digest('base64').replace(/=+$/, '') === expected;
}

/** The `SHA256:<base64>` fingerprint of an SSH public key blob, as `ssh-keygen -l` prints it. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** ssh2-sftp-client's ssh2 `Client` (public, though its typings leave it out). */
function sshClientOf(client: SftpClient): Client {
  return (client as unknown as { client: Client }).client;
}

function isRegular(mode: number): boolean {
  return (mode & S_IFMT) === S_IFREG;
}

function isDirectory(mode: number): boolean {
  return (mode & S_IFMT) === S_IFDIR;
}

function sftpCode(error: unknown): unknown {
  return (error as { code?: unknown } | undefined)?.code;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
