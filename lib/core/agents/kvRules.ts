/**
 * The limits and checks of the key-value store, shared by every adapter so
 * that they refuse the same calls with the same errors, before anything is
 * written. Also the list cursor (opaque to callers, the same in every adapter).
 */
import { ConfigError } from '../errors.js';
import type { KeyValueStoreOptions, KvListOptions, KvValue } from './KeyValueStore.js';
import { describeKey, KvRefusedError, KvValueTooLargeError } from './kvErrors.js';

export const KV_LIMITS = {
  /** Bytes of a key (UTF-8). DynamoDB's limit for a sort key. */
  maxKeyBytes: 1024,
  /** Bytes of a value's JSON (UTF-8): 256 KiB, well under DynamoDB's 400 KB item. */
  maxValueBytes: 256 * 1024,
  /** Entries per list page. */
  maxListLimit: 100,
  defaultListLimit: 100,
} as const;

/**
 * Checks the adapter options (from `custom.sluice.kv`): `maxTtlSeconds` a
 * positive integer, `defaultTtlSeconds` unset or a positive integer not above it.
 * @throws {ConfigError}
 */
export function checkKvOptions(options: KeyValueStoreOptions): KeyValueStoreOptions {
  const { defaultTtlSeconds, maxTtlSeconds } = options;
  if (!Number.isSafeInteger(maxTtlSeconds) || maxTtlSeconds < 1) throw new ConfigError(`kv: maxTtlSeconds must be a positive integer (seconds), got ${String(maxTtlSeconds)}`);
  if (defaultTtlSeconds !== undefined && (!Number.isSafeInteger(defaultTtlSeconds) || defaultTtlSeconds < 1 || defaultTtlSeconds > maxTtlSeconds)) {
    throw new ConfigError(`kv: defaultTtlSeconds must be a positive integer not above maxTtlSeconds (${maxTtlSeconds}), got ${String(defaultTtlSeconds)}`);
  }
  return { defaultTtlSeconds, maxTtlSeconds };
}

// Lone surrogates: a `u` regex matches only unpaired ones (a pair is one code point).
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * A key is 1..1024 bytes of well-formed UTF-8 without NUL.
 * @throws {KvRefusedError} reason `key`
 */
export function assertKvKey(operation: string, key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new KvRefusedError(operation, 'key', `a key must be a string, got ${typeof key}`);
  if (key.length === 0) throw new KvRefusedError(operation, 'key', 'a key must not be empty', key);
  if (key.includes('\0')) throw new KvRefusedError(operation, 'key', `${describeKey(key)} contains a NUL character`, key);
  if (LONE_SURROGATE.test(key)) throw new KvRefusedError(operation, 'key', `${describeKey(key)} is not well-formed Unicode (a lone surrogate)`, key);
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > KV_LIMITS.maxKeyBytes) throw new KvRefusedError(operation, 'key', `${describeKey(key)} is ${bytes} bytes; the limit is ${KV_LIMITS.maxKeyBytes} bytes (UTF-8)`, key);
}

/**
 * The writer's task id, when given: a non-empty string.
 * @throws {KvRefusedError} reason `taskId`
 */
export function assertKvTaskId(operation: string, key: string, taskId: unknown): asserts taskId is string | undefined {
  if (taskId !== undefined && (typeof taskId !== 'string' || taskId.length === 0)) {
    throw new KvRefusedError(operation, 'taskId', `the taskId writing ${describeKey(key)} must be a non-empty string`, key);
  }
}

/** A list prefix: '' or what could start a key. */
export function assertKvPrefix(prefix: unknown): asserts prefix is string {
  if (prefix === '') return;
  assertKvKey('list', prefix);
}

/**
 * The JSON text of `value`, checked: only what JSON round-trips unchanged
 * (null, booleans, finite numbers, strings, arrays, plain objects; a `toJSON`
 * result such as a Date's string counts), at most 256 KiB.
 * `undefined` (anywhere, even as a property), functions, symbols, BigInt,
 * NaN/Infinity, Map/Set/typed arrays and cycles are refused rather than
 * silently dropped or turned into null or `{}` as JSON.stringify would.
 * @throws {KvValueTooLargeError} past 256 KiB
 * @throws {KvRefusedError} reason `value`
 */
