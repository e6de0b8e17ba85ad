import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PayloadTooLargeError, UnknownQueueError, ValidationError } from '../../lib/core/errors.js';
import type { MessageQueue, QueueSpec, ReceivedMessage } from '../../lib/core/ports/MessageQueue.js';
import { sleep } from '../helpers/time.js';

export interface MessageQueueFixture {
  queue: MessageQueue;
  /** Declares (creates) queues; called once per test with fresh names. */
  declare(specs: QueueSpec[]): Promise<void>;
  cleanup(): Promise<void>;
}

let seq = 0;
const fresh = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

function spec(name: string, overrides: Partial<QueueSpec> = {}): QueueSpec {
  return { name, visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345_600, ...overrides };
}

async function receiveUntil(queue: MessageQueue, name: string, count: number, timeoutMs = 8000): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) {
    got.push(...(await queue.receive(name, { maxMessages: 10, waitTimeSeconds: 1 })));
  }
  return got;
}

/**
 * SQS semantics every {@link MessageQueue} must have: the embedded SQLite
 * queue and the SQS adapter (against fauxqs) run these same cases.
 * Visibility timeouts are whole seconds, as in SQS, so some cases sleep.
 */
export function describeMessageQueueContract(name: string, createFixture: () => Promise<MessageQueueFixture>): void {
  describe(`MessageQueue contract: ${name}`, () => {
    let fx: MessageQueueFixture;
    let queue: MessageQueue;
    beforeAll(async () => {
      fx = await createFixture();
      queue = fx.queue;
    });
    afterAll(async () => {
      await fx?.cleanup();
    });

    it('delivers a sent message with its body, attributes and a receive count of 1', async () => {
      const q = fresh('basic');
      await fx.declare([spec(q)]);
      const body = JSON.stringify({ order: 42, note: 'naïve — 東京' });
      const before = Date.now();
      const { messageId } = await queue.send(q, { body, attributes: { kind: 'order', 'sluice-task-id': 't1' } });
      const [msg, ...rest] = await receiveUntil(queue, q, 1);
      expect(rest).toEqual([]);
      expect(msg).toMatchObject({ messageId, body, attributes: { kind: 'order', 'sluice-task-id': 't1' }, receiveCount: 1 });
      expect(typeof msg!.receiptHandle).toBe('string');
      expect(Date.parse(msg!.sentAt)).toBeGreaterThanOrEqual(before - 1000);
    });

    it('hides a received message for its visibility timeout, then delivers it again', async () => {
      const q = fresh('visibility');
      await fx.declare([spec(q, { visibilityTimeoutSeconds: 1 })]);
      await queue.send(q, { body: 'again' });
      const [first] = await receiveUntil(queue, q, 1);
      expect(first?.receiveCount).toBe(1);
      expect(await queue.receive(q, { maxMessages: 10 })).toEqual([]);
      await sleep(1300);
      const [second] = await receiveUntil(queue, q, 1);
      expect(second).toMatchObject({ messageId: first!.messageId, body: 'again', receiveCount: 2 });
    });

    it('honours a per-receive visibility timeout', async () => {
      const q = fresh('pervis');
      await fx.declare([spec(q, { visibilityTimeoutSeconds: 60 })]);
      await queue.send(q, { body: 'short' });
      const [first] = await queue.receive(q, { maxMessages: 1, visibilityTimeoutSeconds: 1, waitTimeSeconds: 2 });
      expect(first).toBeDefined();
      await sleep(1300);
      const [second] = await receiveUntil(queue, q, 1);
      expect(second?.messageId).toBe(first!.messageId);
    });

    it('never delivers a deleted message again', async () => {
      const q = fresh('delete');
      await fx.declare([spec(q, { visibilityTimeoutSeconds: 1 })]);
      await queue.send(q, { body: 'once' });
      const [msg] = await receiveUntil(queue, q, 1);
      await queue.delete(q, msg!.receiptHandle);
      await sleep(1300);
      expect(await queue.receive(q, { maxMessages: 10, waitTimeSeconds: 1 })).toEqual([]);
      expect(await queue.stats(q)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('returns a message at once when its visibility is changed to 0', async () => {
      const q = fresh('changevis');
      await fx.declare([spec(q, { visibilityTimeoutSeconds: 60 })]);
      await queue.send(q, { body: 'back' });
      const [msg] = await receiveUntil(queue, q, 1);
      await queue.changeVisibility(q, msg!.receiptHandle, 0);
      const [again] = await receiveUntil(queue, q, 1);
      expect(again).toMatchObject({ messageId: msg!.messageId, receiveCount: 2 });
    });

    it('returns at most maxMessages, and every message exactly once while deleting', async () => {
      const q = fresh('batch');
      await fx.declare([spec(q)]);
      const bodies = Array.from({ length: 15 }, (_, i) => `m${i}`);
      for (const body of bodies) await queue.send(q, { body });
      const seen: string[] = [];
      const deadline = Date.now() + 8000;
      while (seen.length < bodies.length && Date.now() < deadline) {
        const batch = await queue.receive(q, { maxMessages: 10, waitTimeSeconds: 1 });
        expect(batch.length).toBeLessThanOrEqual(10);
        for (const m of batch) {
          seen.push(m.body);
          await queue.delete(q, m.receiptHandle);
        }
      }
      expect(seen.sort()).toEqual([...bodies].sort());
    });

    it('counts visible and in-flight messages', async () => {
      const q = fresh('stats');
      await fx.declare([spec(q)]);
      for (let i = 0; i < 3; i++) await queue.send(q, { body: `s${i}` });
      await receiveUntil(queue, q, 1).then(async (got) => {
        // receiveUntil may have taken more than one; return extras
        for (const m of got.slice(1)) await queue.changeVisibility(q, m.receiptHandle, 0);
      });
      expect(await queue.stats(q)).toEqual({ visible: 2, inFlight: 1, delayed: 0 });
    });

    it('holds back a delayed message until its delay elapses', async () => {
      const q = fresh('delay');
      await fx.declare([spec(q)]);
      await queue.send(q, { body: 'later', delaySeconds: 1 });
      expect(await queue.receive(q, { maxMessages: 1 })).toEqual([]);
      await sleep(1300);
      const [msg] = await receiveUntil(queue, q, 1);
      expect(msg?.body).toBe('later');
    });

    it('long-polls: a waiting receive returns a message sent meanwhile', async () => {
      const q = fresh('longpoll');
      await fx.declare([spec(q)]);
      const pending = queue.receive(q, { maxMessages: 1, waitTimeSeconds: 5 });
      await sleep(300);
      await queue.send(q, { body: 'wake' });
      const got = await pending;
      expect(got.map((m) => m.body)).toEqual(['wake']);
    });

    it('moves a message to its dead-letter queue after maxReceiveCount receives, intact', async () => {
      const q = fresh('work');
      const dlq = fresh('work-dlq');
      await fx.declare([spec(dlq), spec(q, { visibilityTimeoutSeconds: 1, deadLetter: { queue: dlq, maxReceiveCount: 2 } })]);
      const body = JSON.stringify({ poison: true });
      const { messageId } = await queue.send(q, { body, attributes: { origin: 'contract' } });
      for (let attempt = 1; attempt <= 2; attempt++) {
        const [msg] = await receiveUntil(queue, q, 1);
        expect(msg).toMatchObject({ messageId, receiveCount: attempt });
        await sleep(1300); // not deleted: it returns after the visibility timeout
      }
      // The third receive moves it instead of delivering it.
      expect(await queue.receive(q, { maxMessages: 10, waitTimeSeconds: 1 })).toEqual([]);
      const [dead] = await receiveUntil(queue, dlq, 1);
      expect(dead).toMatchObject({ body, attributes: { origin: 'contract' } });
      // SQS keeps ApproximateReceiveCount across the move: its 2 receives in the source queue, then this one (at least).
      expect(dead!.receiveCount).toBeGreaterThanOrEqual(3);
      expect(await queue.stats(q)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('rejects an undeclared queue with UnknownQueueError', async () => {
      await expect(queue.send(fresh('nope'), { body: 'x' })).rejects.toBeInstanceOf(UnknownQueueError);
    });

    // SQS's SendMessage rules (lib/core/queue/sqsRules.ts): both adapters refuse what SQS refuses,
    // with the same precise error, before anything is stored or sent.
    it.each([
      ['U+0007', 'a\u0007b', 'U+0007 at index 1'],
      ['U+0000', '\u0000', 'U+0000 at index 0'],
      ['U+FFFF', 'ab\uFFFF', 'U+FFFF at index 2'],
      ['U+FFFE', '\uFFFE', 'U+FFFE at index 0'],
      ['U+001F', 'x\u001F', 'U+001F at index 1'],
      ['a lone high surrogate', 'x\uD800y', 'U+D800 at index 1'],
      ['a lone low surrogate', '\uDC00', 'U+DC00 at index 0'],
      ['an empty body', '', 'must not be empty'],
    ])('refuses a body with %s (ValidationError naming it) and stores nothing', async (_label, body, why) => {
      const q = fresh('badchars');
      await fx.declare([spec(q)]);
      const error = await queue.send(q, { body }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: 'body', message: expect.stringContaining(why) }]);
      expect(await queue.receive(q, { maxMessages: 10 })).toEqual([]);
    });

    it('accepts every character class SQS allows, at the edges of its ranges', async () => {
      const q = fresh('goodchars');
      await fx.declare([spec(q)]);
      const body = '\t\n\r \u007F\uD7FF\uE000\uFFFD';
      await queue.send(q, { body, attributes: { 'a.b-c_D9': '\uFFFD\t' } });
      const [msg] = await receiveUntil(queue, q, 1);
      expect(msg).toMatchObject({ body, attributes: { 'a.b-c_D9': '\uFFFD\t' } });
    });

    it.each([
      ['a reserved AWS. prefix', { 'AWS.trace': 'v' }, 'attributes.AWS.trace'],
      ['a reserved amazon. prefix in any case', { 'aMaZoN.x': 'v' }, 'attributes.aMaZoN.x'],
      ['a leading period', { '.a': 'v' }, 'attributes..a'],
      ['a trailing period', { 'a.': 'v' }, 'attributes.a.'],
      ['successive periods', { 'a..b': 'v' }, 'attributes.a..b'],
      ['a space in the name', { 'a b': 'v' }, 'attributes.a b'],
      ['a 257-character name', { ['n'.repeat(257)]: 'v' }, `attributes.${'n'.repeat(257)}`],
      ['an empty value', { kind: '' }, 'attributes.kind'],
      ['U+0000 in a value', { kind: 'a\u0000' }, 'attributes.kind'],
      ['11 attributes', Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v'])), 'attributes'],
    ])('refuses attributes with %s', async (_label, attributes, path) => {
      const q = fresh('badattr');
      await fx.declare([spec(q)]);
      const error = await queue.send(q, { body: 'x', attributes }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([path]);
    });

    it('counts attribute names, types and values into the 1 MiB limit, and accepts exactly the limit', async () => {
      const q = fresh('size');
      await fx.declare([spec(q)]);
      const attributes = { k: 'v' }; // 1 + 'String' + 1 = 8 bytes
      const fits = 'x'.repeat(1_048_576 - 8);
      await queue.send(q, { body: fits, attributes });
      const error = await queue.send(q, { body: `${fits}x`, attributes }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error).toMatchObject({ size: 1_048_577, limit: 1_048_576 });
      const got = await receiveUntil(queue, q, 1);
      expect(got.map((m) => m.body.length)).toEqual([fits.length]);
    });

    it('refuses a delay outside 0..900 whole seconds', async () => {
      const q = fresh('delay');
      await fx.declare([spec(q)]);
      for (const delaySeconds of [901, -1, 1.5]) {
        await expect(queue.send(q, { body: 'x', delaySeconds })).rejects.toBeInstanceOf(ValidationError);
      }
    });
  });
}
