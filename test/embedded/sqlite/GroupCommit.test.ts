import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnknownQueueError } from '../../../lib/core/errors.js';
import { GroupCommit } from '../../../lib/embedded/sqlite/GroupCommit.js';
import { openDatabase } from '../../../lib/embedded/sqlite/openDatabase.js';
import { SqliteMessageQueue } from '../../../lib/embedded/sqlite/SqliteMessageQueue.js';
import { SqliteTaskDispatcher } from '../../../lib/embedded/sqlite/SqliteTaskDispatcher.js';
import { SqliteTaskStore } from '../../../lib/embedded/sqlite/SqliteTaskStore.js';
import { tempDir } from './tempDir.js';
import { taskRecordFactory } from '../../helpers/taskRecords.js';

const record = taskRecordFactory({ prefix: 'gc' });

/** Reads the committed state through a second connection (the WAL makes committed writes visible to it). */
function committedTaskIds(path: string): string[] {
  const reader = openDatabase(path);
  try {
    return (reader.prepare('SELECT task_id FROM tasks ORDER BY task_id').all() as Array<{ task_id: string }>).map((r) => r.task_id);
  } finally {
    reader.close();
  }
}

describe('GroupCommit (durability of the promise API)', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let db: Database.Database;
  let store: SqliteTaskStore;
  let queues: SqliteMessageQueue;

  beforeEach(() => {
    dir = tempDir('group');
    path = join(dir.path, 'sluice.db');
    db = openDatabase(path);
    store = new SqliteTaskStore(db);
    queues = new SqliteMessageQueue(db);
    queues.declare([{ name: 'q', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 }]);
  });
  afterEach(() => {
    GroupCommit.for(db).flush();
    db.close();
    dir.remove();
  });

  it('commits the writes of one turn together, and resolves each only after the commit', async () => {
    const a = record();
    const b = record();
    const writes = Promise.all([store.create(a), store.create(b), queues.send('q', { body: 'x' })]);
    expect(db.inTransaction).toBe(true);
    expect(committedTaskIds(path)).toEqual([]); // nothing durable yet, nothing acknowledged yet
    await writes;
    expect(db.inTransaction).toBe(false);
    expect(committedTaskIds(path)).toEqual([a.taskId, b.taskId].sort());
  });

  it('rejects a failing operation alone; the rest of the group commits', async () => {
    const dispatcher = new SqliteTaskDispatcher(db, store, queues);
    const kept = record();
    const doomed = record();
    const results = await Promise.allSettled([
      store.create(kept),
      dispatcher.dispatch(doomed, { taskId: doomed.taskId, process: 'p', trigger: doomed.trigger, createdAt: doomed.createdAt, payload: null }, { queue: 'missing' }),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: { created: true } });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(UnknownQueueError) });
    expect(committedTaskIds(path)).toEqual([kept.taskId]);
  });

  it('a synchronous write commits the open group at once', async () => {
    const pending = record();
    const promise = store.create(pending);
    store.createSync(record());
    expect(db.inTransaction).toBe(false);
    expect(committedTaskIds(path)).toContain(pending.taskId);
    await expect(promise).resolves.toEqual({ created: true });
  });

  it('reads through the promise API wait until the open group is durable', async () => {
    const r = record();
    void store.create(r);
    const read = store.get(r.taskId);
    expect(db.inTransaction).toBe(true);
    expect(await read).toEqual(r);
    expect(db.inTransaction).toBe(false);
  });

  it('rejects the writes of a group that could not be committed', async () => {
    const other = openDatabase(':memory:');
    const otherStore = new SqliteTaskStore(other);
    const write = otherStore.create(record());
    other.close();
    await expect(write).rejects.toThrow(/closed before the writes of this turn were committed/);
  });
});
