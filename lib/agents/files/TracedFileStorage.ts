import type { Readable } from 'node:stream';
import type { AgentScope } from '../../core/agents/AgentScope.js';
import { AgentError, AgentRefusedError } from '../../core/agents/agentErrors.js';
import type { CsvReadOptions, FileInfo, FileStorageAgent, PutOptions } from '../../core/agents/FileStorageAgent.js';
import { RECORD_BATCHES, type BatchedRecords } from '../../core/agents/recordBatches.js';
import { traceAgentCall, type CallMeasure } from '../../core/agents/traceAgentCall.js';
import { abortableStream } from './abortableStream.js';
import { csvBytes, csvRecordBatches, jsonArrayElements, jsonLinesBatches, jsonLinesBytes, MalformedRecordsError } from './fileRecords.js';
import type { FileCall, FileStore } from './FileStore.js';
import { parquetRows } from './parquetRows.js';
import { byPath, checkRelativePath } from './relativePath.js';

/** Writes reach the store in chunks of about this many bytes (an SFTP WRITE request each). */
const WRITE_CHUNK_BYTES = 64 * 1024;

/**
 * The {@link FileStorageAgent} a logic gets: one {@link FileStore} bound to
 * one task. Every call checks its paths (refused with `AgentRefusedError`
 * before the store is touched), stops at once when the task's signal has
 * fired, aborts its transfer when it fires later, and writes one task-log
 * line through `traceAgentCall` — `{ connection, operation, path, bytes }`
 * (`rows` for the record helpers; a reader's line is written when its
 * iteration ends). Store errors other than the agent's own become
 * `AgentError` with the credentials blanked out.
 *
 * The record readers return {@link BatchedRecords}: iterated with
 * `for await`, one record at a time; through `[RECORD_BATCHES]()` (what
 * `load` uses), the same records in arrays as the parser gives them. Each
 * read of the file is one call and one log line; a reader's result is read
 * either way, not both (the second way throws `AgentRefusedError`).
 */
export class TracedFileStorage implements FileStorageAgent {
  constructor(
    private readonly store: FileStore,
    private readonly scope: AgentScope,
  ) {}

  async get(path: string): Promise<Uint8Array> {
    return this.traced('get', path, async (call, file) => {
      const { stream } = await this.store.getStream(file, call);
      return readAll(abortableStream(stream, call.signal));
    }, (bytes) => ({ bytes: bytes.byteLength }));
  }

  async getText(path: string): Promise<string> {
    return this.traced('getText', path, async (call, file) => {
      const { stream } = await this.store.getStream(file, call);
      return Buffer.from(await readAll(abortableStream(stream, call.signal))).toString('utf8');
    }, (text) => ({ bytes: Buffer.byteLength(text) }));
  }

