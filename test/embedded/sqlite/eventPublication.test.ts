import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DataEvent } from '../../../lib/core/events/DataEvent.js';
import { subscriptionId } from '../../../lib/core/events/EventSubscription.js';
import { eventTasks } from '../../../lib/core/events/eventTasks.js';
import { UnknownQueueError } from '../../../lib/core/errors.js';
import { EmbeddedStorage } from '../../../lib/embedded/sqlite/EmbeddedStorage.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { taskRecordFactory } from '../../helpers/taskRecords.js';
import { dispatchedPayloadHash } from '../../../lib/core/task/taskEnvelopeCodec.js';
import { tempDir } from './tempDir.js';

const START = Date.parse('2026-11-29T12:00:00.000Z');
const record = taskRecordFactory({ startMs: START, prefix: 'pub' });
const subscription = { id: subscriptionId('refresh', { label: 'orders.*' }), process: 'refresh', label: 'orders.*' };

function eventOf(taskId: string, n = 0): DataEvent {
  return { eventId: `ev-${taskId}-${n}`, label: 'orders.loaded', source: 's3://landing/o.csv', target: 'pg://wh/orders', sequence: n, createdAt: new Date(START + n).toISOString(), taskId, process: 'load', logic: 'land', attempt: 1, depth: 0 };
}

/** The embedded publication: a final record, its events and its subscribers' tasks in one transaction. */
describe('EmbeddedStorage: publishing data events with the final record', () => {
  const cleanups: Array<() => void> = [];
  const open = (dir: string) => {
    const storage = EmbeddedStorage.open({ dataDir: dir, clock: new ManualClock(START) });
    cleanups.unshift(() => storage.close());
    return storage;
  };
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const fresh = () => {
    const dir = tempDir('events');
    cleanups.push(dir.remove);
    return join(dir.path, 'data');
  };

  it('writes record, events, subscriber tasks and their messages together, durable across reopen', async () => {
    const dir = fresh();
    const storage = open(dir);
    storage.queues.declare([{ name: 'tasks-refresh', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 }]);
    storage.subscribe([{ subscription, queue: 'tasks-refresh' }], { retentionSeconds: 3600, maxChainDepth: 16 });
    const final = record({ process: 'load', status: 'succeeded' });
    const event = eventOf(final.taskId);
    expect(await storage.tasks.save(final, [event])).toEqual({ saved: true });
    storage.close();
    cleanups.shift();

    const reopened = open(dir);
    expect((await reopened.tasks.get(final.taskId))?.status).toBe('succeeded');
    expect(await reopened.events.get(event.eventId)).toEqual(event);
    const [task] = eventTasks(event, [{ subscription, queue: 'tasks-refresh' }], { nowMs: START, retentionSeconds: 3600, maxChainDepth: 16 });
    expect(await reopened.tasks.get(task!.record.taskId)).toMatchObject({ status: 'queued', process: 'refresh', trigger: { type: 'event', eventId: event.eventId, depth: 1 } });
    expect(reopened.queues.statsSync('tasks-refresh')).toMatchObject({ visible: 1 });
  });

  it('keeps nothing when any part fails: no record without its events, no event without its record', async () => {
    const storage = open(fresh());
    // The subscriber's queue is not declared: dispatching its task fails inside the transaction.
    storage.subscribe([{ subscription, queue: 'missing-queue' }], { retentionSeconds: 3600, maxChainDepth: 16 });
    const final = record({ process: 'load', status: 'succeeded' });
    await expect(storage.tasks.save(final, [eventOf(final.taskId)])).rejects.toThrow(UnknownQueueError);
    expect(await storage.tasks.get(final.taskId)).toBeUndefined();
    expect((await storage.events.search({ limit: 10 })).items).toEqual([]);
  });

  it('publishes nothing when the save is refused (the task already finished), and a second dispatch of an event\'s task adds nothing', async () => {
    const storage = open(fresh());
    storage.queues.declare([{ name: 'tasks-refresh', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 }]);
    storage.subscribe([{ subscription, queue: 'tasks-refresh' }], { retentionSeconds: 3600, maxChainDepth: 16 });
    const final = record({ process: 'load', status: 'succeeded' });
    await storage.tasks.save(final, [eventOf(final.taskId, 0)]);
    const duplicate = await storage.tasks.save({ ...final, status: 'failed' }, [eventOf(final.taskId, 1)]);
    expect(duplicate.saved).toBe(false);
    expect((await storage.events.search({ taskId: final.taskId, limit: 10 })).items.map((e) => e.sequence)).toEqual([0]);
    // The same event delivered again (AWS redelivers stream records; here, a second fan-out): one task, one message.
    const [task] = eventTasks(eventOf(final.taskId, 0), [{ subscription, queue: 'tasks-refresh' }], { nowMs: START + 5000, retentionSeconds: 3600, maxChainDepth: 16 });
    expect((await storage.dispatcher.dispatch(task!.record, task!.envelope, { queue: task!.queue })).created).toBe(false);
    expect(storage.queues.statsSync('tasks-refresh')).toMatchObject({ visible: 1 });
  });

  it('refuses events on a store that cannot publish them, rather than dropping them', async () => {
    const { SqliteTaskStore } = await import('../../../lib/embedded/sqlite/SqliteTaskStore.js');
    const storage = open(fresh());
    const bare = new SqliteTaskStore(storage.db);
    const final = record({ process: 'load', status: 'succeeded' });
    await expect(bare.save(final, [eventOf(final.taskId)])).rejects.toThrow(/publishes none/);
    expect(await bare.get(final.taskId)).toBeUndefined();
  });
});

