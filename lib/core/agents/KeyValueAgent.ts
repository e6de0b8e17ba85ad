import { ConfigError } from '../errors.js';
import type { KeyValueStore, KvListOptions, KvValue } from './KeyValueStore.js';

/**
 * `ctx.kv`: LOC's local storage — a key-value store shared by every task of
 * the service (and stage), with a TTL. Values are JSON (at most 256 KiB);
 * TTLs are in seconds, at most `custom.sluice.kv.maxTtlSeconds`, default
 * `custom.sluice.kv.defaultTtlSeconds` (none: no expiry). Expiry is strict on
 * read on both runtimes. Every write records the task that made it.
 *
 * Embedded: SQLite (`<dataDir>/kv.sqlite`); AWS: a DynamoDB table
 * (`<service>-<stage>-kv`).
 */
export interface KeyValueAgent {
  /** The value, or `undefined` when the key is absent or expired. */
  get<T extends KvValue = KvValue>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, options?: { ttlSeconds?: number }): Promise<void>;
  /** `true` when the key existed (and had not expired). */
  delete(key: string): Promise<boolean>;
  /** A lease: `true` for exactly one of several concurrent callers; an expired entry counts as absent. */
  setIfAbsent(key: string, value: unknown, options?: { ttlSeconds?: number }): Promise<boolean>;
  /** Atomically adds `by` (default 1) to a number (absent or expired: 0) and returns the new value. */
  increment(key: string, by?: number, options?: { ttlSeconds?: number }): Promise<number>;
  /** Entries whose key starts with `prefix`, in key order, a page at a time (`limit` ≤ 100). */
  list(prefix?: string, options?: KvListOptions): Promise<{ items: Array<{ key: string; value: KvValue; updatedAt: string; expiresAt?: string }>; nextCursor?: string }>;
}

/** `ctx.kv` over `store`, every write tagged with `taskId`. */
export function keyValueAgent(store: KeyValueStore, taskId: string): KeyValueAgent {
  return {
    async get<T extends KvValue>(key: string) {
      return (await store.get(key))?.value as T | undefined;
    },
    set: (key, value, options) => store.set(key, value, { ttlSeconds: options?.ttlSeconds, taskId }),
    delete: (key) => store.delete(key),
    setIfAbsent: (key, value, options) => store.setIfAbsent(key, value, { ttlSeconds: options?.ttlSeconds, taskId }),
    increment: (key, by = 1, options) => store.increment(key, by, { ttlSeconds: options?.ttlSeconds, taskId }),
    async list(prefix = '', options) {
      const page = await store.list(prefix, options);
      return {
        items: page.items.map(({ key, value, updatedAt, expiresAt }) => ({ key, value, updatedAt, ...(expiresAt !== undefined ? { expiresAt } : {}) })),
        ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
      };
    },
  };
}

/** `ctx.kv` where the runtime gave no store (a unit test's executor): every call says so. */
export function missingKeyValueAgent(): KeyValueAgent {
  const refuse = () => Promise.reject(new ConfigError('no key-value store is configured for this runtime (ctx.kv)'));
  return { get: refuse, set: refuse, delete: refuse, setIfAbsent: refuse, increment: refuse, list: refuse };
}
