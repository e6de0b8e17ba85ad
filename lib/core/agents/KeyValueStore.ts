/**
 * The key-value store behind `ctx.kv` (LOC's local storage): JSON values
 * shared across tasks, with an optional TTL. The runtime wires it; this port
 * is the store as the runtime uses it, keyed by the full key (the runtime
 * scopes keys to its service and stage) and told which task writes.
 *
 * Semantics every adapter follows (proved by `test/contracts/keyValueStoreContract.ts`):
 * - **TTL is strict on read**: an entry whose `expiresAt` has passed (by the
 *   store's injected `Clock`) is never returned by `get` or `list`, and counts
 *   as absent for `setIfAbsent`, `increment` and `delete`, even while it is
 *   still physically stored (DynamoDB's TTL deletes lazily; SQLite's
 *   `purgeExpired` runs now and then).
 * - `setIfAbsent` and `increment` are atomic across concurrent callers,
 *   threads and processes sharing the store.
 * - `list` returns keys in UTF-8 byte order (= code point order), the order
 *   of SQLite's BINARY collation and of DynamoDB's string sort keys.
 * - Limits and validation are the same everywhere (`kvRules.ts`): keys of
 *   1..1024 UTF-8 bytes without NUL, values of at most 256 KiB of JSON, TTLs
 *   of whole seconds from 1 to the configured maximum. What breaks them is
 *   refused before anything is written, with a {@link KvRefusedError}
 *   (`kvErrors.ts`; not retriable).
 */
export interface KeyValueStore {
  /** The live entry at `key`, or `undefined` (missing or expired). */
  get(key: string): Promise<KvEntry | undefined>;
  /**
   * Stores `value` at `key`, replacing any entry. Its expiry becomes now +
   * `ttlSeconds` (or the store's `defaultTtlSeconds`; none when both are unset).
   * @throws {KvRefusedError} an invalid key, value or TTL ({@link KvValueTooLargeError} past 256 KiB)
   */
  set(key: string, value: unknown, options?: KvWriteOptions): Promise<void>;
  /** Deletes the entry at `key`. `true` when a live entry was deleted (an expired one is deleted too, but reports `false`). */
  delete(key: string): Promise<boolean>;
  /**
   * Stores `value` only when `key` has no live entry (missing or expired):
   * a lease. Of N concurrent callers exactly one gets `true`.
   * @throws {KvRefusedError} as {@link KeyValueStore.set}
   */
  setIfAbsent(key: string, value: unknown, options?: KvWriteOptions): Promise<boolean>;
  /**
   * Adds `by` (a safe integer, default 1) to the number at `key` atomically
   * and returns the new value. A missing or expired key starts at 0 and gets
   * the expiry of a new entry (`ttlSeconds` or the default); an existing
   * counter keeps its expiry (as Redis' INCR does), so a window counter
   * created with a TTL ends with its window.
   * @throws {KvNotANumberError} when the live value at `key` is not a number
   * @throws {KvRefusedError} an invalid key, `by` or TTL
   */
  increment(key: string, by?: number, options?: KvWriteOptions): Promise<number>;
  /**
   * Live entries whose key starts with `prefix` ('' for all), in key order,
   * `limit` per page (1..100, default 100). Pass `nextCursor` back as
   * `cursor` for the next page; no `nextCursor` means the end. A page may
   * come back shorter than `limit` with a `nextCursor` (DynamoDB, when many
   * expired entries were skipped): keep going until there is none.
   * @throws {KvRefusedError} an invalid limit, or a cursor that is malformed or from another prefix
   */
  list(prefix: string, options?: KvListOptions): Promise<KvPage>;
}

/** A JSON value as stored and returned. */
export type KvValue = null | boolean | number | string | KvValue[] | { [key: string]: KvValue };

export interface KvEntry {
  key: string;
  value: KvValue;
  /** ISO-8601 UTC (with ms) of the last write. */
  updatedAt: string;
  /** The task that wrote last, when the writer said. */
  taskId?: string;
  /** ISO-8601 UTC (with ms) from which the entry no longer exists; absent when it does not expire. */
  expiresAt?: string;
}

export interface KvWriteOptions {
  /** Whole seconds, 1 to the store's `maxTtlSeconds`. @default the store's `defaultTtlSeconds` (none: no expiry) */
  ttlSeconds?: number | undefined;
  /** Recorded on the entry as the writer. */
  taskId?: string | undefined;
}

export interface KvListOptions {
  /** @default 100 (the maximum) */
  limit?: number | undefined;
  /** The `nextCursor` of the previous page (opaque). */
  cursor?: string | undefined;
}

export interface KvPage {
  items: KvEntry[];
  nextCursor?: string;
}

/** The TTL settings every adapter takes (from `custom.sluice.kv`). */
export interface KeyValueStoreOptions {
  /** TTL of a write that names none, in seconds. @default undefined (entries do not expire) */
  defaultTtlSeconds?: number | undefined;
  /** The largest TTL a write may ask for, in seconds. */
  maxTtlSeconds: number;
}
