import { randomBytes } from 'node:crypto';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../lib/aws/DynamoTaskStore.js';
import { createRequestCounter } from '../../lib/aws/requestCounter.js';
import { encodeTaskItem, TASK_ITEM, itemSize } from '../../lib/aws/taskItemCodec.js';
import { TaskRecordTooLargeError, ValidationError } from '../../lib/core/errors.js';
import { encodeTaskRecord, MAX_TASK_RECORD_BYTES } from '../../lib/core/task/storedRecordSize.js';
import type { TaskRecord, TaskStatus } from '../../lib/core/task/TaskRecord.js';
import { ManualClock } from '../../lib/testing/ManualClock.js';
import { describeTaskStoreContract, makeRecord } from '../contracts/taskStoreContract.js';
import { createTaskTable, deleteTable } from '../setup/awsResources.js';
import { createDynamoClient, uniqueName } from './awsTestEnv.js';

describeTaskStoreContract('DynamoTaskStore on DynamoDB Local', async ({ processes }) => {
  const client = createDynamoClient();
  const tableName = uniqueName('tasks');
  await createTaskTable(client, tableName);
  return {
    store: new DynamoTaskStore({ client, tableName, processes }),
    async cleanup() {
      await deleteTable(client, tableName);
      client.destroy();
    },
  };
});

const nowSec = () => Math.floor(Date.now() / 1000);

async function rawItem(client: DynamoDBClient, tableName: string, taskId: string) {
  return (await client.send(new GetItemCommand({ TableName: tableName, Key: { [TASK_ITEM.pk]: { S: taskId } }, ConsistentRead: true }))).Item;
}

