/**
 * SQS fidelity and message integrity on the embedded runtime, through the
 * real HTTP server: what SQS refuses is refused (400 naming the character),
 * every JSON payload travels in a task envelope, and a queue message acts
 * only on the task it belongs to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_ID_ATTRIBUTE } from '../../../lib/core/ports/TaskDispatcher.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const QUEUE = 'fx-test-stream';
const DLQ = 'fx-test-stream-dlq';

describe('embedded runtime: SQS message rules at POST /sluice/queues/{q}/messages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const post = (body: string, headers: Record<string, string> = {}, query = '') =>
    h.call(`/sluice/queues/${QUEUE}/messages${query}`, { method: 'POST', body, headers });

  it.each([
    ['U+0007', 'a\u0007b', 'U+0007 at index 1'],
    ['U+0000', '{"v":"\u0000"}', 'U+0000 at index 6'],
    ['U+FFFF', 'x\uFFFF', 'U+FFFF at index 1'],
    ['U+FFFE', '\uFFFE', 'U+FFFE at index 0'],
  ])('refuses a body with %s: 400 naming the code point and its index', async (_label, body, why) => {
    const before = await queueStats(h, QUEUE);
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'ValidationError', issues: [{ path: 'body', message: expect.stringContaining(why) }] });
    expect(await queueStats(h, QUEUE)).toEqual(before);
  });

  it('refuses a lone surrogate, which arrives as invalid UTF-8 bytes', async () => {
    // A lone surrogate cannot be encoded in UTF-8: its CESU bytes are not valid UTF-8.
    const res = await h.call(`/sluice/queues/${QUEUE}/messages`, { method: 'POST', body: new Uint8Array([0x61, 0xed, 0xa0, 0x80]) });
    expect(res.status).toBe(400);
  });

  it('refuses an empty body', async () => {
    const res = await post('');
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: 'body', message: expect.stringContaining('must not be empty') }]);
  });

  it('refuses attributes SQS refuses, and counts them into the size', async () => {
    const reserved = await post('x', { 'x-message-attribute-aws.trace': 'v' });
    expect(reserved.status).toBe(400);
    expect(reserved.body.issues[0].path).toBe('attributes.aws.trace');
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`x-message-attribute-a${i}`, 'v']));
    expect((await post('x', eleven)).status).toBe(400);
  });

  it('parses delaySeconds strictly', async () => {
    for (const query of ['?delaySeconds=', '?delaySeconds=0x10', '?delaySeconds=1e2', '?delaySeconds=901', '?delaySeconds=-1']) {
      const res = await post('{"value":1}', {}, query);
      expect(res.status, query).toBe(400);
      expect(res.body.issues[0].path).toBe('delaySeconds');
    }
  });
});

describe('embedded runtime: task envelopes carry every JSON payload', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it.each([
    ['U+FFFF', 'a\uFFFFb'],
    ['U+0000', 'a\u0000b'],
    ['U+0007', '\u0007'],
    ['U+FFFE', '\uFFFE'],
    ['a lone high surrogate', 'x\uD800'],
    ['a lone low surrogate', '\uDFFFy'],
    ['an astral character', '😀'],
  ])('runs an async task whose payload holds %s, with the payload intact', async (_label, tag) => {
    const payload = { n: 1, tag, [`k${tag}`]: [tag] };
    const res = await h.call('/sluice/tasks', { method: 'POST', body: JSON.stringify({ process: 'echo', payload }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    const task = await h.waitForTask(res.body.taskId);
    expect(task.status).toBe('succeeded');
    expect((task.result as { input: unknown }).input).toEqual(payload);
  });
});

describe('embedded runtime: a queue message acts only on its own task', () => {
  let h: Harness;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-06-01T08:00:00.000Z'));
    h = await startHarness({ clock });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const submit = async (payload: unknown) => {
    const res = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'stream', payload } });
    expect(res.status).toBe(202);
    return res.body.taskId as string;
  };
  const forge = async (taskId: string, body: string) => {
    const res = await h.call(`/sluice/queues/${QUEUE}/messages`, { method: 'POST', body, headers: { [`x-message-attribute-${TASK_ID_ATTRIBUTE}`]: taskId } });
    expect(res.status).toBe(202);
    return res.body.messageId as string;
  };
  const ownTask = (messageId: string) =>
    eventually(
      async () => {
        const page = await h.call('/sluice/tasks?process=stream&limit=100');
        const found = (page.body.items as TaskRecord[]).find((t) => t.trigger.type === 'queue' && t.trigger.messageId === messageId && t.status === 'failed');
        return found && h.task(found.taskId);
      },
      { what: `the task of message ${messageId}` },
    );

  it('leaves a queued and a finished task untouched, and dead-letters each forged message as its own failed task', async () => {
    // A queued task: its first attempt failed; the retry waits for the visibility timeout (the clock is frozen).
    const queued = await submit({ value: -1 });
    const waiting = await h.waitForTask(queued, (t) => t.status === 'queued' && t.attempts === 1);
    const finished = await submit({ value: 4 });
    const done = await h.waitForTask(finished);
    expect(done.status).toBe('succeeded');

    const envelope = (taskId: string, value: number) =>
      JSON.stringify({ taskId, process: 'stream', trigger: { type: 'api' }, createdAt: waiting.createdAt, payload: { type: 'api', body: { value } } });
    const forged = [
      await forge(queued, 'garbage'),
      await forge(finished, '{"not":"an envelope"}'),
      // Well-formed envelopes naming the tasks, with another payload: still not theirs.
      await forge(queued, envelope(queued, 99)),
      await forge(finished, envelope(finished, 99)),
      // An envelope naming another task than the attribute does.
      await forge(queued, envelope(finished, 4)),
    ];
    for (const messageId of forged) {
      const own = await ownTask(messageId);
      expect(own).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'system', name: 'MalformedMessage' } });
      expect(own.taskId).not.toBe(queued);
      expect(own.taskId).not.toBe(finished);
      expect(own.error!.message).toMatch(/envelope/);
    }
    const dead = await eventually(async () => {
      const page = await h.call(`/sluice/queues/${DLQ}/messages?limit=100`);
      const ids = (page.body.items as Array<{ messageId: string }>).map((m) => m.messageId);
      return forged.every((id) => ids.includes(id)) ? ids : undefined;
    });
    expect(dead).toEqual(expect.arrayContaining(forged));

    expect(await h.task(queued)).toEqual(waiting);
    expect(await h.task(finished)).toEqual(done);
    // The queued task still runs its own retry.
    await clock.advance(6_500);
    expect(await h.waitForTask(queued, (t) => t.attempts === 2 && t.status !== 'running')).toMatchObject({ status: 'failed', error: { message: 'bad value on attempt 2' } });
  });
});

async function queueStats(h: Harness, name: string) {
  return (await h.call('/sluice/queues')).body.items.find((q: { name: string }) => q.name === name);
}