  async put(path: string, data: string | Uint8Array, options: PutOptions = {}): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await this.traced('put', path, (call, file) => this.store.putStream(file, oneChunk(bytes), options, call), () => ({ bytes: bytes.byteLength }));
  }

  async getStream(path: string): Promise<Readable> {
    const opened = await this.traced('getStream', path, (call, file) => this.store.getStream(file, call), ({ size }) => (size === undefined ? {} : { bytes: size }));
    // The stream outlives the call: it is destroyed (AbortError) when the task's signal fires.
    return abortableStream(opened.stream, this.scope.signal);
  }

  async putStream(path: string, data: Readable | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<{ bytes: number }> {
    return this.traced('putStream', path, async (call, file) => {
      const counter = { bytes: 0 };
      await this.store.putStream(file, chunked(data, counter, call.signal), options, call);
      return { bytes: counter.bytes };
    }, ({ bytes }) => ({ bytes }));
  }

  async list(prefix = '', options: { recursive?: boolean } = {}): Promise<FileInfo[]> {
    return this.run(
      'list',
      () => ({ path: this.check('list', prefix, 'directory') }),
      async (call, { path }) => (await this.store.list(path, options.recursive === true, call)).sort(byPath),
      (files) => ({ items: files.length }),
    );
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    return this.traced('stat', path, (call, file) => this.store.stat(file, call), (info) => (info ? { bytes: info.size } : { found: false }));
  }

  async delete(path: string): Promise<void> {
    await this.traced('delete', path, (call, file) => this.store.delete(file, call));
  }

  async move(from: string, to: string): Promise<void> {
    await this.run(
      'move',
      () => ({ path: this.check('move', from, 'file'), to: this.check('move', to, 'file') }),
      (call, paths) => (paths.path === paths.to ? Promise.resolve() : this.store.move(paths.path, paths.to, call)),
    );
  }

  readCsv(path: string, options: CsvReadOptions = {}): BatchedRecords<Record<string, string>> {
    return this.tracedRead('readCsv', path, (bytes) => csvRecordBatches(bytes, options.delimiter ?? ','));
  }

  async writeCsv(path: string, records: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>, options: { delimiter?: string } = {}): Promise<{ records: number; bytes: number }> {
    return this.tracedWrite('writeCsv', path, (counted) => csvBytes(records, options.delimiter ?? ',', counted), 'text/csv; charset=utf-8');
  }

  readJsonLines<T = unknown>(path: string): BatchedRecords<T> {
    return this.tracedRead('readJsonLines', path, (bytes) => jsonLinesBatches<T>(bytes));
  }

  async writeJsonLines(path: string, records: Iterable<unknown> | AsyncIterable<unknown>): Promise<{ records: number; bytes: number }> {
    return this.tracedWrite('writeJsonLines', path, (counted) => jsonLinesBytes(records, counted), 'application/x-ndjson');
  }

  readJsonArray<T = unknown>(path: string): BatchedRecords<T> {
    return this.tracedRead('readJsonArray', path, (bytes) => oneEach(jsonArrayElements<T>(bytes)));
  }

  readParquet<T = Record<string, unknown>>(path: string): BatchedRecords<T> {
    return this.tracedRecords('readParquet', path, async function* (store, file, call) {
      const opened = await store.openRandomAccess(file, call);
      try {
        yield* parquetRows<T>(opened, call.signal);
      } finally {
        await opened.close();
      }
    });
  }

  /** One call on one file path (see {@link run}). */
  private traced<T>(operation: string, path: string, call: (call: FileCall, path: string) => Promise<T>, result?: (value: T) => CallMeasure): Promise<T> {
    return this.run(operation, () => ({ path: this.check(operation, path, 'file') }), (fileCall, paths) => call(fileCall, paths.path), result);
  }

  /**
   * One traced call: `paths` checks the call's paths (a refusal is logged
   * and thrown before the store is touched), an aborted signal stops it,
   * then `call` runs; the log line reports the paths and `result`'s measure.
   */
  private async run<P extends { path: string }, T>(operation: string, paths: () => P, call: (call: FileCall, paths: P) => Promise<T>, result?: (value: T) => CallMeasure): Promise<T> {
    let checked: P | undefined;
    return traceAgentCall(
      this.scope,
      operation,
      async () => {
        checked = paths();
        if (this.scope.signal.aborted) throw this.aborted(operation);
        try {
          return await call({ operation, signal: this.scope.signal }, checked);
        } catch (error) {
          throw this.translate(operation, error);
        }
      },
      (value) => ({ ...checked, ...(result ? result(value) : {}) }),
    );
  }

  private async tracedWrite(operation: string, path: string, bytes: (counted: () => void) => AsyncIterable<Uint8Array>, contentType: string): Promise<{ records: number; bytes: number }> {
    return this.traced(
      operation,
      path,
      async (call, file) => {
        const counter = { bytes: 0, records: 0 };
        await this.store.putStream(file, chunked(bytes(() => counter.records++), counter, call.signal), { contentType }, call);
        return { records: counter.records, bytes: counter.bytes };
      },
      ({ records, bytes: written }) => ({ rows: records, bytes: written }),
    );
  }

  /** A reader of the file's byte stream as one traced call (see {@link tracedRecords}). */
  private tracedRead<T>(operation: string, path: string, batches: (bytes: Readable) => AsyncGenerator<T[]>): BatchedRecords<T> {
    return this.tracedRecords(operation, path, async function* (store, file, call) {
      const { stream } = await store.getStream(file, call);
      yield* batches(abortableStream(stream, call.signal));
    });
  }

  /**
   * A reader whose every iteration is one traced call, read record by record
   * (`for await`) or in the source's arrays (`[RECORD_BATCHES]()`), not both.
   */
  private tracedRecords<T>(operation: string, path: string, batches: (store: FileStore, file: string, call: FileCall) => AsyncGenerator<T[]>): BatchedRecords<T> {
    let way: 'records' | 'batches' | undefined;
    const claim = (wanted: 'records' | 'batches'): void => {
      if (way !== undefined && way !== wanted) {
        throw new AgentRefusedError(this.scope.connection, operation, `this ${operation} result was already read ${way === 'records' ? 'record by record' : 'in batches'}: read each result one way (call ${operation} again for another read)`);
      }
      way = wanted;
    };
    return {
      [Symbol.asyncIterator]: () => {
        claim('records');
        return this.tracedIteration<T, T>(operation, path, batches, true);
      },
      [RECORD_BATCHES]: () => {
        claim('batches');
        return this.tracedIteration<T, T[]>(operation, path, batches, false);
      },
    };
  }

  /**
   * One read as one traced call: the log line (`rows`: the records handed
   * to the consumer) is written when the iteration ends — read to the end,
   * stopped early by the consumer (`break`), or failed. `each`: yield the
   * records one at a time, else the source's arrays.
   */
  private async *tracedIteration<T, Y extends T | T[]>(operation: string, path: string, batches: (store: FileStore, file: string, call: FileCall) => AsyncGenerator<T[]>, each: boolean): AsyncGenerator<Y> {
    let finish!: (count: number) => void;
    let fail!: (error: unknown) => void;
    const done = new Promise<number>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    done.catch(() => {}); // when run() fails before awaiting it (a refused path, an aborted signal)
    let file = '';
    let refusal: unknown;
    try {
      file = this.check(operation, path, 'file');
    } catch (error) {
      refusal = error;
    }
    const logged = this.run(
      operation,
      () => {
        if (refusal !== undefined) throw refusal;
        return { path: file };
      },
      () => done,
      (count) => ({ rows: count }),
    );
    logged.catch(() => {}); // the error reaches the consumer through the iteration
    let count = 0;
    try {
      // run() refuses these before starting the call: its error (logged already) is the reader's.
      if (refusal !== undefined || this.scope.signal.aborted) await logged;
      for await (const batch of batches(this.store, file, { operation, signal: this.scope.signal })) {
        if (each) {
          for (const record of batch) {
            count++;
            yield record as Y;
          }
        } else {
          count += batch.length;
          yield batch as Y;
        }
      }
      finish(count);
    } catch (error) {
      const translated = this.translate(operation, error);
      fail(translated);
      throw translated;
    } finally {
      finish(count); // stopped early: settles once, the first call wins
      await logged.catch(() => {});
    }
  }

  private check(operation: string, path: unknown, kind: 'file' | 'directory'): string {
    const checked = checkRelativePath(path, kind);
    if ('refused' in checked) throw new AgentRefusedError(this.scope.connection, operation, checked.refused);
    return checked.path;
  }

  private aborted(operation: string): AgentError {
    return new AgentError(this.scope.connection, operation, 'aborted by the task signal', { cause: this.scope.signal.reason });
  }

  /** Agent errors pass; an abort says so; parser errors are not retriable; anything else is a retriable `AgentError`. */
  private translate(operation: string, error: unknown): unknown {
    if (error instanceof AgentError || error instanceof AgentRefusedError) return error;
    if (this.scope.signal.aborted) return this.aborted(operation);
    const message = this.redact(error instanceof Error ? error.message : String(error));
    if (error instanceof MalformedRecordsError) return new AgentRefusedError(this.scope.connection, operation, message);
    const cause = error instanceof Error && message !== error.message ? Object.assign(new Error(message), { name: error.name, code: (error as { code?: unknown }).code }) : error;
    return new AgentError(this.scope.connection, operation, message, { cause });
  }

  private redact(message: string): string {
    let redacted = message;
    for (const secret of this.store.secrets) if (secret !== '') redacted = redacted.split(secret).join('***');
    return redacted;
  }
}

/** A record at a time as arrays of one, for a reader whose parser gives no more (stream-json's elements). */
async function* oneEach<T>(records: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const record of records) yield [record];
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Re-chunks `data` into pieces of about {@link WRITE_CHUNK_BYTES}, counting bytes, stopping when `signal` fires. */
async function* chunked(data: AsyncIterable<Uint8Array | string>, counter: { bytes: number }, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const piece of data) {
    signal.throwIfAborted();
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    counter.bytes += chunk.byteLength;
    if (chunk.byteLength >= WRITE_CHUNK_BYTES && pendingBytes === 0) {
      yield chunk;
      continue;
    }
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    if (pendingBytes >= WRITE_CHUNK_BYTES) {
      yield Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
    }
  }
  signal.throwIfAborted();
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
