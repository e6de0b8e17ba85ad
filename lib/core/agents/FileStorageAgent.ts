import type { Readable } from 'node:stream';

/**
 * The file storage agent a logic gets from `ctx.files(name)` (LOC's
 * FileStorageAgent): adapters for a local directory (`fs`, jailed to its
 * root), S3 (bucket + prefix) and SFTP. Paths are relative, `/`-separated,
 * under the connection's root/prefix; `..`, absolute paths and NUL bytes are
 * refused ({@link AgentRefusedError}). Writes are atomic: a reader sees the
 * old file or the whole new one, never half of it. Every call honours the
 * task's signal and writes one task-log line (path, bytes).
 */
export interface FileStorageAgent {
  get(path: string): Promise<Uint8Array>;
  /** UTF-8. */
  getText(path: string): Promise<string>;
  put(path: string, data: string | Uint8Array, options?: PutOptions): Promise<void>;
  /** Streams a file larger than memory. */
  getStream(path: string): Promise<Readable>;
  /** Writes a stream (S3: multipart) atomically. Returns the bytes written. */
  putStream(path: string, data: Readable | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<{ bytes: number }>;
  /** Files under `prefix` (a directory path, '' for the root). Not recursive unless asked. Sorted by path. */
  list(prefix?: string, options?: { recursive?: boolean }): Promise<FileInfo[]>;
  /** `undefined` when there is no such file. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** Deleting a missing file is not an error. */
  delete(path: string): Promise<void>;
  /** Renames within the connection (replaces `to`). */
  move(from: string, to: string): Promise<void>;
  /** Records of a CSV file (header row = keys; values are strings), streamed. */
  readCsv(path: string, options?: CsvReadOptions): AsyncIterable<Record<string, string>>;
  /** Writes records as CSV (header from the first record's keys), streamed and atomic. */
  writeCsv(path: string, records: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>, options?: { delimiter?: string }): Promise<{ records: number; bytes: number }>;
  /** One JSON value per line, streamed. */
  readJsonLines<T = unknown>(path: string): AsyncIterable<T>;
  writeJsonLines(path: string, records: Iterable<unknown> | AsyncIterable<unknown>): Promise<{ records: number; bytes: number }>;
  /** The elements of a file holding one JSON array, streamed. */
  readJsonArray<T = unknown>(path: string): AsyncIterable<T>;
  /**
   * The rows of a Parquet file as objects keyed by column (hyparquet: INT64
   * as bigint, timestamps as Date, UTF-8 byte arrays as strings), one row
   * group in memory at a time, read by byte ranges (the footer first).
   * Pages uncompressed, Snappy, Gzip or Brotli (Zstandard where Node has it: 22.15+).
   */
  readParquet<T = Record<string, unknown>>(path: string): AsyncIterable<T>;
}

export interface PutOptions {
  contentType?: string;
}

export interface CsvReadOptions {
  /** @default ',' */
  delimiter?: string;
}

export interface FileInfo {
  /** Relative to the connection's root/prefix. */
  path: string;
  /** Bytes. */
  size: number;
  /** ISO-8601 UTC. */
  modifiedAt: string;
}
