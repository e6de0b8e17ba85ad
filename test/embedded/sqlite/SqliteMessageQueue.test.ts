import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnknownQueueError, ValidationError } from '../../../lib/core/errors.js';
import type { QueueSpec, ReceivedMessage } from '../../../lib/core/ports/MessageQueue.js';
import { openDatabase } from '../../../lib/embedded/sqlite/openDatabase.js';
import { type DeadLetterEvent, SqliteMessageQueue } from '../../../lib/embedded/sqlite/SqliteMessageQueue.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';

const START = Date.parse('2026-03-01T00:00:00.000Z');

function spec(name: string, overrides: Partial<QueueSpec> = {}): QueueSpec {
  return { name, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345_600, ...overrides };
}

/** Lets queued microtasks (wake-ups) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SqliteMessageQueue (embedded behaviour)', () => {
  let db: Database.Database;
  let clock: ManualClock;
  let queues: SqliteMessageQueue;
  const receiveOne = async (queue: string, visibilityTimeoutSeconds?: number): Promise<ReceivedMessage | undefined> =>
    (await queues.receive(queue, { maxMessages: 1, ...(visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeoutSeconds }) }))[0];

  beforeEach(() => {
    db = openDatabase(':memory:');
    clock = new ManualClock(START);
    queues = new SqliteMessageQueue(db, { clock });
  });
  afterEach(() => {
    queues.close();
    db.close();
  });

  describe('dead-letter redrive', () => {
    beforeEach(() => {
      queues.declare([spec('work', { visibilityTimeoutSeconds: 10, deadLetter: { queue: 'work-dlq', maxReceiveCount: 3 } }), spec('work-dlq')]);
    });

    it('delivers maxReceiveCount times, then moves the message intact on the next receive', async () => {
      const events: DeadLetterEvent[] = [];
      queues.onDeadLetter((event) => events.push(event));
      const { messageId } = await queues.send('work', { body: 'poison', attributes: { 'sluice-task-id': 't-1', origin: 'test' } });
      for (let attempt = 1; attempt <= 3; attempt++) {
        expect(await receiveOne('work')).toMatchObject({ messageId, receiveCount: attempt });
        await clock.advance(10_000);
      }
      expect(events).toEqual([]);
      expect(await receiveOne('work')).toBeUndefined();
      expect(events).toEqual([
        { queue: 'work', deadLetterQueue: 'work-dlq', messageId, body: 'poison', attributes: { 'sluice-task-id': 't-1', origin: 'test' }, receiveCount: 3 },
      ]);
      expect(await queues.stats('work')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      const dead = await receiveOne('work-dlq');
      expect(dead).toEqual({
        messageId,
        receiptHandle: expect.any(String),
        body: 'poison',
        attributes: { 'sluice-task-id': 't-1', origin: 'test' },
        // Its 3 receives in work, kept as SQS keeps ApproximateReceiveCount across the move, then this one.
        receiveCount: 4,
        sentAt: new Date(START).toISOString(),
      });
    });

    it('applies a lowered maxReceiveCount to messages already received', async () => {
      await queues.send('work', { body: 'x' });
      await receiveOne('work');
      await clock.advance(10_000);
      queues.declare([spec('work', { visibilityTimeoutSeconds: 10, deadLetter: { queue: 'work-dlq', maxReceiveCount: 1 } })]);
      expect(await receiveOne('work')).toBeUndefined();
      expect((await queues.stats('work-dlq')).visible).toBe(1);
    });

    it('deadLetter() moves a received message now, deletes it without a dead-letter queue, ignores a stale handle', async () => {
      queues.declare([spec('plain')]);
      await queues.send('work', { body: 'w' });
      await queues.send('plain', { body: 'p' });
      const w = (await receiveOne('work'))!;
      const p = (await receiveOne('plain'))!;
      expect(await queues.deadLetter('work', w.receiptHandle)).toBe('moved');
      expect(await queues.deadLetter('plain', p.receiptHandle)).toBe('deleted');
      expect(await queues.deadLetter('work', w.receiptHandle)).toBe('stale');
      expect(queues.peek('work-dlq').items).toMatchObject([{ messageId: w.messageId, body: 'w', receiveCount: 1, state: 'visible', originQueue: 'work' }]);
      expect(await queues.stats('plain')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('redrives dead letters back to the queue they died in, with a fresh receive count', async () => {
      const sent = [];
      for (let i = 0; i < 3; i++) sent.push((await queues.send('work', { body: `m${i}` })).messageId);
      const w = await queues.receive('work', { maxMessages: 10 });
      for (const m of w) await queues.deadLetter('work', m.receiptHandle);
      // One dead letter is being inspected (in flight): it stays.
      const inspected = (await receiveOne('work-dlq'))!;
      expect(queues.redrive('work-dlq', { max: 1 })).toBe(1);
      expect(queues.redrive('work-dlq')).toBe(1);
      expect(await queues.stats('work-dlq')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
      const back = await queues.receive('work', { maxMessages: 10 });
      expect(back.map((m) => m.messageId).sort()).toEqual(sent.filter((id) => id !== inspected.messageId).sort());
      expect(back.map((m) => m.receiveCount)).toEqual([1, 1]);
    });

    it('redrives to an explicit target and leaves messages sent straight to the dead-letter queue when no target is given', async () => {
      queues.declare([spec('elsewhere')]);
      await queues.send('work-dlq', { body: 'direct' });
      expect(queues.redrive('work-dlq')).toBe(0);
      expect(queues.redrive('work-dlq', { target: 'elsewhere' })).toBe(1);
      expect((await receiveOne('elsewhere'))?.body).toBe('direct');
      expect(() => queues.redrive('work-dlq', { target: 'nope' })).toThrow(UnknownQueueError);
    });
  });

  it('holds a delayed message back until its delay elapses, counted as delayed', async () => {
    queues.declare([spec('q')]);
    await queues.send('q', { body: 'later', delaySeconds: 10 });
    expect(await queues.stats('q')).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    await clock.advance(9_999);
    expect(await receiveOne('q')).toBeUndefined();
    await clock.advance(1);
    expect(await queues.stats('q')).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    expect((await receiveOne('q'))?.body).toBe('later');
  });

  describe('retention', () => {
    it('never delivers a message older than the retention period, and purgeExpired deletes it', async () => {
      queues.declare([spec('q', { messageRetentionSeconds: 60 })]);
      await queues.send('q', { body: 'old' });
      await clock.advance(30_000);
      await queues.send('q', { body: 'young' });
      await clock.advance(30_000);
      expect(await queues.stats('q')).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
      expect(queues.peek('q').items.map((m) => m.body)).toEqual(['young']);
      expect(queues.purgeExpired()).toBe(1);
      expect(queues.purgeExpired()).toBe(0);
      expect((await queues.receive('q', { maxMessages: 10 })).map((m) => m.body)).toEqual(['young']);
    });

    it('drops an expired message found by a receive and fills the batch with the next ones', async () => {
      queues.declare([spec('q', { messageRetentionSeconds: 60 })]);
      await queues.send('q', { body: 'old' });
      await clock.advance(59_000);
      await queues.send('q', { body: 'young' });
      await clock.advance(1_000);
      expect((await queues.receive('q', { maxMessages: 1 })).map((m) => m.body)).toEqual(['young']);
      expect(queues.purgeExpired()).toBe(0);
    });

    it('counts a dead letter’s age from its original send, as SQS does', async () => {
      queues.declare([spec('dlq', { messageRetentionSeconds: 60 }), spec('q', { visibilityTimeoutSeconds: 10, deadLetter: { queue: 'dlq', maxReceiveCount: 1 } })]);
      await queues.send('q', { body: 'x' });
      await receiveOne('q');
      await clock.advance(50_000);
      await receiveOne('q'); // moves it
      expect((await queues.stats('dlq')).visible).toBe(1);
      await clock.advance(10_000);
      expect(await queues.stats('dlq')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      expect(queues.purgeExpired()).toBe(1);
    });
  });

  describe('releaseInFlight', () => {
    it('makes in-flight messages visible at once without counting a receive, and invalidates their handles', async () => {
      queues.declare([spec('a'), spec('b')]);
      await queues.send('a', { body: 'a1' });
      await queues.send('a', { body: 'a2' });
      await queues.send('a', { body: 'a-delayed', delaySeconds: 60 });
      await queues.send('b', { body: 'b1' });
      const held = await queues.receive('a', { maxMessages: 10 });
      await receiveOne('b');
      expect(held).toHaveLength(2);

      expect(queues.releaseInFlight('a')).toBe(2);
      expect(await queues.stats('a')).toEqual({ visible: 2, inFlight: 0, delayed: 1 });
      expect(await queues.stats('b')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
      for (const m of held) await queues.delete('a', m.receiptHandle); // stale now: no effect
      const again = await queues.receive('a', { maxMessages: 10 });
      expect(again.map((m) => [m.body, m.receiveCount]).sort()).toEqual([
        ['a1', 2],
        ['a2', 2],
      ]);

      expect(queues.releaseInFlight()).toBe(3);
      expect(await queues.stats('b')).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    });
  });

  describe('receipt handles', () => {
    it('changes the handle on every receive; an earlier handle neither deletes nor changes the message', async () => {
      queues.declare([spec('q', { visibilityTimeoutSeconds: 5 })]);
      await queues.send('q', { body: 'x' });
      const first = (await receiveOne('q'))!;
      await clock.advance(5_000);
      const second = (await receiveOne('q'))!;
      expect(second.receiptHandle).not.toBe(first.receiptHandle);

      expect(queues.deleteSync('q', first.receiptHandle)).toBe(false);
      await queues.delete('q', first.receiptHandle);
      expect(queues.changeVisibilitySync('q', first.receiptHandle, 0)).toBe(false);
      expect(await queues.stats('q')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });

      expect(queues.deleteSync('q', second.receiptHandle)).toBe(true);
      expect(await queues.stats('q')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('does not accept a handle of one queue on another, and rejects a malformed handle', async () => {
      queues.declare([spec('q'), spec('other')]);
      await queues.send('q', { body: 'x' });
      const m = (await receiveOne('q'))!;
      expect(queues.deleteSync('other', m.receiptHandle)).toBe(false);
      expect((await queues.stats('q')).inFlight).toBe(1);
      await expect(queues.delete('q', 'not-a-handle')).rejects.toBeInstanceOf(ValidationError);
    });

    it('changeVisibility extends the visibility of the current receive', async () => {
      queues.declare([spec('q', { visibilityTimeoutSeconds: 5 })]);
      await queues.send('q', { body: 'x' });
      const m = (await receiveOne('q'))!;
      await queues.changeVisibility('q', m.receiptHandle, 60);
      await clock.advance(59_999);
      expect(await receiveOne('q')).toBeUndefined();
      await clock.advance(1);
      expect((await receiveOne('q'))?.receiveCount).toBe(2);
    });
  });

  it('with a visibility timeout of 0 returns each message once per receive', async () => {
    queues.declare([spec('q')]);
    for (let i = 0; i < 3; i++) await queues.send('q', { body: `m${i}` });
    const batch = await queues.receive('q', { maxMessages: 10, visibilityTimeoutSeconds: 0 });
    expect(batch.map((m) => m.body)).toEqual(['m0', 'm1', 'm2']);
    expect((await queues.stats('q')).visible).toBe(3);
  });

  describe('peek', () => {
    it('lists messages oldest first with their state, page by page, without receiving them', async () => {
      queues.declare([spec('q', { visibilityTimeoutSeconds: 30 })]);
      for (let i = 0; i < 5; i++) await queues.send('q', { body: `m${i}`, attributes: { i: String(i) } });
      await queues.send('q', { body: 'delayed', delaySeconds: 100 });
      await receiveOne('q'); // m0 in flight

      const first = queues.peek('q', { limit: 4 });
      expect(first.items.map((m) => [m.body, m.state, m.receiveCount])).toEqual([
        ['m0', 'inFlight', 1],
        ['m1', 'visible', 0],
        ['m2', 'visible', 0],
        ['m3', 'visible', 0],
      ]);
      expect(first.items[0]).toMatchObject({ attributes: { i: '0' }, sentAt: new Date(START).toISOString(), visibleAt: new Date(START + 30_000).toISOString() });
      const second = queues.peek('q', { limit: 4, cursor: first.nextCursor! });
      expect(second).toEqual({ items: [expect.objectContaining({ body: 'm4', state: 'visible' }), expect.objectContaining({ body: 'delayed', state: 'delayed' })] });
      expect(await queues.stats('q')).toEqual({ visible: 4, inFlight: 1, delayed: 1 });
    });

    it('rejects a malformed cursor and an invalid limit', () => {
      queues.declare([spec('q')]);
      expect(() => queues.peek('q', { cursor: 'garbage!' })).toThrow(ValidationError);
      expect(() => queues.peek('q', { limit: 0 })).toThrow(ValidationError);
    });
  });

  describe('wake-ups', () => {
    it('onAvailable fires for a message that was already visible when the listener subscribed', async () => {
      queues.declare([spec('q')]);
      queues.sendSync('q', { body: 'sent before anyone listened' });
      await settle();
      let calls = 0;
      const unsubscribe = queues.onAvailable('q', () => calls++);
      expect(calls).toBe(0); // not from inside the subscriber's code
      await settle();
      expect(calls).toBe(1);
      unsubscribe();
      // An empty queue wakes nobody on subscription.
      await queues.receive('q', { maxMessages: 10 });
      const unsubscribeEmpty = queues.onAvailable('q', () => calls++);
      await settle();
      expect(calls).toBe(1);
      unsubscribeEmpty();
    });

    it('onAvailable fires after a send, and for a delayed message only when its delay elapses', async () => {
      queues.declare([spec('q')]);
      let calls = 0;
      const unsubscribe = queues.onAvailable('q', () => calls++);
      queues.sendSync('q', { body: 'now' });
      queues.sendSync('q', { body: 'now too' });
      expect(calls).toBe(0); // not from inside the sender's code
      await settle();
      expect(calls).toBe(1); // one wake-up per synchronous burst
      await queues.receive('q', { maxMessages: 10 });
      await queues.send('q', { body: 'later', delaySeconds: 30 });
      await settle();
      expect(calls).toBe(1);
      await clock.advance(29_999);
      expect(calls).toBe(1);
      await clock.advance(1);
      expect(calls).toBe(2);
      unsubscribe();
      expect(clock.pendingTimers).toBe(0);
      await queues.send('q', { body: 'unheard' });
      await settle();
      expect(calls).toBe(2);
    });

    it('onAvailable fires when an in-flight message’s visibility timeout runs out, and after a release', async () => {
      queues.declare([spec('q', { visibilityTimeoutSeconds: 20 })]);
      await queues.send('q', { body: 'x' });
      await receiveOne('q');
      let calls = 0;
      const unsubscribe = queues.onAvailable('q', () => calls++);
      await clock.advance(19_000);
      expect(calls).toBe(0);
      await clock.advance(1_000);
      expect(calls).toBe(1);
      await receiveOne('q');
      queues.releaseInFlight();
      await settle();
      expect(calls).toBe(2);
      unsubscribe();
    });

    it('a long poll resolves when a delayed message becomes visible, and with [] at its timeout', async () => {
      queues.declare([spec('q')]);
      await queues.send('q', { body: 'soon', delaySeconds: 8 });
      const pending = queues.receive('q', { maxMessages: 10, waitTimeSeconds: 20 });
      let resolved: ReceivedMessage[] | undefined;
      void pending.then((got) => (resolved = got));
      await clock.advance(7_999);
      expect(resolved).toBeUndefined();
      await clock.advance(1);
      expect(resolved?.map((m) => m.body)).toEqual(['soon']);

      const empty = queues.receive('q', { maxMessages: 1, waitTimeSeconds: 20 });
      await clock.advance(20_000);
      expect(await empty).toEqual([]);
      expect(clock.pendingTimers).toBe(0); // nobody waits or listens: no timers left behind
    });

    it('wakes long polls in arrival order; the others keep waiting', async () => {
      queues.declare([spec('q')]);
      const first = queues.receive('q', { maxMessages: 1, waitTimeSeconds: 20 });
      const second = queues.receive('q', { maxMessages: 1, waitTimeSeconds: 20 });
      let secondResult: ReceivedMessage[] | undefined;
      void second.then((got) => (secondResult = got));
      await queues.send('q', { body: 'one' });
      expect((await first).map((m) => m.body)).toEqual(['one']);
      await settle();
      expect(secondResult).toBeUndefined();
      await queues.send('q', { body: 'two' });
      expect((await second).map((m) => m.body)).toEqual(['two']);
    });

    it('reports a throwing listener and still calls the others', async () => {
      const errors: unknown[] = [];
      const reporting = new SqliteMessageQueue(db, { clock, onListenerError: (error) => errors.push(error) });
      reporting.declare([spec('q')]);
      let called = 0;
      reporting.onAvailable('q', () => {
        throw new Error('listener bug');
      });
      reporting.onAvailable('q', () => called++);
      await reporting.send('q', { body: 'x' });
      await settle();
      expect(called).toBe(1);
      expect(errors).toEqual([new Error('listener bug')]);
      reporting.close();
    });

    it('close() ends pending long polls with no messages', async () => {
      queues.declare([spec('q')]);
      const pending = queues.receive('q', { maxMessages: 1, waitTimeSeconds: 20 });
      queues.close();
      expect(await pending).toEqual([]);
      expect(clock.pendingTimers).toBe(0);
    });
  });

  describe('declare', () => {
    it('is idempotent and updates settings', async () => {
      queues.declare([spec('q', { visibilityTimeoutSeconds: 30 })]);
      queues.declare([spec('q', { visibilityTimeoutSeconds: 30 })]);
      expect(queues.queueNames()).toEqual(['q']);
      queues.declare([spec('q', { visibilityTimeoutSeconds: 5 })]);
      await queues.send('q', { body: 'x' });
      await receiveOne('q');
      await clock.advance(5_000);
      expect((await receiveOne('q'))?.receiveCount).toBe(2);
    });

    it('keeps declarations in the database for the next queue object', () => {
      queues.declare([spec('dlq'), spec('q', { deadLetter: { queue: 'dlq', maxReceiveCount: 5 } })]);
      const again = new SqliteMessageQueue(db, { clock });
      expect(again.queueNames().sort()).toEqual(['dlq', 'q']);
      again.close();
    });

    it('rejects an undeclared dead-letter queue and declares nothing', async () => {
      expect(() => queues.declare([spec('q', { deadLetter: { queue: 'missing', maxReceiveCount: 5 } })])).toThrow(UnknownQueueError);
      await expect(queues.send('q', { body: 'x' })).rejects.toBeInstanceOf(UnknownQueueError);
    });

    it('rejects settings outside the SQS ranges', () => {
      expect(() => queues.declare([spec('q', { visibilityTimeoutSeconds: 43_201 })])).toThrow(ValidationError);
      expect(() => queues.declare([spec('bad name')])).toThrow(ValidationError);
      expect(() => queues.declare([spec('q', { deadLetter: { queue: 'q', maxReceiveCount: 0 } })])).toThrow(ValidationError);
    });
  });

  it('validates send and receive options', async () => {
    queues.declare([spec('q')]);
    await expect(queues.send('q', { body: 'x', delaySeconds: 901 })).rejects.toBeInstanceOf(ValidationError);
    await expect(queues.receive('q', { maxMessages: 11 })).rejects.toBeInstanceOf(ValidationError);
    await expect(queues.receive('q', { maxMessages: 1, waitTimeSeconds: 21 })).rejects.toBeInstanceOf(ValidationError);
    await expect(queues.receive('q', { maxMessages: 1, visibilityTimeoutSeconds: 1.5 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('purge() deletes every message of one queue', async () => {
    queues.declare([spec('q'), spec('other')]);
    await queues.send('q', { body: '1' });
    await queues.send('q', { body: '2', delaySeconds: 5 });
    await queues.send('other', { body: '3' });
    expect(queues.purge('q')).toBe(2);
    expect(await queues.stats('q')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect((await queues.stats('other')).visible).toBe(1);
  });

  it('rejects undeclared queues everywhere with UnknownQueueError', async () => {
    await expect(queues.receive('nope', { maxMessages: 1 })).rejects.toBeInstanceOf(UnknownQueueError);
    await expect(queues.stats('nope')).rejects.toBeInstanceOf(UnknownQueueError);
    await expect(queues.delete('nope', '1.x')).rejects.toBeInstanceOf(UnknownQueueError);
    expect(() => queues.peek('nope')).toThrow(UnknownQueueError);
    expect(() => queues.onAvailable('nope', () => {})).toThrow(UnknownQueueError);
    expect(() => queues.purge('nope')).toThrow(UnknownQueueError);
  });
});