export function encodeKvValue(operation: string, key: string, value: unknown): string {
  const refuse = (what: string, path: string) =>
    new KvRefusedError(operation, 'value', `the value of ${describeKey(key)} is not JSON: ${what}${path ? ` at ${path}` : ''}`, key);
  // Where each object sits, for messages (`.orders[3].total`): the replacer only sees one property at a time.
  const paths = new WeakMap<object, string>();
  let json: string | undefined;
  try {
    json = JSON.stringify(value, function (this: unknown, prop: string, v: unknown) {
      const holder = (typeof this === 'object' && this !== null && paths.get(this)) || '';
      const path = prop === '' && !Array.isArray(this) ? '' : `${holder}${Array.isArray(this) ? `[${prop}]` : `.${prop}`}`;
      if (typeof v === 'object' && v !== null) paths.set(v, path);
      switch (typeof v) {
        case 'undefined':
          throw refuse('undefined', path);
        case 'function':
          throw refuse('a function', path);
        case 'symbol':
          throw refuse('a symbol', path);
        case 'bigint':
          throw refuse('a BigInt (store it as a string)', path);
        case 'number':
          if (!Number.isFinite(v)) throw refuse(String(v), path);
          return v;
        case 'object':
          if (v === null || Array.isArray(v)) return v;
          if (v instanceof Map || v instanceof Set || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) throw refuse(`a ${v.constructor.name}`, path);
          return v;
        default:
          return v;
      }
    });
  } catch (error) {
    if (error instanceof KvRefusedError) throw error;
    // A cycle (TypeError) or a throwing toJSON/getter.
    throw new KvRefusedError(operation, 'value', `the value of ${describeKey(key)} cannot be serialized as JSON: ${(error as Error).message}`, key, { cause: error });
  }
  if (json === undefined) throw refuse('undefined', '');
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > KV_LIMITS.maxValueBytes) throw new KvValueTooLargeError(operation, key, bytes, KV_LIMITS.maxValueBytes);
  return json;
}

/** The stored JSON back as a value. */
export function decodeKvValue(json: string): KvValue {
  return JSON.parse(json) as KvValue;
}

/**
 * The expiry (epoch ms) of an entry written at `nowMs` with `ttlSeconds`
 * (or the default); `undefined` when it does not expire.
 * @throws {KvRefusedError} reason `ttl`: not a whole number of seconds from 1 to `maxTtlSeconds`
 */
export function kvExpiryMs(operation: string, key: string, nowMs: number, ttlSeconds: number | undefined, options: KeyValueStoreOptions): number | undefined {
  const ttl = ttlSeconds ?? options.defaultTtlSeconds;
  if (ttl === undefined) return undefined;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > options.maxTtlSeconds) {
    throw new KvRefusedError(operation, 'ttl', `ttlSeconds for ${describeKey(key)} must be a whole number of seconds from 1 to ${options.maxTtlSeconds}, got ${String(ttl)}`, key);
  }
  return nowMs + ttl * 1000;
}

/** Whether an entry with this expiry is gone at `nowMs`: from its expiry on. */
export function kvExpired(expiresAtMs: number | undefined | null, nowMs: number): boolean {
  return expiresAtMs !== undefined && expiresAtMs !== null && expiresAtMs <= nowMs;
}

/**
 * `by` of an increment: a safe integer (so that every backend computes the
 * same sum: SQLite adds in JS doubles, DynamoDB in 38-digit decimals).
 * @throws {KvRefusedError} reason `by`
 */
export function assertIncrementBy(key: string, by: unknown): asserts by is number {
  if (typeof by !== 'number' || !Number.isSafeInteger(by)) throw new KvRefusedError('increment', 'by', `increment of ${describeKey(key)} by ${String(by)}: by must be a safe integer`, key);
}

/**
 * The page size and the key to continue after, from list options.
 * @throws {KvRefusedError} reason `limit` or `cursor`
 */
export function kvListPosition(prefix: string, options: KvListOptions): { limit: number; after: string | undefined } {
  const limit = options.limit ?? KV_LIMITS.defaultListLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > KV_LIMITS.maxListLimit) {
    throw new KvRefusedError('list', 'limit', `limit must be an integer from 1 to ${KV_LIMITS.maxListLimit}, got ${String(limit)}`);
  }
  if (options.cursor === undefined) return { limit, after: undefined };
  return { limit, after: decodeKvCursor(prefix, options.cursor) };
}

/** The cursor that continues after `key`: base64url of `{"a":key}`. */
export function encodeKvCursor(afterKey: string): string {
  return Buffer.from(JSON.stringify({ a: afterKey }), 'utf8').toString('base64url');
}

function decodeKvCursor(prefix: string, cursor: string): string {
  let after: unknown;
  try {
    after = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { a?: unknown }).a;
  } catch {
    after = undefined;
  }
  if (typeof after !== 'string' || after.length === 0) throw new KvRefusedError('list', 'cursor', 'the cursor is malformed');
  // A cursor continues the listing it came from: a key outside the prefix would start elsewhere.
  if (!after.startsWith(prefix)) throw new KvRefusedError('list', 'cursor', `the cursor belongs to another prefix than ${JSON.stringify(prefix)}`);
  return after;
}
