import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/core/errors.js';
import { openDatabase } from '../../../lib/embedded/sqlite/openDatabase.js';
import { SqliteTaskStore } from '../../../lib/embedded/sqlite/SqliteTaskStore.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { taskRecordFactory } from '../../helpers/taskRecords.js';

const START = Date.parse('2026-03-01T00:00:00.000Z');
const START_SEC = START / 1000;

const record = taskRecordFactory({ startMs: START, prefix: 'task' });

describe('SqliteTaskStore (embedded behaviour)', () => {
  let db: Database.Database;
  let clock: ManualClock;
  let store: SqliteTaskStore;

  beforeEach(() => {
    db = openDatabase(':memory:');
    clock = new ManualClock(START);
    store = new SqliteTaskStore(db, { clock });
  });
  afterEach(() => db.close());

  it('keeps a record until the second of its expiresAt, then treats it as absent', async () => {
    const r = record({ expiresAt: START_SEC + 10 });
    await store.create(r);
    await clock.advance(9_999);
    expect(await store.get(r.taskId)).toEqual(r);
    await clock.advance(1);
    expect(await store.get(r.taskId)).toBeUndefined();
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });

  it('save replaces an expired terminal record: expired is absent', async () => {
    const done = record({ status: 'succeeded', result: 1, expiresAt: START_SEC + 10 });
    await store.create(done);
    await clock.advance(10_000);
    const fresh = { ...done, status: 'running' as const, expiresAt: START_SEC + 100 };
    expect(await store.save(fresh)).toEqual({ saved: true });
    expect(await store.get(done.taskId)).toEqual(fresh);
  });

  describe('purgeExpired', () => {
    it('deletes expired records only, optionally in batches', async () => {
      for (let i = 0; i < 5; i++) await store.create(record({ expiresAt: START_SEC + 10 }));
      const keep = record({ expiresAt: START_SEC + 100 });
      await store.create(keep);
      expect(store.purgeExpired()).toBe(0);
      await clock.advance(10_000);
      expect(store.purgeExpired(undefined, { limit: 2 })).toBe(2);
      expect(store.purgeExpired()).toBe(3);
      expect(store.purgeExpired()).toBe(0);
      expect(await store.get(keep.taskId)).toEqual(keep);
      expect((db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n).toBe(1);
    });

    it('accepts an explicit time', async () => {
      await store.create(record({ expiresAt: START_SEC + 10 }));
      expect(store.purgeExpired(START_SEC + 9)).toBe(0);
      expect(store.purgeExpired(START_SEC + 10)).toBe(1);
    });
  });

  describe('recovery helpers', () => {
    it('listUnfinished returns unexpired queued and running tasks, oldest first', async () => {
      const a = record({ status: 'running', createdAt: '2026-03-01T00:00:02.000Z' });
      const b = record({ status: 'queued', createdAt: '2026-03-01T00:00:01.000Z' });
      await store.create(a);
      await store.create(b);
      await store.create(record({ status: 'succeeded' }));
      await store.create(record({ status: 'failed' }));
      await store.create(record({ status: 'running', expiresAt: START_SEC - 1 }));
      expect(store.listUnfinished().map((t) => t.taskId)).toEqual([b.taskId, a.taskId]);
      expect(store.listUnfinished({ limit: 1 }).map((t) => t.taskId)).toEqual([b.taskId]);
      expect(store.listUnfinished()[0]).not.toHaveProperty('logs');
    });

    it('failUnfinished fails only present, non-terminal tasks and keeps the rest of the record', async () => {
      const running = record({ status: 'running', attempts: 1, startedAt: '2026-03-01T00:00:00.500Z', logs: [{ time: 't', level: 'info', message: 'm' }] });
      const done = record({ status: 'succeeded', result: 7 });
      await store.create(running);
      await store.create(done);
      await clock.advance(1_000);
      const error = { kind: 'system' as const, name: 'Interrupted', message: 'gone' };
      expect(store.failUnfinished([running.taskId, done.taskId, 'missing'], error)).toEqual([running.taskId]);
      expect(await store.get(running.taskId)).toEqual({ ...running, status: 'failed', error, finishedAt: new Date(START + 1_000).toISOString() });
      expect(await store.get(done.taskId)).toEqual(done);
    });
  });

  describe('list validation', () => {
    it('rejects a limit outside 1..100 and a malformed cursor', () => {
      expect(() => store.listSync({ limit: 0 })).toThrow(ValidationError);
      expect(() => store.listSync({ limit: 101 })).toThrow(ValidationError);
      expect(() => store.listSync({ limit: 10, cursor: 'not-a-cursor' })).toThrow(ValidationError);
      expect(() => store.listSync({ limit: 10, cursor: Buffer.from('[1,2]').toString('base64url') })).toThrow(ValidationError);
    });

    it('pages by (createdAt, taskId) so records created after a page was read do not shift later pages', async () => {
      const older = [0, 1, 2, 3].map((i) => record({ taskId: `t${i}`, createdAt: `2026-03-01T00:00:0${i}.000Z` }));
      for (const r of older) await store.create(r);
      const first = store.listSync({ limit: 2 });
      expect(first.items.map((t) => t.taskId)).toEqual(['t3', 't2']);
      await store.create(record({ taskId: 't9', createdAt: '2026-03-01T00:00:09.000Z' }));
      expect(store.listSync({ limit: 2, cursor: first.nextCursor! })).toEqual({ items: [expect.objectContaining({ taskId: 't1' }), expect.objectContaining({ taskId: 't0' })] });
    });
  });

  it('stores result and logs apart from the summary columns that list reads', async () => {
    const r = record({ status: 'succeeded', result: { big: 'x'.repeat(1000) }, logs: [{ time: 't', level: 'info', message: 'hello' }] });
    await store.create(r);
    const row = db.prepare('SELECT summary, detail FROM tasks WHERE task_id = ?').get(r.taskId) as { summary: string; detail: string };
    expect(JSON.parse(row.summary)).not.toHaveProperty('result');
    expect(JSON.parse(row.detail)).toEqual({ result: r.result, logs: r.logs });
  });
});
