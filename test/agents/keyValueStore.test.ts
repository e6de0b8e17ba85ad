import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoKeyValueStore } from '../../lib/aws/DynamoKeyValueStore.js';
import { KV_TABLE, kvTableProperties } from '../../lib/aws/kvTable.js';
import { AgentError, AgentRefusedError } from '../../lib/core/agents/agentErrors.js';
import { KvRefusedError } from '../../lib/core/agents/kvErrors.js';
import { ConfigError } from '../../lib/core/errors.js';
import { kvDatabasePath, prefixUpperBound, SqliteKeyValueStore } from '../../lib/embedded/sqlite/SqliteKeyValueStore.js';
import { ManualClock } from '../../lib/testing/ManualClock.js';
import { describeKeyValueStoreContract } from '../contracts/keyValueStoreContract.js';
import type { KvRaceResult, KvRaceWork } from '../fixtures/kv/kvRaceWorkerThread.js';
import { createKvTable, deleteTable } from '../setup/awsResources.js';
import { createDynamoClient, uniqueName } from '../aws/awsTestEnv.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'sluice-kv-'));

describeKeyValueStoreContract('SqliteKeyValueStore (kv.sqlite in a temporary data directory)', async () => {
  const dir = tempDir();
  const stores: SqliteKeyValueStore[] = [];
  return {
    // One connection per store, as one per worker thread.
    open: (options) => {
      const store = new SqliteKeyValueStore({ ...options, path: kvDatabasePath(dir) });
      stores.push(store);
      return store;
    },
    async cleanup() {
      for (const store of stores) store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeKeyValueStoreContract('DynamoKeyValueStore on DynamoDB Local', async () => {
  const client = createDynamoClient();
  const tableName = uniqueName('kv');
  await createKvTable(client, tableName);
  return {
    open: (options) => new DynamoKeyValueStore({ ...options, client, tableName }),
    async cleanup() {
      await deleteTable(client, tableName);
      client.destroy();
    },
  };
});

describe('SqliteKeyValueStore specifics', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its own private file <dataDir>/kv.sqlite in WAL mode with NORMAL sync', () => {
    const path = kvDatabasePath(join(dir, 'data'));
    expect(path).toBe(join(dir, 'data', 'kv.sqlite'));
    const kv = new SqliteKeyValueStore({ path, maxTtlSeconds: 60 });
    try {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const raw = new Database(path, { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      raw.close();
    } finally {
      kv.close();
    }
  });

  it('filters expired rows on read while they are still stored; purgeExpired deletes exactly those', async () => {
    const clock = new ManualClock(Date.parse('2026-11-29T12:00:00Z'));
    const path = join(dir, 'purge.sqlite');
    const kv = new SqliteKeyValueStore({ path, clock, maxTtlSeconds: 3600 });
    const raw = new Database(path, { readonly: true });
    try {
      for (let i = 0; i < 2500; i++) await kv.set(`old/${i}`, i, { ttlSeconds: 10 });
      await kv.set('keep/ttl', 1, { ttlSeconds: 3600 });
      await kv.set('keep/forever', 1);
      await clock.advance(10_000);
      expect(await kv.get('old/1')).toBeUndefined();
      expect((await kv.list('old/')).items).toEqual([]);
      expect(raw.prepare('SELECT count(*) AS n FROM kv').get()).toEqual({ n: 2502 });
      expect(kv.purgeExpired()).toBe(2500);
      expect(raw.prepare('SELECT key FROM kv ORDER BY key').all()).toEqual([{ key: 'keep/forever' }, { key: 'keep/ttl' }]);
      expect(kv.purgeExpired()).toBe(0);
    } finally {
      raw.close();
      kv.close();
    }
  });

  it('startPurging purges on the clock until stopped', async () => {
    const clock = new ManualClock(Date.parse('2026-11-29T12:00:00Z'));
    const path = join(dir, 'periodic.sqlite');
    const kv = new SqliteKeyValueStore({ path, clock, maxTtlSeconds: 3600 });
    const raw = new Database(path, { readonly: true });
    const count = () => (raw.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n;
    try {
      const stop = kv.startPurging(60_000);
      await kv.set('a', 1, { ttlSeconds: 30 });
      await kv.set('b', 1, { ttlSeconds: 90 });
      await clock.advance(59_999);
      expect(count()).toBe(2);
      await clock.advance(1);
      expect(count()).toBe(1);
      await clock.advance(60_000);
      expect(count()).toBe(0);
      stop();
      expect(clock.pendingTimers).toBe(0);
      // Closing stops a schedule nobody stopped.
      kv.startPurging(60_000);
      expect(clock.pendingTimers).toBe(1);
      kv.close();
      expect(clock.pendingTimers).toBe(0);
    } finally {
      raw.close();
      kv.close(); // again: closing is idempotent
    }
  });

  it('two connections on one file race setIfAbsent and increment: one lease winner per key, no lost increment', async () => {
    const path = join(dir, 'two.sqlite');
    const a = new SqliteKeyValueStore({ path, maxTtlSeconds: 60 });
    const b = new SqliteKeyValueStore({ path, maxTtlSeconds: 60 });
    try {
      const leases = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).setIfAbsent('lease', i, { ttlSeconds: 60 })));
      expect(leases.filter(Boolean)).toHaveLength(1);
      const counts = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).increment('n')));
      expect(new Set(counts).size).toBe(40);
      expect((await b.get('n'))?.value).toBe(40);
    } finally {
      a.close();
      b.close();
    }
  });

  it('four worker threads, each with its own connection, race on one file: one winner per lease, every increment counted once', async () => {
    const path = join(dir, 'threads.sqlite');
    const leaseKeys = Array.from({ length: 30 }, (_, i) => `lease/${i}`);
    const start = new SharedArrayBuffer(4);
    const workers = Array.from({ length: 4 }, (_, worker) => {
      const work: KvRaceWork = { path, worker, start, counterKey: 'counter', increments: 100, leaseKeys };
      return new Worker(new URL('../fixtures/kv/kvRaceWorker.mjs', import.meta.url), { workerData: work });
    });
    try {
      const ready = workers.map((w) => new Promise<void>((resolve, reject) => (w.once('message', () => resolve()), w.once('error', reject))));
      const results = workers.map(
        (w) =>
          new Promise<KvRaceResult>((resolve, reject) => {
            w.on('message', (m: KvRaceResult | { ready: true }) => 'counterValues' in m && resolve(m));
            w.once('error', reject);
          }),
      );
      await Promise.all(ready);
      // Release all four at once.
      Atomics.store(new Int32Array(start), 0, 1);
      Atomics.notify(new Int32Array(start), 0);
      const done = await Promise.all(results);
      const values = done.flatMap((r) => r.counterValues).sort((x, y) => x - y);
      expect(values).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
      const won = done.flatMap((r) => r.won).sort();
      expect(won).toEqual([...leaseKeys].sort());
      const kv = new SqliteKeyValueStore({ path, maxTtlSeconds: 60 });
      expect((await kv.get('counter'))?.value).toBe(400);
      kv.close();
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it('turns a write lock held past busyTimeoutMs into a retriable AgentError, and works once it is released', async () => {
    const path = join(dir, 'busy.sqlite');
    const kv = new SqliteKeyValueStore({ path, maxTtlSeconds: 60, busyTimeoutMs: 50 });
    const holder = new Database(path);
    try {
      holder.exec('BEGIN IMMEDIATE');
      const error = await kv.set('k', 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentError);
      expect(error).not.toBeInstanceOf(AgentRefusedError);
      expect((error as Error).message).toMatch(/^kv: set failed: SQLite .*SQLITE_BUSY/);
      // Reads are not blocked by a writer (WAL).
      expect(await kv.get('k')).toBeUndefined();
      holder.exec('COMMIT');
      await kv.set('k', 1);
      expect((await kv.get('k'))?.value).toBe(1);
    } finally {
      holder.close();
      kv.close();
    }
  });

  it('bounds a prefix by incrementing its last code point (skipping surrogates, dropping U+10FFFF)', () => {
    expect(prefixUpperBound('')).toBeUndefined();
    expect(prefixUpperBound('a/')).toBe('a0');
    expect(prefixUpperBound('é')).toBe('ê');
    expect(prefixUpperBound('x\ud7ff')).toBe('x\ue000');
    expect(prefixUpperBound('a\u{10FFFF}\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
    expect(prefixUpperBound('😀')).toBe('😁');
  });

  it('refuses bad TTL settings at construction', () => {
    const path = join(dir, 'config.sqlite');
    expect(() => new SqliteKeyValueStore({ path, maxTtlSeconds: 0 })).toThrow(ConfigError);
    expect(() => new SqliteKeyValueStore({ path, maxTtlSeconds: 60, defaultTtlSeconds: 61 })).toThrow(/defaultTtlSeconds/);
    expect(() => new SqliteKeyValueStore({ path, maxTtlSeconds: 60, defaultTtlSeconds: 1.5 })).toThrow(ConfigError);
  });
});

describe('DynamoKeyValueStore specifics', () => {
  let client: DynamoDBClient;
  let tableName: string;
  beforeAll(async () => {
    client = createDynamoClient();
    tableName = uniqueName('kv-specific');
    // No TTL: expired items must stay put so the read filter is what hides them.
    await createKvTable(client, tableName, { timeToLive: false });
  });
  afterAll(async () => {
    await deleteTable(client, tableName);
    client.destroy();
  });

  const rawItem = async (key: string) =>
    (await client.send(new GetItemCommand({ TableName: tableName, Key: { [KV_TABLE.partitionKey]: { S: KV_TABLE.partition }, [KV_TABLE.sortKey]: { S: key } }, ConsistentRead: true }))).Item;

  it('stores numbers as N (for ADD), other values as JSON text, and the expiry twice: TTL seconds (rounded up) and exact ms', async () => {
    const clock = new ManualClock(Date.parse('2026-11-29T12:00:00.250Z'));
    const kv = new DynamoKeyValueStore({ client, tableName, clock, maxTtlSeconds: 3600 });
    await kv.set('layout/n', 42, { ttlSeconds: 10, taskId: 't1' });
    await kv.set('layout/s', 'forty-two');
    expect(await rawItem('layout/n')).toEqual({
      pk: { S: 'kv' },
      key: { S: 'layout/n' },
      value: { N: '42' },
      updatedAt: { S: '2026-11-29T12:00:00.250Z' },
      taskId: { S: 't1' },
      expiresAt: { N: String(Date.parse('2026-11-29T12:00:11Z') / 1000) },
      expiresAtMs: { N: String(Date.parse('2026-11-29T12:00:10.250Z')) },
    });
    expect(await rawItem('layout/s')).toMatchObject({ value: { S: '"forty-two"' } });
    expect(await rawItem('layout/s')).not.toHaveProperty('expiresAt');
  });

  it('hides an expired item that DynamoDB has not deleted yet, from get and list, and lets setIfAbsent and increment replace it', async () => {
    // A date long past: real DynamoDB would delete these items within days, here they stay.
    const clock = new ManualClock(Date.parse('2020-01-01T00:00:00Z'));
    const kv = new DynamoKeyValueStore({ client, tableName, clock, maxTtlSeconds: 3600 });
    await kv.set('stale/a', 'a', { ttlSeconds: 1 });
    await kv.set('stale/n', 'not a number', { ttlSeconds: 1 });
    await clock.advance(1_000);
    expect(await rawItem('stale/a')).toBeDefined();
    expect(await kv.get('stale/a')).toBeUndefined();
    expect((await kv.list('stale/')).items).toEqual([]);
    expect(await kv.setIfAbsent('stale/a', 'fresh')).toBe(true);
    expect(await kv.increment('stale/n', 3)).toBe(3);
    expect((await kv.list('stale/')).items.map((e) => [e.key, e.value])).toEqual([
      ['stale/a', 'fresh'],
      ['stale/n', 3],
    ]);
  });

  it('stores a number DynamoDB cannot hold as JSON text: it reads back, but increment refuses it by name', async () => {
    const kv = new DynamoKeyValueStore({ client, tableName, maxTtlSeconds: 3600 });
    await kv.set('range/huge', 1e300);
    expect(await rawItem('range/huge')).toMatchObject({ value: { S: '1e+300' } });
    expect((await kv.get('range/huge'))?.value).toBe(1e300);
    const error = await kv.increment('range/huge').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KvRefusedError);
    expect((error as Error).message).toMatch(/"range\/huge" \(1e\+300\) is outside the range DynamoDB can add to/);
  });

  it('returns a short page with a cursor when expired items use up the Query budget, and the cursor continues', async () => {
    const clock = new ManualClock(Date.parse('2020-01-01T00:00:00Z'));
    const kv = new DynamoKeyValueStore({ client, tableName, clock, maxTtlSeconds: 3600, maxQueryPagesPerList: 1 });
    for (let i = 0; i < 8; i++) await kv.set(`sparse/${i}`, i, i === 6 ? {} : { ttlSeconds: 1 });
    await clock.advance(1_000);
    const first = await kv.list('sparse/', { limit: 3 });
    expect(first.items).toEqual([]);
    expect(first.nextCursor).toBeDefined();
    const keys: string[] = [];
    let cursor = first.nextCursor;
    while (cursor !== undefined) {
      const page = await kv.list('sparse/', { limit: 3, cursor });
      keys.push(...page.items.map((e) => e.key));
      cursor = page.nextCursor;
    }
    expect(keys).toEqual(['sparse/6']);
  });

  it('declares the table as deployed: on-demand, pk + key, TTL on expiresAt, encryption, point-in-time recovery', () => {
    expect(kvTableProperties()).toEqual({
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'key', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'key', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });
});
