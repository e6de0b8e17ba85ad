/**
 * `POST /sluice/queues/{dlq}/redrive` through the platform app, the embedded
 * queue console and the SQLite queue, with no consumer running: the count it
 * reports must be the messages that really moved (a redrive reporting
 * `moved` while moving nothing passed the runtime-level test, whose
 * consumer sends redriven messages of failed tasks straight back).
 */
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueSpec } from '../../../lib/core/ports/MessageQueue.js';
import { SqliteQueueConsole } from '../../../lib/embedded/runtime/SqliteQueueConsole.js';
import { openDatabase } from '../../../lib/embedded/sqlite/openDatabase.js';
import { SqliteMessageQueue } from '../../../lib/embedded/sqlite/SqliteMessageQueue.js';
import { createPlatformApp } from '../../../lib/platform/createPlatformApp.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';

const SPECS: QueueSpec[] = [
  { name: 'work-dlq', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345_600 },
  { name: 'work', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345_600, deadLetter: { queue: 'work-dlq', maxReceiveCount: 1 } },
];

describe('queue console redrive (embedded)', () => {
  let db: Database.Database;
  let queues: SqliteMessageQueue;
  let app: ReturnType<typeof createPlatformApp>;
  const TOKEN = 'console-token-0123456789';

  beforeEach(() => {
    db = openDatabase(':memory:');
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00.000Z'));
    queues = new SqliteMessageQueue(db, { clock });
    queues.declare(SPECS);
    app = createPlatformApp({
      processes: [],
      store: new MemoryTaskStore(clock),
      submit: () => Promise.reject(new Error('no processes')),
      auth: { kind: 'bearer', token: TOKEN },
      maxPayloadBytes: 4096,
      queues: new SqliteQueueConsole(queues, SPECS),
    });
  });
  afterEach(() => {
    queues.close();
    db.close();
  });

  const redrive = async (queue: string) => {
    const res = await app.request(`/sluice/queues/${queue}/redrive`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('reports exactly the messages it moved, which are then back in their queue with a fresh receive count', async () => {
    const ids: string[] = [];
    for (const body of ['a', 'b', 'c']) ids.push((await queues.send('work', { body })).messageId);
    for (const m of await queues.receive('work', { maxMessages: 10 })) expect(await queues.deadLetter('work', m.receiptHandle)).toBe('moved');
    // One dead letter is being inspected (in flight): it is neither moved nor counted.
    const [inspected] = await queues.receive('work-dlq', { maxMessages: 1 });
    expect(await queues.stats('work-dlq')).toEqual({ visible: 2, inFlight: 1, delayed: 0 });

    expect(await redrive('work-dlq')).toEqual({ status: 200, body: { moved: 2, to: 'work' } });

    expect(await queues.stats('work-dlq')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    expect(await queues.stats('work')).toEqual({ visible: 2, inFlight: 0, delayed: 0 });
    const back = await queues.receive('work', { maxMessages: 10 });
    expect(back.map((m) => m.messageId).sort()).toEqual(ids.filter((id) => id !== inspected!.messageId).sort());
    expect(back.map((m) => m.receiveCount)).toEqual([1, 1]);
  });

  it('reports 0 when there is nothing to move, and refuses a queue that is no dead-letter queue', async () => {
    expect(await redrive('work-dlq')).toEqual({ status: 200, body: { moved: 0, to: 'work' } });
    expect((await redrive('work')).status).toBe(400);
    expect((await redrive('nope')).status).toBe(404);
  });
});
