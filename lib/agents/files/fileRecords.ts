import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import streamArray from 'stream-json/streamers/stream-array.js';

/**
 * The record formats of the file storage agent as stream transforms, shared
 * by every store: readers take the file's byte stream, writers yield the
 * file's bytes. Nothing is held in memory beyond one record (and the parsers'
 * buffers).
 */

/** Where node:readline ends a line. */
const LINE_END = /\r\n|\n|\r/;

/** Thrown for a file that does not hold what the reader expects (not retriable: the file stays the same). */
export class MalformedRecordsError extends Error {
  override name = 'MalformedRecordsError';
}

/** csv-parse's parser core (`Parser#api`, what its stream and sync APIs drive): parses a chunk synchronously, pushing each record. */
interface CsvParserCore {
  parse(chunk: Buffer | undefined, end: boolean, push: (fields: string[]) => void, close: () => void): Error | undefined;
}

/**
 * CSV records in arrays, one per chunk of the byte stream (its records; a
 * chunk ending mid-record gives that record to the next array): the header
 * row gives the keys, every value is a string (csv-parse: RFC 4180 quoting,
 * a UTF-8 BOM is skipped, `\r\n` or `\n`, every record must have the header's
 * field count). The arrays are never empty. A malformed record throws
 * {@link MalformedRecordsError} after the array of the records before it.
 */
export async function* csvRecordBatches(bytes: Readable, delimiter: string): AsyncGenerator<Record<string, string>[]> {
  // csv-parse's core, driven directly with the stream's chunks: its Transform stream
  // and async iterator cost a promise per record (bench/load.ts). Arrays, keyed here:
  // `columns: true` defines every field with Object.defineProperty, ~1.6x slower per record.
  const parser = (parse({ bom: true, delimiter, relax_column_count: false }) as unknown as { api: CsvParserCore }).api;
  let header: string[] | undefined;
  // Plain assignment would set the prototype for a `__proto__` column: such a header keeps csv-parse's way.
  let define = false;
  let batch: Record<string, string>[] = [];
  const push = (fields: string[]): void => {
    if (header === undefined) {
      header = fields;
      define = header.includes('__proto__');
      return;
    }
    const record: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) {
      if (define) Object.defineProperty(record, header[i]!, { value: fields[i], enumerable: true, writable: true, configurable: true });
      else record[header[i]!] = fields[i]!;
    }
    batch.push(record);
  };
  const close = (): void => {};
  let failure: Error | undefined;
  try {
    for await (const chunk of bytes) {
      failure = parser.parse(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer), false, push, close);
      if (batch.length > 0) {
        const out = batch;
        batch = [];
        yield out;
      }
      if (failure !== undefined) throw failure;
    }
    failure = parser.parse(undefined, true, push, close);
    if (batch.length > 0) yield batch;
    if (failure !== undefined) throw failure;
  } catch (error) {
    throw asMalformed(error, 'CSV');
  } finally {
    bytes.destroy();
  }
}

/**
 * CSV text of `records`: the header row is the first record's keys, and
 * later records are written in that column order (a key the first record
 * lacks is dropped). Strings as they are; numbers and bigints in decimal;
 * booleans `true`/`false`; dates ISO-8601; other objects JSON; null and
 * undefined empty. Values holding the delimiter, quotes or newlines are quoted.
 *
 * @param counted  called once per record read from `records`
 */
export async function* csvBytes(records: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>, delimiter: string, counted: () => void): AsyncGenerator<Uint8Array> {
  const iterator = countRecords(records, counted);
  const first = await iterator.next();
  if (first.done) return;
  const stringifier = stringify({
    header: true,
    columns: Object.keys(first.value),
    delimiter,
    cast: {
      boolean: (value) => (value ? 'true' : 'false'),
      date: (value) => value.toISOString(),
      bigint: (value) => value.toString(),
      object: (value) => JSON.stringify(value),
    },
  });
  const rows = pipeline(Readable.from(prepend(first.value, iterator), { objectMode: true }), stringifier, () => {});
  for await (const chunk of rows) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
}

/**
 * JSON Lines values in arrays, one per chunk of the byte stream (the lines
 * it completes; never empty): one JSON value per line, blank lines skipped,
 * lines end at `\n`, `\r\n` or a lone `\r` (as node:readline splits them).
 * A line that is not JSON throws {@link MalformedRecordsError} (`line N is
 * not JSON`) after the array of the values before it.
 */
export async function* jsonLinesBatches<T>(bytes: Readable): AsyncGenerator<T[]> {
  // Split here, not with node:readline: its async iterator costs a promise per line.
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let number = 0;
  // A chunk ending in `\r`: a `\n` starting the next one ends no other line.
  let afterCr = false;
  let batch: T[] = [];
  let failure: MalformedRecordsError | undefined;
  const take = (line: string): void => {
    number++;
    if (failure !== undefined || line.trim() === '') return;
    try {
      batch.push(JSON.parse(line) as T);
    } catch {
      failure = new MalformedRecordsError(`line ${number} is not JSON`);
    }
  };
  const split = (text: string, end: boolean): void => {
    if (afterCr && text.startsWith('\n')) text = text.slice(1);
    afterCr = text.endsWith('\r');
    const lines = (rest + text).split(LINE_END);
    rest = end ? '' : lines.pop()!;
    for (const line of lines) take(line);
  };
  try {
    for await (const chunk of bytes) {
      split(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer), false);
      if (batch.length > 0) {
        const out = batch;
        batch = [];
        yield out;
      }
      if (failure !== undefined) throw failure;
    }
    const last = rest + decoder.end();
    rest = '';
    if (last !== '') split(last, true);
    if (batch.length > 0) yield batch;
    if (failure !== undefined) throw failure;
  } finally {
    bytes.destroy();
  }
}

/** JSON Lines text of `records`: `JSON.stringify` per record (undefined → `null`), `\n` after each. */
export async function* jsonLinesBytes(records: Iterable<unknown> | AsyncIterable<unknown>, counted: () => void): AsyncGenerator<Uint8Array> {
  for await (const record of countRecords(records, counted)) {
    yield Buffer.from(`${JSON.stringify(record) ?? 'null'}\n`);
  }
}

/** The elements of a file holding one JSON array (stream-json's `streamArray`). */
export async function* jsonArrayElements<T>(bytes: Readable): AsyncGenerator<T> {
  const elements = pipeline(bytes, streamArray.withParserAsStream(), () => {});
  try {
    for await (const item of elements) yield (item as { value: T }).value;
  } catch (error) {
    throw asMalformed(error, 'a JSON array');
  } finally {
    bytes.destroy();
  }
}

async function* countRecords<T>(records: Iterable<T> | AsyncIterable<T>, counted: () => void): AsyncGenerator<T> {
  for await (const record of records) {
    counted();
    yield record;
  }
}

async function* prepend<T>(first: T, rest: AsyncIterable<T>): AsyncGenerator<T> {
  yield first;
  yield* rest;
}

function asMalformed(error: unknown, what: string): unknown {
  // Parser errors (not I/O errors, which keep their class) mean the file is not what it should be.
  const parserError = error instanceof Error && (String((error as { code?: unknown }).code).startsWith('CSV_') || /^Parser |^Top-level /.test(error.message));
  return parserError ? new MalformedRecordsError(`the file is not ${what}: ${error.message}`) : error;
}