describe('DynamoTaskStore specifics', () => {
  let client: DynamoDBClient;
  let tableName: string;
  beforeAll(async () => {
    client = createDynamoClient();
    tableName = uniqueName('tasks-specific');
    await createTaskTable(client, tableName);
  });
  afterAll(async () => {
    await deleteTable(client, tableName);
    client.destroy();
  });

  describe('record storage', () => {
    it('stores each byte once: a typical finished sync task fits one write unit (1 KB)', async () => {
      const store = new DynamoTaskStore({ client, tableName, processes: ['p'] });
      const record = makeRecord({
        status: 'succeeded',
        trigger: { type: 'http', method: 'POST', path: '/customers/C42/sync', route: '/customers/{customerId}/sync' },
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        attempts: 1,
        result: { delivered: true, update: { externalId: 'C42', properties: { segment: 'loyal', churnRisk: 0.12 } } },
        logs: [{ time: new Date().toISOString(), level: 'info', logic: 'deliver', message: 'CRM updated', data: { fields: 2 } }],
      });
      await store.create(record);
      const item = (await rawItem(client, tableName, record.taskId))!;
      expect(JSON.parse(item[TASK_ITEM.record]!.S!)).toEqual({ result: record.result, logs: record.logs });
      expect(itemSize(item)).toBeLessThan(1024);
      expect(await store.get(record.taskId)).toEqual(record);
    });

    it('stores a small record as plain JSON and a large one gzipped, and reads both back unchanged', async () => {
      const store = new DynamoTaskStore({ client, tableName, processes: ['p'] });
      const small = makeRecord({ status: 'succeeded', result: { ok: true } });
      const rows = Array.from({ length: 3000 }, (_, i) => ({ id: i, email: `user${i}@example.com`, note: 'naïve — 東京' }));
      const large = makeRecord({ status: 'succeeded', result: { rows }, logs: [{ time: new Date().toISOString(), level: 'info', message: 'done' }] });
      expect(JSON.stringify(large).length).toBeGreaterThan(100_000);
      await store.create(small);
      await store.create(large);

      const smallItem = await rawItem(client, tableName, small.taskId);
      expect(smallItem?.[TASK_ITEM.record]?.S).toBeDefined();
      expect(smallItem?.[TASK_ITEM.recordGz]).toBeUndefined();
      const largeItem = await rawItem(client, tableName, large.taskId);
      expect(largeItem?.[TASK_ITEM.record]).toBeUndefined();
      expect(largeItem?.[TASK_ITEM.recordGz]?.B?.byteLength).toBeLessThan(JSON.stringify(large).length / 4);

      expect(await store.get(small.taskId)).toEqual(small);
      expect(await store.get(large.taskId)).toEqual(large);
      // The index entry carries the summary only, even for a compressed record.
      const page = await store.list({ process: 'p', limit: 100 });
      const { result: _result, logs: _logs, ...summary } = large;
      expect(page.items.find((item) => item.taskId === large.taskId)).toEqual(summary);
    });

    it('accepts a record of exactly the shared limit, whose item fits DynamoDB\'s 400 KB, and rejects one byte more', async () => {
      // Uncompressed, so each character of the result is one byte of the item.
      const store = new DynamoTaskStore({ client, tableName, processes: ['p'], compressAboveBytes: Number.POSITIVE_INFINITY });
      const base = makeRecord({ status: 'succeeded', result: '', process: 'p'.repeat(64) });
      const unlimited = { compressAboveBytes: Number.POSITIVE_INFINITY, maxBytes: Number.MAX_SAFE_INTEGER };
      const padding = MAX_TASK_RECORD_BYTES - (await encodeTaskRecord(base, unlimited)).size;
      const exact = { ...base, result: 'x'.repeat(padding) };
      expect((await encodeTaskRecord(exact, unlimited)).size).toBe(MAX_TASK_RECORD_BYTES);
      // The 4 KiB kept below DynamoDB's limit hold the keys and names, even with a 64-character process name.
      expect(itemSize((await encodeTaskItem(exact, Number.POSITIVE_INFINITY)).item)).toBeLessThanOrEqual(DynamoTaskStore.maxItemBytes);
      expect(await store.save(exact)).toEqual({ saved: true });
      expect((await store.get(exact.taskId))?.result).toBe(exact.result);
      // Same layout, another id of the same length, one more byte.
      const over = { ...base, taskId: `${base.taskId.slice(0, -1)}~`, result: 'x'.repeat(padding + 1) };
      const error = await store.save(over).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskRecordTooLargeError);
      expect(error).toMatchObject({ size: MAX_TASK_RECORD_BYTES + 1, limit: MAX_TASK_RECORD_BYTES });
      expect(await store.get(over.taskId)).toBeUndefined();
    });

    it('rejects a record whose compressed item exceeds 400 KB without writing anything, also over an existing record', async () => {
      const store = new DynamoTaskStore({ client, tableName, processes: ['p'] });
      const running = makeRecord({ status: 'running', attempts: 1 });
      await store.create(running);
      // Random base64: 600 KB that gzip only shrinks to about 450 KB.
      const blob = randomBytes(450_000).toString('base64');
      const error = await store.save({ ...running, status: 'succeeded', result: { blob } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskRecordTooLargeError);
      expect((error as TaskRecordTooLargeError).limit).toBe(MAX_TASK_RECORD_BYTES);
      expect((error as TaskRecordTooLargeError).size).toBeGreaterThan(MAX_TASK_RECORD_BYTES);
      expect(await store.get(running.taskId)).toEqual(running);
    });
  });

  describe('expiry', () => {
    // TTL off on this table: DynamoDB Local really deletes expired items, within seconds.
    let staleTable: string;
    beforeAll(async () => {
      staleTable = uniqueName('tasks-stale');
      await createTaskTable(client, staleTable, { timeToLive: false });
    });
    afterAll(async () => {
      await deleteTable(client, staleTable);
    });

    it('treats an expired item that is still in the table as absent in get, list, create and save', async () => {
      const process = uniqueName('proc');
      const store = new DynamoTaskStore({ client, tableName: staleTable, processes: [process] });
      const live = makeRecord({ process, status: 'succeeded' });
      const expired = makeRecord({ process, status: 'succeeded', expiresAt: nowSec() - 3600, createdAt: new Date(Date.now() + 1000).toISOString() });
      await store.create(live);
      // Written directly, as TTL leaves it until its (lazy) deletion.
      await client.send(new PutItemCommand({ TableName: staleTable, Item: (await encodeTaskItem(expired)).item }));
      expect(await rawItem(client, staleTable, expired.taskId)).toBeDefined();

      expect(await store.get(expired.taskId)).toBeUndefined();
      expect((await store.list({ process, limit: 10 })).items.map((i) => i.taskId)).toEqual([live.taskId]);
      expect((await store.list({ limit: 10 })).items.map((i) => i.taskId)).toEqual([live.taskId]);
      // A terminal but expired record does not block save either.
      const again = { ...expired, status: 'queued' as const, expiresAt: nowSec() + 3600 };
      expect(await store.save(again)).toEqual({ saved: true });
      expect(await store.get(expired.taskId)).toEqual(again);
    });

    it('uses the injected clock to decide expiry', async () => {
      const clock = new ManualClock(Date.now());
      const store = new DynamoTaskStore({ client, tableName: staleTable, processes: ['p'], clock });
      const record = makeRecord({ expiresAt: nowSec() + 60 });
      await store.create(record);
      expect(await store.get(record.taskId)).toEqual(record);
      await clock.advance(120_000);
      expect(await store.get(record.taskId)).toBeUndefined();
      expect(await store.create({ ...record, payloadHash: 'second' })).toEqual({ created: true });
    });
  });

  describe('list across processes', () => {
    const processes = [uniqueName('alpha'), uniqueName('beta'), uniqueName('gamma')];
    const records: TaskRecord[] = [];
    let store: DynamoTaskStore;
    beforeAll(async () => {
      store = new DynamoTaskStore({ client, tableName, processes });
      const start = Date.parse('2026-05-01T00:00:00.000Z');
      // Interleaved: alpha has the newest and the oldest, gamma only a few in the middle.
      for (let i = 0; i < 30; i++) {
        const process = i < 3 || i >= 27 ? processes[0]! : i % 5 === 0 ? processes[2]! : processes[i % 2]!;
        const status: TaskStatus = i % 7 === 0 ? 'failed' : i === 1 ? 'timed_out' : 'succeeded';
        records.push(makeRecord({ process, status, createdAt: new Date(start + i * 1000).toISOString() }));
      }
      for (const record of records) await store.create(record);
    });

    const newestFirst = (list: TaskRecord[]) => [...list].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)).map((r) => r.taskId);
    const decodeCursor = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p: Record<string, string> };

    async function pages(query: { status?: TaskStatus; limit: number }, target = store) {
      const result: Array<{ ids: string[]; cursor?: string }> = [];
      let cursor: string | undefined;
      do {
        const page = await target.list({ ...query, cursor });
        result.push({ ids: page.items.map((i) => i.taskId), cursor: page.nextCursor });
        cursor = page.nextCursor;
        expect(result.length).toBeLessThan(60);
      } while (cursor);
      return result;
    }

    it('merges the processes newest first; the cursor holds one position per unfinished process', async () => {
      const result = await pages({ limit: 4 });
      expect(result.flatMap((p) => p.ids)).toEqual(newestFirst(records));
      expect(result.every((p) => p.ids.length === 4 || p === result.at(-1))).toBe(true);
      const first = decodeCursor(result[0]!.cursor!);
      expect(Object.keys(first.p).sort()).toEqual([...processes].sort());
      // gamma (tasks 5..25 by fives) is finished before alpha's oldest tasks are listed.
      const gammaDone = result.findIndex((p) => p.cursor !== undefined && !(processes[2]! in decodeCursor(p.cursor).p));
      expect(gammaDone).toBeGreaterThan(0);
      expect(result.slice(gammaDone).every((p) => p.cursor === undefined || !(processes[2]! in decodeCursor(p.cursor).p))).toBe(true);
      expect(result.at(-1)!.cursor).toBeUndefined();
    });

    it('pages through a sparse status filter exactly, even when a page stops at its read budget', async () => {
      const expected = newestFirst(records.filter((r) => r.status === 'failed'));
      expect(expected.length).toBeGreaterThan(2);
      expect((await pages({ status: 'failed', limit: 2 })).flatMap((p) => p.ids)).toEqual(expected);
      // One small index page per process per list call: pages come back short (even empty), never wrong.
      const frugal = new DynamoTaskStore({ client, tableName, processes, maxQueryPagesPerList: 1 });
      expect((await pages({ status: 'failed', limit: 1 }, frugal)).flatMap((p) => p.ids)).toEqual(expected);
      const rare = await pages({ status: 'timed_out', limit: 1 }, frugal);
      expect(rare.flatMap((p) => p.ids)).toEqual(newestFirst(records.filter((r) => r.status === 'timed_out')));
      expect(rare.some((p) => p.ids.length === 0 && p.cursor !== undefined)).toBe(true);
    });

    it('continues one process from its cursor and rejects foreign or forged cursors', async () => {
      const alpha = records.filter((r) => r.process === processes[0]);
      const first = await store.list({ process: processes[0], limit: 3 });
      const second = await store.list({ process: processes[0], limit: 100, cursor: first.nextCursor });
      expect([...first.items, ...second.items].map((i) => i.taskId)).toEqual(newestFirst(alpha));
      expect(second.nextCursor).toBeUndefined();
      await expect(store.list({ process: processes[1], limit: 3, cursor: first.nextCursor })).rejects.toBeInstanceOf(ValidationError);
      await expect(store.list({ limit: 3, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
      await expect(store.list({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('requests per operation', () => {
    it('create, get and save cost one request each; a conflicting create needs no second read', async () => {
      const counter = createRequestCounter();
      const counted = createDynamoClient();
      counter.attach(counted);
      const store = new DynamoTaskStore({ client: counted, tableName, processes: ['p'], returnConsumedCapacity: true });
      try {
        const record = makeRecord();
        await store.create(record);
        expect(counter.snapshot().requests).toEqual({ 'DynamoDB.PutItem': 1 });
        expect(counter.snapshot().writeUnits).toBeGreaterThan(0);

        counter.reset();
        expect(await store.get(record.taskId)).toEqual(record);
        expect(counter.snapshot()).toMatchObject({ requests: { 'DynamoDB.GetItem': 1 }, totalRequests: 1, writeUnits: 0 });
        expect(counter.snapshot().readUnits).toBeGreaterThan(0);

        counter.reset();
        expect(await store.create({ ...record, payloadHash: 'other' })).toEqual({ created: false, existing: record });
        expect(counter.snapshot().requests).toEqual({ 'DynamoDB.PutItem': 1 });

        counter.reset();
        const done = { ...record, status: 'succeeded' as const, attempts: 1, result: 7 };
        expect(await store.save(done)).toEqual({ saved: true });
        expect(await store.save({ ...done, result: 8 })).toEqual({ saved: false, current: done });
        expect(counter.snapshot().requests).toEqual({ 'DynamoDB.PutItem': 2 });
      } finally {
        counted.destroy();
      }
    });

    it('counts by status with one Query per process, reading the window\'s index entries once (about 0.5 unit per 4 KB)', async () => {
      const counter = createRequestCounter();
      const counted = createDynamoClient();
      counter.attach(counted);
      const processes = ['count-a', 'count-b', 'count-idle'];
      const store = new DynamoTaskStore({ client: counted, tableName, processes, returnConsumedCapacity: true });
      try {
        const start = Date.parse('2026-06-01T00:00:00.000Z');
        const statuses: TaskStatus[] = ['succeeded', 'failed', 'queued'];
        let summaryBytes = 0;
        for (let i = 0; i < 300; i++) {
          const record = makeRecord({ process: processes[i % 2]!, status: statuses[i % 3]!, createdAt: new Date(start + i * 1000).toISOString() });
          summaryBytes += JSON.stringify(record).length;
          await store.create(record);
        }
        counter.reset();
        const counts = await store.countByStatus({ since: '2026-06-01T00:00:00.000Z', until: '2026-06-02T00:00:00.000Z' });
        expect(counts).toEqual([
          { process: 'count-a', counts: { queued: 50, running: 0, succeeded: 50, failed: 50, timed_out: 0, cancelled: 0 } },
          { process: 'count-b', counts: { queued: 50, running: 0, succeeded: 50, failed: 50, timed_out: 0, cancelled: 0 } },
        ]);
        const { requests, readUnits } = counter.snapshot();
        // One Query per declared process (the idle one answers empty), none paged: 150 entries are well under 1 MB.
        expect(requests).toEqual({ 'DynamoDB.Query': 3 });
        // Eventually consistent index reads: 0.5 unit per 4 KB of entries examined, rounded up per request.
        const bound = (summaryBytes * 1.5) / 4096 / 2 + processes.length;
        console.log(`countByStatus: 300 tasks (${Math.round(summaryBytes / 300)} B summaries), ${readUnits} read units, bound ${bound.toFixed(1)}`);
        expect(readUnits).toBeGreaterThan(0);
        expect(readUnits).toBeLessThanOrEqual(bound);
      } finally {
        counted.destroy();
      }
    });
  });
});
