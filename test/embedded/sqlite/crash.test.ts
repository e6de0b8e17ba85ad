import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TASK_ID_ATTRIBUTE, type TaskEnvelope } from '../../../lib/core/ports/TaskDispatcher.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { EmbeddedStorage } from '../../../lib/embedded/sqlite/EmbeddedStorage.js';
import type { PeekedMessage } from '../../../lib/embedded/sqlite/SqliteMessageQueue.js';
import { type Child, spawnFixture } from './childProcess.js';
import { tempDir } from './tempDir.js';

const QUEUE = 'sluice-tasks-crash';

/** Ids from the child's `<event> <taskId>` lines. */
const idsOf = (lines: readonly string[], event: string) => lines.filter((l) => l.startsWith(`${event} `)).map((l) => l.slice(event.length + 1));

function allMessages(storage: EmbeddedStorage): PeekedMessage[] {
  const messages: PeekedMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = storage.queues.peek(QUEUE, { limit: 100, ...(cursor ? { cursor } : {}) });
    messages.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return messages;
}

function allRecords(storage: EmbeddedStorage): TaskRecord[] {
  const rows = storage.db.prepare('SELECT task_id FROM tasks').all() as Array<{ task_id: string }>;
  return rows.map((row) => storage.tasks.getSync(row.task_id)!);
}

/** Runs the crash child until it has printed `dispatches` dispatches, then kills it with SIGKILL. */
async function runAndKill(dataDir: string, mode: 'dispatch' | 'work', dispatches: number, children: Child[]): Promise<string[]> {
  const child = spawnFixture('crashChild.ts', [dataDir, mode]);
  children.push(child);
  await child.waitFor((lines) => idsOf(lines, 'dispatched').length >= dispatches, `${dispatches} dispatches`);
  await child.kill();
  expect(child.process.signalCode).toBe('SIGKILL');
  return child.lines;
}

describe('crash safety (kill -9)', () => {
  const children: Child[] = [];
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    for (const child of children.splice(0)) await child.kill();
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const dataDir = () => {
    const dir = tempDir('crash');
    cleanups.push(dir.remove);
    return join(dir.path, 'data');
  };

  it('keeps every dispatched task whole: its record and its message, nothing half-written', async () => {
    const dir = dataDir();
    const lines = await runAndKill(dir, 'dispatch', 400, children);
    const dispatched = idsOf(lines, 'dispatched');

    const storage = EmbeddedStorage.open({ dataDir: dir });
    cleanups.unshift(() => storage.close());
    expect(storage.db.pragma('integrity_check', { simple: true })).toBe('ok');

    const records = allRecords(storage);
    const messages = allMessages(storage);
    // The child may have committed one more task than it printed, never fewer.
    expect(records.length).toBeGreaterThanOrEqual(dispatched.length);
    expect(records.length).toBeLessThanOrEqual(dispatched.length + 1);
    const messageByTask = new Map(messages.map((m) => [m.attributes[TASK_ID_ATTRIBUTE], m]));
    expect(messages).toHaveLength(records.length); // one message per task, no orphan message
    for (const id of dispatched) {
      const record = storage.tasks.getSync(id);
      expect(record?.status).toBe('queued');
      const message = messageByTask.get(id);
      expect(message, `message of ${id}`).toBeDefined();
      expect((JSON.parse(message!.body) as TaskEnvelope).taskId).toBe(id);
    }
    for (const record of records) expect(messageByTask.has(record.taskId)).toBe(true);
    expect(storage.recover().failedTasks).toEqual([]);
  });

  it('survives repeated kills while dispatching and running: no task lost, none with two results', async () => {
    const dir = dataDir();
    const lines = [...(await runAndKill(dir, 'work', 300, children)), ...(await runAndKill(dir, 'work', 300, children))];
    const dispatched = idsOf(lines, 'dispatched');
    const doneByChild = new Set(idsOf(lines, 'done'));
    expect(doneByChild.size).toBeGreaterThan(0);

    const storage = EmbeddedStorage.open({ dataDir: dir });
    cleanups.unshift(() => storage.close());
    expect(storage.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const { failedTasks } = storage.recover();
    expect(failedTasks).toEqual([]); // every unfinished task still has its message

    // Every unfinished task has a message; every message has a task.
    const messages = allMessages(storage);
    const taskIdsWithMessage = new Set(messages.map((m) => m.attributes[TASK_ID_ATTRIBUTE]));
    for (const record of allRecords(storage)) {
      if (record.status === 'queued' || record.status === 'running') expect(taskIdsWithMessage.has(record.taskId), record.taskId).toBe(true);
    }
    for (const taskId of taskIdsWithMessage) expect(storage.tasks.getSync(taskId!)).toBeDefined();
    expect(await storage.queues.stats(QUEUE)).toMatchObject({ inFlight: 0 });

    // Finish the work as the restarted runtime would: a delivery of a finished task is dropped.
    for (;;) {
      const batch = await storage.queues.receive(QUEUE, { maxMessages: 10 });
      if (batch.length === 0) break;
      for (const message of batch) {
        const { taskId } = JSON.parse(message.body) as TaskEnvelope;
        const current = storage.tasks.getSync(taskId)!;
        const outcome = storage.tasks.saveSync({ ...current, status: 'succeeded', result: { by: 'parent' }, attempts: current.attempts + 1 });
        if (doneByChild.has(taskId)) expect(outcome.saved).toBe(false);
        storage.queues.deleteSync(QUEUE, message.receiptHandle);
      }
    }
    for (const id of dispatched) {
      const record = storage.tasks.getSync(id);
      expect(record?.status, id).toBe('succeeded');
      // A task the child finished keeps the child's result: the restart did not write a second one.
      if (doneByChild.has(id)) expect(record?.result).toMatchObject({ by: 'child' });
    }
  });
});
