import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskEnvelope } from '../../../lib/core/ports/TaskDispatcher.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { DataDirectoryInUseError, LOCK_FILE } from '../../../lib/embedded/sqlite/dataDirectoryLock.js';
import { EmbeddedStorage, ORPHANED_TASK_ERROR } from '../../../lib/embedded/sqlite/EmbeddedStorage.js';
import { schemaVersion } from '../../../lib/embedded/sqlite/openDatabase.js';
import { SCHEMA_VERSION } from '../../../lib/embedded/sqlite/schema.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { type Child, spawnFixture } from './childProcess.js';
import { tempDir } from './tempDir.js';
import { taskRecordFactory } from '../../helpers/taskRecords.js';

const START = Date.parse('2026-03-01T00:00:00.000Z');
const QUEUE = 'sluice-tasks-p';

const record = taskRecordFactory({ startMs: START, prefix: 'task' });
const envelope = (r: TaskRecord): TaskEnvelope => ({ taskId: r.taskId, process: r.process, trigger: r.trigger, createdAt: r.createdAt, payload: { type: 'api', body: {} } });

describe('EmbeddedStorage', () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  const dataDir = () => {
    const dir = tempDir('storage');
    cleanups.push(dir.remove);
    return join(dir.path, 'data');
  };
  const open = (dir: string, clock = new ManualClock(START)) => {
    const storage = EmbeddedStorage.open({ dataDir: dir, clock });
    cleanups.unshift(() => storage.close());
    return storage;
  };
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('keeps tasks, queue declarations and messages (with their receive state) across close and reopen', async () => {
    const dir = dataDir();
    const first = open(dir);
    first.queues.declare([{ name: QUEUE, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 }]);
    const a = record();
    const b = record();
    await first.dispatcher.dispatch(a, envelope(a), { queue: QUEUE });
    await first.dispatcher.dispatch(b, envelope(b), { queue: QUEUE });
    const [received] = await first.queues.receive(QUEUE, { maxMessages: 1 });
    await first.tasks.save({ ...a, status: 'succeeded', result: { ok: true }, attempts: 1 });
    first.close();

    const second = open(dir);
    expect(schemaVersion(second.db)).toBe(SCHEMA_VERSION);
    expect(second.queues.queueNames()).toEqual([QUEUE]);
    expect(await second.tasks.get(a.taskId)).toEqual({ ...a, status: 'succeeded', result: { ok: true }, attempts: 1 });
    expect(await second.tasks.get(b.taskId)).toEqual(b);
    expect(await second.queues.stats(QUEUE)).toEqual({ visible: 1, inFlight: 1, delayed: 0 });
    // The handle from before the restart still names the current receive.
    expect(second.queues.deleteSync(QUEUE, received!.receiptHandle)).toBe(true);
  });

  describe('single owner', () => {
    it('refuses a second owner in the same process, naming the directory and the pid, until the first closes', () => {
      const dir = dataDir();
      const first = open(dir);
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
      let error: unknown;
      try {
        EmbeddedStorage.open({ dataDir: dir });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataDirectoryInUseError);
      expect((error as Error).message).toContain(first.dataDir);
      expect((error as Error).message).toContain(`pid ${process.pid}`);
      first.close();
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
      open(dir);
    });

    it('refuses a live owner in another process, and takes over once that process is killed with SIGKILL', async () => {
      const dir = dataDir();
      const child: Child = spawnFixture('holdStorage.ts', [dir]);
      cleanups.push(() => child.kill());
      await child.waitFor((lines) => lines.includes('ready'), 'the child opened the storage');

      expect(() => EmbeddedStorage.open({ dataDir: dir })).toThrow(new RegExp(`in use by another Sluice runtime \\(pid ${child.pid} `));

      await child.kill();
      // The lock file still names the dead child: stale, and it must not block the restart.
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: child.pid });
      const storage = open(dir);
      expect(storage.queues.queueNames()).toEqual([]);
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    });

    it('does not trust a lock file whose owner is gone, even with a live pid in it', () => {
      const dir = dataDir();
      open(dir).close();
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, hostname: 'h', startedAt: 'x' }));
      expect(() => open(dir)).not.toThrow();
    });
  });

  describe('recover', () => {
    it('releases in-flight messages and fails only the unfinished tasks nothing will deliver again', async () => {
      const clock = new ManualClock(START);
      const dir = dataDir();
      const before = open(dir, clock);
      before.queues.declare([{ name: QUEUE, visibilityTimeoutSeconds: 300, messageRetentionSeconds: 3600 }, { name: 'orders', visibilityTimeoutSeconds: 300, messageRetentionSeconds: 3600 }]);
      // An async task, running, its message in flight: it will be delivered again.
      const asyncTask = record();
      await before.dispatcher.dispatch(asyncTask, envelope(asyncTask), { queue: QUEUE });
      await before.queues.receive(QUEUE, { maxMessages: 1 });
      await before.tasks.save({ ...asyncTask, status: 'running', attempts: 1 });
      // A synchronous HTTP task, running: its caller is gone with the process.
      const syncTask = record({ status: 'running', trigger: { type: 'http', method: 'POST', path: '/x', route: '/x' }, attempts: 1 });
      await before.tasks.create(syncTask);
      // A streaming task whose message is still in the queue, and one whose message is gone.
      const { messageId } = await before.queues.send('orders', { body: '{}' });
      const [order] = await before.queues.receive('orders', { maxMessages: 1 });
      const streaming = record({ status: 'running', trigger: { type: 'queue', queue: 'orders', messageId }, attempts: 1 });
      const streamingGone = record({ status: 'running', trigger: { type: 'queue', queue: 'orders', messageId: 'deleted-message' }, attempts: 1 });
      await before.tasks.create(streaming);
      await before.tasks.create(streamingGone);
      // Finished and expired tasks are left alone.
      const finished = record({ status: 'succeeded', result: 1 });
      const expired = record({ status: 'running', expiresAt: START / 1000 - 1 });
      await before.tasks.create(finished);
      await before.tasks.create(expired);
      before.close();

      await clock.advance(5_000);
      const after = open(dir, clock);
      expect(after.findOrphanedTasks().map((t) => t.taskId).sort()).toEqual([syncTask.taskId, streamingGone.taskId].sort());
      expect(after.recover()).toEqual({ releasedMessages: 2, failedTasks: [syncTask.taskId, streamingGone.taskId].sort() });
      expect(await after.tasks.get(syncTask.taskId)).toEqual({ ...syncTask, status: 'failed', error: ORPHANED_TASK_ERROR, finishedAt: new Date(START + 5_000).toISOString() });
      expect((await after.tasks.get(asyncTask.taskId))?.status).toBe('running');
      expect((await after.tasks.get(streaming.taskId))?.status).toBe('running');
      expect(await after.queues.stats(QUEUE)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
      // A second recovery finds nothing to do.
      expect(after.recover()).toEqual({ releasedMessages: 0, failedTasks: [] });
      expect((await after.queues.receive('orders', { maxMessages: 1 }))[0]).toMatchObject({ messageId: order!.messageId, receiveCount: 2 });
    });
  });

  it('opens a throwaway in-memory storage without a lock', async () => {
    const storage = EmbeddedStorage.open({ dataDir: ':memory:' });
    const other = EmbeddedStorage.open({ dataDir: ':memory:' });
    storage.queues.declare([{ name: QUEUE, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 }]);
    expect(other.queues.queueNames()).toEqual([]);
    storage.close();
    other.close();
    storage.close(); // idempotent
  });
});