describe('EmbeddedStorage: a message the queue dead-letters on its own fails its task', () => {
  it('ends a task whose message passed maxReceiveCount without a result (crashes between receives), and recovery does not count dead letters as deliverable', async () => {
    const dir = tempDir('dead');
    const clock = new ManualClock(START);
    const storage = EmbeddedStorage.open({ dataDir: join(dir.path, 'data'), clock });
    try {
      storage.queues.declare([
        { name: 'work-dlq', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600 },
        { name: 'work', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 3600, deadLetter: { queue: 'work-dlq', maxReceiveCount: 2 } },
      ]);
      const payload = { type: 'api' as const, body: {} };
      const queued = { ...record({ process: 'load', status: 'queued' }), payloadHash: dispatchedPayloadHash(payload) };
      await storage.dispatcher.dispatch(queued, { taskId: queued.taskId, process: 'load', trigger: queued.trigger, createdAt: queued.createdAt, payload }, { queue: 'work' });
      // A forged message naming the task, dead-lettered in its turn, must not end it (only its genuine envelope speaks for it).
      storage.queues.sendSync('work', { body: JSON.stringify({ taskId: queued.taskId, process: 'load', trigger: queued.trigger, createdAt: queued.createdAt, payload: { type: 'api', body: { forged: true } } }), attributes: { 'sluice-task-id': queued.taskId } });
      // Two receives that never finish (the runtime died each time), the third finds the limit passed.
      const forged = (await storage.queues.receive('work', { maxMessages: 10 })).filter((m) => m.body.includes('forged'));
      expect(forged).toHaveLength(1);
      expect(await storage.queues.deadLetter('work', forged[0]!.receiptHandle)).toBe('moved');
      expect(await storage.tasks.get(queued.taskId)).toMatchObject({ status: 'queued' });
      // That first receive counted for the genuine message too: one more that never finishes, then the limit.
      await storage.tasks.save({ ...queued, status: 'running', attempts: 1 });
      await clock.advance(31_000);
      expect(await storage.queues.receive('work', { maxMessages: 1 })).toHaveLength(1);
      await storage.tasks.save({ ...queued, status: 'running', attempts: 2 });
      await clock.advance(31_000);
      expect(await storage.queues.receive('work', { maxMessages: 1 })).toEqual([]);
      expect(storage.queues.statsSync('work-dlq')).toMatchObject({ visible: 2 });
      expect(await storage.tasks.get(queued.taskId)).toMatchObject({ status: 'failed', error: { name: 'DeadLettered', message: expect.stringContaining('work-dlq') } });

      // A task left running whose only message is a dead letter is an orphan for recovery.
      const stuck = record({ process: 'load', status: 'running' });
      await storage.tasks.create(stuck);
      storage.queues.sendSync('work-dlq', { body: '{}', attributes: { 'sluice-task-id': stuck.taskId } });
      expect(storage.recover().failedTasks).toContain(stuck.taskId);
    } finally {
      storage.close();
      dir.remove();
    }
  });
});
