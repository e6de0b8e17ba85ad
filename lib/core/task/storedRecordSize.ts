import { constants as bufferConstants } from 'node:buffer';
import { createGzip, gzipSync } from 'node:zlib';
import { TaskRecordTooLargeError } from '../errors.js';
import type { TaskRecord } from './TaskRecord.js';

/**
 * The largest task record any store accepts, in bytes as measured by
 * {@link encodeTaskRecord}: 396 KiB. The tightest store is DynamoDB (an item
 * holds at most 400 KB, names and keys included); 4 KiB are kept for the
 * item's keys and attribute names (under 400 bytes with 64-character process
 * names). Every store (DynamoDB, SQLite, memory) applies this same limit, so
 * a result too large on AWS is too large on the embedded runtime as well.
 */
export const MAX_TASK_RECORD_BYTES = 396 * 1024;

/** The detail part (result and logs) of a record is measured, and stored on DynamoDB, gzip-compressed above this many bytes of JSON. */
export const COMPRESS_TASK_DETAIL_ABOVE_BYTES = 32 * 1024;

/** Deflate's best compression ratio is about 1032:1: a detail this many times the budget cannot fit however it compresses. */
const MAX_DEFLATE_RATIO = 1032;

/** A record in its stored form, as every store lays it out: a summary and a detail. */
export interface EncodedTaskRecord {
  /** The record without `result` and `logs`: what lists show. */
  summaryJson: string;
  /** `{ result?, logs }` as JSON. */
  detailJson: string;
  /** `detailJson` gzip-compressed, when it is longer than the compression threshold. */
  detailGz: Buffer | undefined;
  /** The stored size: UTF-8 bytes of `summaryJson`, plus bytes of `detailGz` if any, else of `detailJson`. */
  size: number;
}

/** Options of {@link encodeTaskRecord}. */
export interface EncodeTaskRecordOptions {
  /** @default {@link COMPRESS_TASK_DETAIL_ABOVE_BYTES} */
  compressAboveBytes?: number;
  /** @default {@link MAX_TASK_RECORD_BYTES} */
  maxBytes?: number;
}

/**
 * Splits a record into its stored form and measures it: the one measure of
 * a record's size that every {@link TaskStore} applies (DynamoDB stores
 * exactly this form; SQLite and memory store the uncompressed JSON but accept
 * what DynamoDB would). Compression runs off the event loop and stops as soon
 * as the output passes the limit, so a huge result is refused quickly.
 *
 * @returns the encoded record, synchronously when no compression is needed (the common case)
 * @throws {TaskRecordTooLargeError} (as a rejected promise, or synchronously when no compression was needed) when the record exceeds `maxBytes`
 */
export function encodeTaskRecord(record: TaskRecord, options: EncodeTaskRecordOptions = {}): EncodedTaskRecord | Promise<EncodedTaskRecord> {
  const parts = split(record, options);
  if (parts.compress === false) return parts.encoded;
  return gzipWithin(parts.detailJson, outputLimit(parts)).then((gz) => {
    if (gz === undefined) throw tooLarge(parts);
    return finish(parts, gz);
  });
}

/** {@link encodeTaskRecord}, compressing on the calling thread (for synchronous store methods). */
export function encodeTaskRecordSync(record: TaskRecord, options: EncodeTaskRecordOptions = {}): EncodedTaskRecord {
  const parts = split(record, options);
  if (parts.compress === false) return parts.encoded;
  let gz: Buffer;
  try {
    gz = gzipSync(parts.detailJson, { maxOutputLength: outputLimit(parts) });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(parts);
    throw error;
  }
  return finish(parts, gz);
}

type Split =
  | { compress: false; encoded: EncodedTaskRecord }
  | { compress: true; summaryJson: string; detailJson: string; summaryBytes: number; budget: number; maxBytes: number };

