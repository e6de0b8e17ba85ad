import { constants as bufferConstants } from 'node:buffer';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
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

const gzipAsync = promisify(gzip) as (input: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>;

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
  return gzipAsync(parts.detailBuffer, { maxOutputLength: outputLimit(parts) }).then(
    (gz) => finish(parts, gz),
    (error: unknown) => Promise.reject(tooLargeOr(error, parts)),
  );
}

/** {@link encodeTaskRecord}, compressing on the calling thread (for synchronous store methods). */
export function encodeTaskRecordSync(record: TaskRecord, options: EncodeTaskRecordOptions = {}): EncodedTaskRecord {
  const parts = split(record, options);
  if (parts.compress === false) return parts.encoded;
  let gz: Buffer;
  try {
    gz = gzipSync(parts.detailBuffer, { maxOutputLength: outputLimit(parts) });
  } catch (error) {
    throw tooLargeOr(error, parts);
  }
  return finish(parts, gz);
}

type Split =
  | { compress: false; encoded: EncodedTaskRecord }
  | { compress: true; summaryJson: string; detailJson: string; detailBuffer: Buffer; summaryBytes: number; budget: number; maxBytes: number };

function split(record: TaskRecord, options: EncodeTaskRecordOptions): Split {
  const maxBytes = options.maxBytes ?? MAX_TASK_RECORD_BYTES;
  const { result, logs, ...summary } = record;
  const summaryJson = JSON.stringify(summary);
  // One layout for every store: key order result, logs; no `result` key when undefined.
  const detailJson = JSON.stringify(result === undefined ? { logs } : { result, logs });
  const summaryBytes = Buffer.byteLength(summaryJson);
  const threshold = options.compressAboveBytes ?? COMPRESS_TASK_DETAIL_ABOVE_BYTES;
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit: encode (once) only when it may pass the threshold.
  const detailBuffer = detailJson.length * 3 <= threshold ? undefined : Buffer.from(detailJson);
  const detailBytes = detailBuffer?.byteLength ?? Buffer.byteLength(detailJson);
  const budget = maxBytes - summaryBytes;
  if (detailBytes <= threshold) {
    const size = summaryBytes + detailBytes;
    if (size > maxBytes) throw new TaskRecordTooLargeError(size, maxBytes);
    return { compress: false, encoded: { summaryJson, detailJson, detailGz: undefined, size } };
  }
  if (budget <= 0 || detailBytes > budget * MAX_DEFLATE_RATIO) throw new TaskRecordTooLargeError(summaryBytes + Math.ceil(detailBytes / MAX_DEFLATE_RATIO), maxBytes, { lowerBound: true });
  return { compress: true, summaryJson, detailJson, detailBuffer: detailBuffer ?? Buffer.from(detailJson), summaryBytes, budget, maxBytes };
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

function tooLargeOr(error: unknown, parts: Extract<Split, { compress: true }>): unknown {
  // zlib stopped at `maxOutputLength`: the compressed detail alone is over the budget.
  if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return new TaskRecordTooLargeError(parts.maxBytes + 1, parts.maxBytes, { lowerBound: true });
  return error;
}
