import type { Readable } from 'node:stream';
import type { FileInfo, PutOptions } from '../../core/agents/FileStorageAgent.js';

/** What a {@link FileStore} call gets besides its arguments. */
export interface FileCall {
  /** The agent operation (`get`, `putStream`, `writeCsv`...), for error messages. */
  operation: string;
  /** The task's signal: a transfer in flight is aborted on it. */
  signal: AbortSignal;
}

/**
 * One storage backend of a file connection (`fs`, `s3`, `sftp`), shared by
 * every task: {@link TracedFileStorage} binds it to a task, checks paths,
 * writes the log line and builds the record helpers on top of it.
 *
 * Paths have passed `checkRelativePath` (relative, `/`-separated, no `..`);
 * a store adds what only it can check (the `fs` symlink jail). A store throws
 * {@link FileNotFoundError} for a missing file, `AgentRefusedError` for what
 * it refuses, anything else for a failure (wrapped as `AgentError`).
 */
export interface FileStore {
  /** Credentials to blank out of error messages (an SFTP password or key). */
  readonly secrets: readonly string[];
  /** A stream of the file's bytes, and its size when known without reading. */
  getStream(path: string, call: FileCall): Promise<{ stream: Readable; size?: number }>;
  /** The file opened for reads at any offset (Parquet's footer first); closed by the caller. */
  openRandomAccess(path: string, call: FileCall): Promise<RandomAccessFile>;
  /** Writes the whole stream atomically (replacing a file already there), creating parent directories. */
  putStream(path: string, data: AsyncIterable<Uint8Array>, options: PutOptions, call: FileCall): Promise<void>;
  /** Files (not directories) under `prefix` ('' = root), in any order. */
  list(prefix: string, recursive: boolean, call: FileCall): Promise<FileInfo[]>;
  stat(path: string, call: FileCall): Promise<FileInfo | undefined>;
  /** A missing file is not an error. */
  delete(path: string, call: FileCall): Promise<void>;
  /** Replaces `to`; throws {@link FileNotFoundError} when `from` is missing. */
  move(from: string, to: string, call: FileCall): Promise<void>;
  close(): Promise<void>;
}

/** A file read by byte ranges. */
export interface RandomAccessFile {
  /** Bytes. */
  readonly size: number;
  /** Bytes `[start, end)`; fewer only past the end of the file. */
  read(start: number, end: number): Promise<Uint8Array>;
  close(): Promise<void>;
}