function split(record: TaskRecord, options: EncodeTaskRecordOptions): Split {
  const maxBytes = options.maxBytes ?? MAX_TASK_RECORD_BYTES;
  const { result, logs, payload, ...summary } = record;
  const summaryJson = JSON.stringify(summary);
  // One layout for every store: key order result, logs, payload; no `result` / `payload` key when undefined.
  const detail: Pick<TaskRecord, 'result' | 'logs' | 'payload'> = result === undefined ? { logs } : { result, logs };
  if (payload !== undefined) detail.payload = payload;
  const detailJson = JSON.stringify(detail);
  const summaryBytes = Buffer.byteLength(summaryJson);
  const threshold = options.compressAboveBytes ?? COMPRESS_TASK_DETAIL_ABOVE_BYTES;
  const budget = maxBytes - summaryBytes;
  // A UTF-8 string has at least as many bytes as UTF-16 units: a long one is over the threshold without counting.
  const detailBytes = detailJson.length > threshold ? undefined : Buffer.byteLength(detailJson);
  if (detailBytes !== undefined && detailBytes <= threshold) {
    const size = summaryBytes + detailBytes;
    if (size > maxBytes) throw new TaskRecordTooLargeError(size, maxBytes);
    return { compress: false, encoded: { summaryJson, detailJson, detailGz: undefined, size } };
  }
  if (budget <= 0 || detailJson.length > budget * MAX_DEFLATE_RATIO) throw new TaskRecordTooLargeError(maxBytes + 1, maxBytes, { lowerBound: true });
  return { compress: true, summaryJson, detailJson, summaryBytes, budget, maxBytes };
}

/** Slices written to the compressor: a large detail is never encoded to UTF-8 all at once. */
const SLICE_UNITS = 256 * 1024;

/**
 * gzip of `text` (as UTF-8), or `undefined` as soon as the output passes
 * `limit` bytes: the text is fed in slices, so an incompressible 50 MB
 * result costs about `limit` bytes of compression, not 50 MB. Deflate's
 * output does not depend on how its input is split, so the bytes equal
 * `gzipSync(text)`'s.
 */
function gzipWithin(text: string, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolvePromise, reject) => {
    const gzip = createGzip();
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const settle = (value: Buffer | undefined) => {
      if (done) return;
      done = true;
      resolvePromise(value);
    };
    gzip.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        settle(undefined);
        gzip.destroy();
        return;
      }
      chunks.push(chunk);
    });
    gzip.on('end', () => settle(Buffer.concat(chunks)));
    gzip.on('error', (error) => {
      if (!done) {
        done = true;
        reject(error);
      }
    });
    let offset = 0;
    const writeMore = (): void => {
      while (offset < text.length && !done) {
        let end = Math.min(offset + SLICE_UNITS, text.length);
        // Never split a surrogate pair between two slices.
        const last = text.charCodeAt(end - 1);
        if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
        const slice = text.slice(offset, end);
        offset = end;
        if (!gzip.write(slice)) {
          gzip.once('drain', writeMore);
          return;
        }
      }
      if (!done) gzip.end();
    };
    writeMore();
  });
}

/** Stop compressing one byte past the budget: the record is too large by then. */
function outputLimit(parts: Extract<Split, { compress: true }>): number {
  return Math.min(parts.budget + 1, bufferConstants.MAX_LENGTH);
}

function finish(parts: Extract<Split, { compress: true }>, gz: Buffer): EncodedTaskRecord {
  const size = parts.summaryBytes + gz.byteLength;
  if (size > parts.maxBytes) throw new TaskRecordTooLargeError(size, parts.maxBytes);
  return { summaryJson: parts.summaryJson, detailJson: parts.detailJson, detailGz: gz, size };
}

function tooLarge(parts: Extract<Split, { compress: true }>): TaskRecordTooLargeError {
  // Compression stopped past the budget: the exact size is unknown, only that it is over.
  return new TaskRecordTooLargeError(parts.maxBytes + 1, parts.maxBytes, { lowerBound: true });
}
